"""The fund's collection policy: loaded from its parameter file, and the dates the triggers derive."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rules.collection_policy import CollectionPolicy, collection_policy
from rules.errors import MissingParameter, RuleError
from rules.params import Parameters


def test_defaults() -> None:
    policy = collection_policy(date(2026, 11, 22), Parameters())
    assert policy == CollectionPolicy(
        reminder_after_due_days=15,
        reminder_payment_days=15,
        formal_notice_after_reminder_days=30,
        formal_notice_contest_months=1,
        notice_received_working_days=3,
        call_list_after_formal_notice_days=7,
        company_contribution_reminder_days=30,
        contest_months=1,
        account_statement_dates=((3, 15), (9, 15)),
        fiscal_certificate_date=(3, 1),
    )
    assert Parameters().period("collection_policy", date(2026, 1, 1)).source.startswith("fund policy")


@pytest.mark.parametrize(
    ("method", "day", "expected"),
    [
        ("reminder_on", date(2026, 3, 31), date(2026, 4, 15)),
        ("reminder_on", date(2025, 12, 31), date(2026, 1, 15)),
        ("formal_notice_on", date(2026, 4, 15), date(2026, 5, 15)),
        ("reminder_pay_by", date(2026, 4, 15), date(2026, 4, 30)),
        # a registered letter counts as received on the third working day after posting (Judicial Code art. 53bis)
        ("notice_received_on", date(2026, 5, 13), date(2026, 5, 19)),  # Ascension Thursday 14 May is no working day
        ("notice_received_on", date(2026, 5, 20), date(2026, 5, 26)),  # nor is Whit Monday 25 May
        ("notice_received_on", date(2026, 12, 24), date(2026, 12, 30)),  # nor Christmas, nor the weekend
        # one month from that day (art. 46), moved to the next working day (Judicial Code art. 53)
        ("formal_notice_deadline", date(2026, 5, 13), date(2026, 6, 19)),
        ("formal_notice_deadline", date(2026, 5, 15), date(2026, 6, 22)),  # received 20 May; 20 June is a Saturday
        ("formal_notice_deadline", date(2026, 1, 22), date(2026, 2, 27)),  # received 27 January
        ("formal_notice_deadline", date(2026, 1, 26), date(2026, 3, 2)),  # received 29 January: clipped to 28 Feb, a Saturday
        ("formal_notice_deadline", date(2026, 7, 16), date(2026, 8, 24)),  # 21 July is a holiday: received 22 July
        ("call_list_on", date(2026, 5, 15), date(2026, 6, 29)),
        ("company_contribution_reminder_on", date(2025, 12, 31), date(2026, 1, 30)),
        ("account_statement_days", 2026, (date(2026, 3, 15), date(2026, 9, 15))),
        ("fiscal_certificate_day", 2026, date(2026, 3, 1)),
    ],
)
def test_dates(method: str, day: object, expected: object) -> None:
    assert getattr(collection_policy(date(2026, 1, 1)), method)(day) == expected


def test_before_the_policy_begins() -> None:
    with pytest.raises(MissingParameter, match="collection_policy.toml"):
        collection_policy(date(2023, 12, 31))


def _policy_file(tmp_path: Path, old: str, new: str) -> Parameters:
    text = (Parameters().directory / "collection_policy.toml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "collection_policy.toml").write_text(text.replace(old, new), encoding="utf-8")
    return Parameters(tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("reminder_after_due_days = 15", "reminder_after_due_days = -1", "reminder_after_due_days"),
        ("reminder_after_due_days = 15", "reminder_after_due_days = \"15\"", "reminder_after_due_days"),
        ("reminder_after_due_days = 15", "reminder_after_due_dayz = 15", "unknown key"),
        ("reminder_after_due_days = 15\n", "", "reminder_after_due_days"),
        ('["03-15", "09-15"]', '["03-15"]', "at least two dates"),
        ('["03-15", "09-15"]', '["03-15", "02-29"]', "account_statement_dates"),
        ('fiscal_certificate_date = "03-01"', 'fiscal_certificate_date = "1 March"',
         "fiscal_certificate_date"),
        ("reminder_payment_days = 15", "reminder_payment_days = 30", "reminder_payment_days must end before"),
    ],
)
def test_a_bad_policy_file_fails_naming_the_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        collection_policy(date(2026, 1, 1), _policy_file(tmp_path, old, new))


@pytest.mark.parametrize(("letter", "until"), [
    (date(2026, 11, 22), date(2026, 12, 22)),
    (date(2026, 1, 31), date(2026, 3, 2)),  # clipped to 28 February, a Saturday: Monday 2 March
    (date(2026, 12, 2), date(2027, 1, 4)),  # Saturday 2 January 2027: the next working day
    (date(2026, 12, 3), date(2027, 1, 4)),  # Sunday 3 January 2027
])
def test_a_money_letter_may_be_contested_for_one_month(letter: date, until: date) -> None:
    assert collection_policy(letter, Parameters()).contest_until(letter, Parameters()) == until
