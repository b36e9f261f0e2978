"""Rows of a small fund for the in-memory fund (correspondence/kinds/memory.py) and, the same rows, for the
database: affiliates, a company, contributions, payments, claims, the letters already sent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from correspondence.kinds.memory import MemoryFund
from rules.payment_reference import digits_of, structured_reference

D = Decimal


def affiliate(affiliate_id: str, postcode: str = "2000", city: str = "Antwerpen", language: str = "nl",
              **changes: Any) -> dict[str, Any]:
    return {"affiliate_id": affiliate_id, "national_number": "71050860797", "first_name": "Jan",
            "last_name": f"Peeters{affiliate_id[-2:]}", "street": "Kerkstraat", "house_number": "12", "box": "",
            "postcode": postcode, "city": city, "country": "BE", "language": language, "status": "main",
            "affiliated_since": date(2010, 1, 1), "affiliated_until": None, "address_unreliable_since": None,
            "address_returned_reason": None, **changes}


def company(company_id: str, total: str | None = "900000.00", **changes: Any) -> dict[str, Any]:
    return {"company_id": company_id, "enterprise_number": "0417497106", "name": "Bakkerij Janssens BV",
            "street": "Markt", "house_number": "1", "box": "", "postcode": "3000", "city": "Leuven", "country": "BE",
            "language": "nl", "incorporated_on": date(2019, 5, 2),
            "balance_sheet_total": None if total is None else D(total), "address_unreliable_since": None,
            "address_returned_reason": None, **changes}


def quarter(affiliate_id: str, year: int, q: int, amount: str = "890.42", fee: str = "27.16",
            kind: str = "provisional", due: date | None = None) -> dict[str, Any]:
    ends = {1: date(year, 3, 31), 2: date(year, 6, 30), 3: date(year, 9, 30), 4: date(year, 12, 31)}
    suffix = "R" if kind == "regularisation" else ""
    return {"contribution_id": f"C{affiliate_id}-{year}Q{q}{suffix}", "affiliate_id": affiliate_id, "year": year,
            "quarter": q, "kind": kind, "amount": D(amount), "fee": D(fee), "due_date": due or ends[q]}


def paid(affiliate_id: str, year: int, q: int, on: date, amount: str = "917.58", payer_type: str = "affiliate",
         period: str | None = None) -> dict[str, Any]:
    reference = digits_of(structured_reference(affiliate_id, year, period or f"Q{q}"))
    return {"payment_id": f"P{affiliate_id}-{year}-{period or q}-{on.isoformat()}", "payer_type": payer_type,
            "payer_id": affiliate_id, "received_on": on, "amount": D(amount), "structured_reference": reference}


def claim(claim_id: str, affiliate_id: str, **changes: Any) -> dict[str, Any]:
    return {"claim_id": claim_id, "affiliate_id": affiliate_id, "kind": "mantelzorg", "received_on": date(2026, 6, 25),
            "break_start": date(2026, 7, 1), "months": 3, "mode": "full", "care_recipient": "spouse",
            "relative_degree": None, "child_age": None, "documents": "medical_certificate",
            "care_recipient_died_on": None, "other_benefit": False, "months_before_engine": 0,
            "exempt_quarters_before_engine": 0, "other_benefit_kind": None, "completed_on": None,
            "death_reported_on": None, **changes}


def benefit_paid(claim_id: str, month: str, on: date, amount: str = "1638.26") -> dict[str, Any]:
    """One payment of a claim's benefit (benefit_payments.csv)."""
    return {"claim_id": claim_id, "month": month, "paid_on": on, "amount": D(amount)}


def letter(letter_type: str, key: str, recipient_id: str, run_date: date) -> dict[str, Any]:
    return {"letter_type": letter_type, "event_key": key, "recipient_id": recipient_id, "run_date": run_date}


def paying_affiliate(affiliate_id: str, year: int = 2026, quarters: tuple[int, ...] = (1, 2, 3)) -> MemoryFund:
    """An affiliate charged and paid on time for these quarters: the applicant of a mantelzorg claim."""
    return MemoryFund(
        affiliate_rows=[affiliate(affiliate_id)],
        contributions=[quarter(affiliate_id, year, q) for q in quarters],
        payments=[paid(affiliate_id, year, q, quarter(affiliate_id, year, q)["due_date"]) for q in quarters],
    )
