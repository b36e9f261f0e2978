"""Command groups of the `correspondence` CLI, one module each, registered by correspondence/cli.py."""
