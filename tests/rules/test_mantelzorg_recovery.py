"""The claim-back after the cared-for person's death: what was paid for months without a right, the months
cancelled, the exemptions that lost their basis, and the terms the letter states (rules/mantelzorg_recovery.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from rules.errors import InvalidInput, RuleError
from rules.mantelzorg_recovery import (
    BenefitPayment,
    LostExemption,
    Recovery,
    exemptions,
    recover,
    repay_by,
    terms,
)
from rules.params import Parameters

SIX = ("2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12")  # a full break, July to December
EXEMPT = ("2026-Q3", "2026-Q4")  # on September (3rd month) and December (6th)
DAY = date(2026, 11, 22)


def pay(month: str, on: date, amount: str = "1638.26") -> BenefitPayment:
    return BenefitPayment(month, on, Decimal(amount))


PAID_TO_OCTOBER = (
    pay("2026-07", date(2026, 7, 31)),
    pay("2026-08", date(2026, 8, 31)),
    pay("2026-09", date(2026, 9, 30)),
    pay("2026-10", date(2026, 10, 31)),
)


@pytest.mark.parametrize(
    ("case", "died", "payments", "undue", "cancelled", "lost", "total"),
    [
        (
            "death in August: September kept, October paid is claimed back, the rest cancelled",
            date(2026, 8, 14),
            PAID_TO_OCTOBER,
            ["2026-10"],
            ["2026-11", "2026-12"],
            ["2026-Q4"],
            "1638.26",
        ),
        (
            "death in July: September and October claimed back, both exemptions lost",
            date(2026, 7, 20),
            PAID_TO_OCTOBER,
            ["2026-09", "2026-10"],
            ["2026-11", "2026-12"],
            ["2026-Q3", "2026-Q4"],
            "3276.52",
        ),
        (
            "what was paid, not the schedule: a reduced October payment is claimed as paid",
            date(2026, 8, 14),
            PAID_TO_OCTOBER[:3] + (pay("2026-10", date(2026, 10, 31), "900.00"),),
            ["2026-10"],
            ["2026-11", "2026-12"],
            ["2026-Q4"],
            "900.00",
        ),
        (
            "a month paid twice is claimed twice",
            date(2026, 8, 14),
            PAID_TO_OCTOBER + (pay("2026-10", date(2026, 11, 5), "100.00"),),
            ["2026-10", "2026-10"],
            ["2026-11", "2026-12"],
            ["2026-Q4"],
            "1738.26",
        ),
        (
            "nothing paid after the right ended: months cancelled, nothing claimed",
            date(2026, 8, 14),
            PAID_TO_OCTOBER[:3],
            [],
            ["2026-10", "2026-11", "2026-12"],
            ["2026-Q4"],
            "0",
        ),
        (
            "a payment dated after the letter is not made yet: its month is cancelled too",
            date(2026, 8, 14),
            PAID_TO_OCTOBER[:3] + (pay("2026-10", date(2026, 11, 30)),),
            [],
            ["2026-10", "2026-11", "2026-12"],
            ["2026-Q4"],
            "0",
        ),
    ],
)
def test_recover(
    case: str, died: date, payments: tuple, undue: list, cancelled: list, lost: list, total: str
) -> None:
    found = recover(SIX, EXEMPT, died, 1, payments, DAY)
    assert found is not None, case
    assert [p.month for p in found.undue] == undue, case
    assert list(found.cancelled) == cancelled, case
    assert [e.quarter for e in found.exemption_lost] == lost, case
    assert found.total == Decimal(total), case
    assert set(found.withdrawn) == set(undue) | set(cancelled)


def test_nothing_to_decide_when_every_granted_month_is_within_the_right() -> None:
    assert recover(SIX[:3], ("2026-Q3",), date(2026, 8, 30), 1, PAID_TO_OCTOBER[:3], DAY) is None


def test_a_later_decision_states_only_what_is_new() -> None:
    """October to December were cancelled on 5 November; November paid all the same on 30 November: only that
    payment is claimed back, once."""
    paid = PAID_TO_OCTOBER[:3] + (pay("2026-11", date(2026, 11, 30)),)

    def after_cancellation(day: date, claimed: tuple = ()) -> Recovery | None:
        return recover(SIX, EXEMPT, date(2026, 8, 14), 1, paid, day, claimed_before=claimed,
                       withdrawn_before=("2026-10", "2026-11", "2026-12"), lost_before=("2026-Q4",))

    found = after_cancellation(date(2026, 12, 3))
    assert found is not None
    assert ([p.month for p in found.undue], found.cancelled, found.exemption_lost) == (["2026-11"], (), ())
    assert after_cancellation(date(2026, 12, 4), claimed=(("2026-11", date(2026, 11, 30)),)) is None


def test_a_death_after_the_letter_is_an_input_error() -> None:
    with pytest.raises(InvalidInput) as caught:
        recover(SIX, EXEMPT, date(2026, 11, 23), 1, (), DAY)
    assert caught.value.field == "care_recipient_died_on"


@pytest.mark.parametrize(
    ("months", "exempt", "last", "lost", "kept"),
    [
        (SIX, EXEMPT, "2026-09", [LostExemption("2026-Q4", "2026-12", 6)], ("2026-Q3",)),
        (
            SIX,
            EXEMPT,
            "2026-08",
            [LostExemption("2026-Q3", "2026-09", 3), LostExemption("2026-Q4", "2026-12", 6)],
            (),
        ),
        (
            SIX,
            ("2026-Q3",),
            "2026-08",
            [LostExemption("2026-Q3", "2026-09", 3)],
            (),
        ),  # the career cap took 2026-Q4
        (SIX, (), "2026-08", [], ()),  # a partial break has no exemption
        (SIX[:4], ("2026-Q3",), "2026-09", [], ("2026-Q3",)),  # September kept: the exemption keeps its basis
    ],
)
def test_exemptions(months: tuple, exempt: tuple, last: str, lost: list, kept: tuple) -> None:
    assert exemptions(months, exempt, last) == (tuple(lost), kept)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (
            date(2026, 11, 22),
            date(2027, 1, 25),
        ),  # Sunday: received Wednesday 25 November; 25 January is a Monday
        (date(2026, 10, 10), date(2026, 12, 14)),  # received 14 October; 14 December
        (
            date(2026, 12, 28),
            date(2027, 3, 1),
        ),  # received Thursday 31 December; 28 February (clipped) is a Sunday
    ],
)
def test_repay_by_two_months_after_the_registered_letter_counts_as_received(
    day: date, expected: date
) -> None:
    assert repay_by(day, 2, Parameters()) == expected


def test_the_terms_name_their_source_in_every_language_and_are_marked_confirm() -> None:
    params = Parameters()
    found = terms(date(2026, 11, 22), params)
    assert found.prescription_years == 10 and set(found.prescription_source) == {"nl", "fr", "de"}
    assert all("2262bis" in text for text in found.prescription_source.values())
    marks = [m.mark for m in params.confirm_marks() if m.name == "mantelzorg_recovery"]
    assert any(m.startswith("prescription:") and m.endswith("[confirm]") for m in marks)
    assert any(m.startswith("repayment_months:") for m in marks)


def test_terms_without_a_source_in_a_language_are_refused(tmp_path: Path) -> None:
    source = (Parameters().directory / "mantelzorg_recovery.toml").read_text(encoding="utf-8")
    (tmp_path / "mantelzorg_recovery.toml").write_text(
        source.replace('de = "Artikel', 'xx = "Artikel'), encoding="utf-8"
    )
    for name in ("collection_policy", "public_holidays"):
        (tmp_path / f"{name}.toml").write_text(
            (Parameters().directory / f"{name}.toml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    with pytest.raises(RuleError, match="prescription_source"):
        terms(date(2026, 11, 22), Parameters(tmp_path))
