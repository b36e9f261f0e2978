"""`python -m scheduler.cli …`: the command line without the installed `correspondence` script."""

import sys

from scheduler.cli import main

sys.exit(main())
