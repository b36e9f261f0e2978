"""Every trigger of the night, in the order the night runs them.

A trigger is `(fund, day, params) -> Iterator[Event]`: it reads the fund's data and yields the events due on
`day`, each with a stable key. Letters already in the journal are filtered out by the night, not here.
"""

from scheduler.triggers.claims import mantelzorg_decisions
from scheduler.triggers.company import company_letters
from scheduler.triggers.due_notice import due_notices
from scheduler.triggers.regularisation import regularisation_notices
from scheduler.triggers.reminders import formal_notices, payment_reminders
from scheduler.triggers.statements import account_statements, fiscal_certificates

TRIGGERS = (due_notices, regularisation_notices, payment_reminders, formal_notices, account_statements,
            fiscal_certificates, company_letters, mantelzorg_decisions)
