"""Every trigger of the night, in the order the night runs them.

A trigger is `(fund, day, params) -> Iterator[Event]`: it reads the fund's data and yields the events due on
`day`, each with a stable key. Letters already in the journal are filtered out by the night, not here.
"""

from scheduler.triggers.due_notice import due_notices

TRIGGERS = (due_notices,)
