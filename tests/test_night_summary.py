"""The morning report's quarantine, one line per cause with what clears it; summary.json keeps every letter."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update

from correspondence import schema
from correspondence.config import TEMPLATES_DIR, Settings
from correspondence.importing import import_dir
from correspondence.quarantine import CATEGORIES, cause
from correspondence.store import connect
from correspondence.templates import approvals
from scheduler.report import EXAMPLES, quarantine_causes, summary_text

NIGHT = date(2026, 11, 22)
RENDER_ACTION = "correct the template (templates check), then rerun"  # journal.RENDER_ACTION


@pytest.mark.parametrize(("record", "field", "action", "code", "clears"), [
    ("template due_notice/nl", "approval", "review and approve the template (correspondence templates approve)",
     "template-approval:approval", "correspondence templates approve due_notice --lang nl --by NAME"),
    ("template reminder/fr", "letter.toml", "correct letter.toml (correspondence templates check), then approve it "
     "again", "template-settings:letter.toml",
     "correspondence templates check reminder, then correspondence templates approve reminder --lang fr --by NAME"),
    ("affiliate A1", "pages", RENDER_ACTION, "template-render:pages", "correspondence templates check TYPE, then "
     "correspondence templates approve TYPE --lang L --by NAME"),
    ("affiliate A1", "address", "find the new address and import it; the letter then goes out on the next night",
     "data:address", "correct the export, then correspondence import DIR"),
    ("affiliate A1", "postcode", "correct the address", "data:postcode",
     "correct the export, then correspondence import DIR"),
    ("affiliate A1", "recipient_id", "import the recipient, then rerun", "data:recipient_id",
     "correct the export, then correspondence import DIR"),
    ("affiliate A1", "rule", "complete the rule parameters or the data", "rules:rule",
     "add the period to rules/parameters/<name>.toml with its source; or correct the export, then correspondence "
     "import DIR"),
    ("affiliate A1", "suspension", "a case handler decides whom to write to (the trustee, the affiliate) and sends "
     "it by hand", "case:suspension", ""),
    ("affiliate A1", "court", "the fund's legal team names the competent court", "case:court", ""),
    ("affiliate A1", "letter_type", "add its entry to correspondence/kinds/registry.py", "other:letter_type", ""),
])
def test_each_cause_has_a_stable_code_and_what_clears_it(record: str, field: str, action: str, code: str,
                                                         clears: str) -> None:
    found = cause(record, field, action)
    assert (found.code, found.clears) == (code, clears)
    assert found.code.partition(":")[0] in CATEGORIES
    assert "rerun" not in found.todo and ";" not in found.todo  # a completed night is never rerun


def _held(count: int, record: str, field: str, action: str, reason: str = "") -> list[dict[str, str]]:
    return [{"event_key": f"due_notice:{field}{n:04d}:2026-Q4", "record": record.format(n=n), "field": field,
             "reason": reason.format(n=n) or f"is wrong in row {n}", "action": action} for n in range(count)]


MANY = (
    _held(150, "template due_notice/nl", "approval", "review and approve the template (correspondence templates "
          "approve)", "no approved version in force on 2026-11-22")
    + _held(40, "affiliate B{n:07d}", "address", "find the new address and import it; the letter then goes out on "
            "the next night", "address unknown — returned mail on 2026-10-{n:02d} (moved)")
    + _held(6, "affiliate C{n:07d}", "suspension", "a case handler decides whom to write to (the trustee, the "
            "affiliate) and sends it by hand", "the affiliate is in bankruptcy [confirm]")
)


def _summary(held: list[dict[str, str]], **more: object) -> dict[str, object]:
    return {"run_date": "2026-11-22", "letters": 1, "sheets": 1, "registered": 0, "by_type": {}, "by_language": {},
            "by_mail_class": {}, "quarantined": held, "notes": [], "case_lists": {}, "unapproved_templates": [],
            "confirm_marks": [], "timings_seconds": {}, "exit_code": 1 if held else 0, **more}


@pytest.mark.parametrize("stored", [True, False], ids=["grouped when built", "grouped from an older summary"])
def test_many_letters_of_three_causes_give_three_lines_each_with_what_clears_it(stored: bool) -> None:
    summary = _summary(MANY, **({"quarantine_causes": quarantine_causes(MANY)} if stored else {}))
    text = summary_text(summary)
    lines = [line for line in text.splitlines() if " × " in line]
    assert lines == [
        "  150 × approval of template due_notice/nl (no approved version in force on 2026-11-22): review and "
        "approve the template → correspondence templates approve due_notice --lang nl --by NAME — "
        + ", ".join(f"due_notice:approval{n:04d}:2026-Q4" for n in range(EXAMPLES)) + " and 145 more",
        "  40 × address (address unknown — returned mail on …): find the new address and import it → correct the "
        "export, then correspondence import DIR — "
        + ", ".join(f"affiliate B{n:07d}" for n in range(EXAMPLES)) + " and 35 more",
        "  6 × suspension (the affiliate is in bankruptcy [confirm]): a case handler decides whom to write to (the "
        "trustee, the affiliate) and sends it by hand — "
        + ", ".join(f"affiliate C{n:07d}" for n in range(EXAMPLES)) + " and 1 more",
    ]
    assert "Quarantined: 196 letters held back, by cause" in text
    assert len(text) < 2000  # was one line per letter: 196 lines


def test_one_letter_held_is_named_without_and_more() -> None:
    [line] = [x for x in summary_text(_summary(MANY[-1:])).splitlines() if " × " in x]
    assert line.startswith("  1 × suspension (") and line.endswith("— affiliate C0000005")
    assert "Quarantined: 1 letter held back" in summary_text(_summary(MANY[-1:]))
    assert "Quarantined: 0 letters\n" in summary_text(_summary([]))


def test_the_causes_json_names_every_letter_once_and_counts_them() -> None:
    causes = quarantine_causes(MANY)
    assert [(c["cause"], c["count"], len(c["examples"]) + c["more"]) for c in causes] == [
        ("template-approval:approval", 150, 150), ("data:address", 40, 40), ("case:suspension", 6, 6)]
    assert set(causes[0]) == {"cause", "field", "template", "action", "todo", "clears", "count", "reason",
                              "examples", "more"}


# ---- a real night ------------------------------------------------------------------------------------------

AFFILIATE = "{id},{nn},Jan,Peeters,Kerkstraat,12,,{postcode},{city},,{lang},main,2010-01-01,\n"


def _national_number(n: int) -> str:
    """A valid national register number of someone born on 8 May 1971, serial `n`."""
    nine = 710508000 + n
    return f"{nine:09d}{97 - nine % 97:02d}"


def _fund(folder: Path, count: int) -> list[str]:
    """`count` affiliates, one in three French-speaking (Ixelles), each with a contribution due."""
    head = ("affiliate_id,national_number,first_name,last_name,street,house_number,box,postcode,city,country,"
            "language,status,affiliated_since,affiliated_until\n")
    ids = [f"A{n:07d}" for n in range(1, count + 1)]
    rows = [AFFILIATE.format(id=a, nn=_national_number(n + 1), postcode="1050" if n % 3 == 0 else "2000",
                             city="Ixelles" if n % 3 == 0 else "Antwerpen", lang="fr" if n % 3 == 0 else "nl")
            for n, a in enumerate(ids)]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "affiliates.csv").write_text(head + "".join(rows))
    (folder / "contributions.csv").write_text(
        "contribution_id,affiliate_id,year,quarter,kind,amount,fee,due_date\n"
        + "".join(f"C{n},{a},2026,4,provisional,890.42,27.16,2026-12-31\n" for n, a in enumerate(ids)))
    return ids


def test_a_night_of_many_quarantined_letters_reports_one_line_per_cause(settings: Settings, tmp_path: Path) -> None:
    """No template approved (the shipped approvals removed), some addresses returned: every letter is held, by
    two causes of the templates (nl and fr) and one of the data; summary.json still names every letter."""
    templates = tmp_path / "letter_templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    (templates / approvals.SHIPPED_FILE).unlink()
    settings = replace(settings, templates_dir=templates)
    ids = _fund(tmp_path / "fund", 30)
    engine = connect(settings.db_url)
    assert not any(r.errors for r in import_dir(engine, tmp_path / "fund"))
    returned = ids[:8]
    with engine.begin() as connection:
        connection.execute(update(schema.affiliates).where(schema.affiliates.c.affiliate_id.in_(returned))
                           .values(address_unreliable_since=date(2026, 10, 1), address_returned_reason="moved"))
    from scheduler.night import run_night

    result = run_night(settings, NIGHT)
    assert (result.letters, result.exit_code) == (0, 1)
    folder = settings.output_dir / NIGHT.isoformat()
    summary = json.loads((folder / "summary.json").read_text())
    assert len(summary["quarantined"]) == 30  # every letter, for scripts
    counts = {(c["cause"], c["template"]): c["count"] for c in summary["quarantine_causes"]}
    assert counts == {("data:address", ""): 8, ("template-approval:approval", "due_notice/nl"): 15,
                      ("template-approval:approval", "due_notice/fr"): 7}
    text = (folder / "summary.txt").read_text()
    lines = [line for line in text.splitlines() if " × " in line]
    assert len(lines) == 3
    assert any("correspondence templates approve due_notice --lang nl --by NAME" in x for x in lines)
    assert any("correspondence templates approve due_notice --lang fr --by NAME" in x for x in lines)
    assert any(x.startswith("  8 × address") and "correspondence import DIR" in x for x in lines)
