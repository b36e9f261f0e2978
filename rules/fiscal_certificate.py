"""What the fiscal certificate declares besides the amounts: the assessment year, the tax-return codes by the
affiliate's status, whether the fund's fee is deductible (rules/parameters/fiscal_certificate.toml), and how
a payment received for a period splits into contribution and fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rules.errors import RuleError
from rules.money import cents
from rules.params import Parameters

NAME = "fiscal_certificate"


@dataclass(frozen=True)
class Declaration:
    income_year: int
    assessment_year: int  # aanslagjaar / exercice d'imposition: the income year + 1
    activity: str  # self_employed, company_director, helping_partner, liberal_profession
    code: str  # the taxpayer's code, e.g. 1606-43
    partner_code: str  # the partner's code in a joint return, e.g. 2606-13
    fee_deductible: bool


def declaration(income_year: int, status: str, params: Parameters) -> Declaration:
    period = params.period(NAME, date(income_year, 12, 31))
    activity = period.get("status_activity").get(status)
    if activity is None:
        raise RuleError(f"status '{status}' has no tax-return code in rules/parameters/{NAME}.toml")
    code, partner_code = period.get("codes")[activity]
    return Declaration(income_year, income_year + 1, activity, code, partner_code, bool(period.get("fee_deductible")))


def fee_part(received: Decimal, amount: Decimal, fee: Decimal) -> Decimal:
    """The fund's fee in `received` paid towards a charge of `amount` + `fee`: in proportion, to the cent (a
    part payment pays contribution and fee alike) [confirm]."""
    charged = amount + fee
    if charged == 0:
        return Decimal("0.00")
    return cents(received * fee / charged)
