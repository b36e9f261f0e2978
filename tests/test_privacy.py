"""Privacy after a real night: files not world-readable; no name, address or national register number in the
logs, summaries and case lists; no national register number in full in anything `correspondence` prints.

The fund is the demo fund plus rows built to be reported (an unknown postcode, a bad check digit, a date
that does not exist, a duplicate id): the messages about them are where personal data slips out first.
"""

from __future__ import annotations

import csv
import random
import re
import stat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import night_process as np
import pytest

from correspondence.config import DEFAULT_FUND
from correspondence.demo.fund import national_number
from correspondence.store import connect, init

pytestmark = pytest.mark.slow

DAY = np.NIGHT.isoformat()


def _extra_affiliates(header: list[str]) -> list[dict[str, str]]:
    rng = random.Random(99)
    base = {"country": "BE", "language": "nl", "status": "main", "affiliated_since": "2015-01-01",
            "affiliated_until": "", "box": "", "house_number": "7", "city": "Gent", "postcode": "9000"}
    rows = [
        dict(base, affiliate_id="A0000901", first_name="Griet", last_name="Vanderstraeten-Priv",
             street="Geheimstraat", national_number=national_number(rng)),
        # rejected at import: no such postcode
        dict(base, affiliate_id="A0000904", first_name="Lieve", last_name="Nergensmans",
             street="Onbestaandelaan", postcode="9999", national_number=national_number(rng)),
        # rejected at import: check digit wrong
        dict(base, affiliate_id="A0000902", first_name="Hilde", last_name="Onzichtbaar",
             street="Verborgenlaan", national_number=national_number(rng)[:-2] + "00"),
        # rejected at import: a date that does not exist
        dict(base, affiliate_id="A0000903", first_name="Jozef", last_name="Discreetmans",
             street="Stillestraat", affiliated_since="2026-02-30", national_number=national_number(rng)),
        # rejected at import: the same id twice
        dict(base, affiliate_id="A0000901", first_name="Karel", last_name="Dubbelganger",
             street="Tweelingstraat", national_number=national_number(rng)),
    ]
    return [{k: row[k] for k in header} for row in rows]


@dataclass
class Night:
    root: Path
    people: list[dict[str, str]]
    printed: dict[str, str] = field(default_factory=dict)  # command -> stdout + stderr
    logs: dict[str, str] = field(default_factory=dict)  # command -> stderr


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    root = tmp_path_factory.mktemp("privacy")
    templates = np.templates_copy(root / "letter_templates")
    fund = np.demo_fund(root / "fund", affiliates=25, seed=7)
    with (fund / "affiliates.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, people = list(reader.fieldnames or []), list(reader)
    extra = _extra_affiliates(header)
    with (fund / "affiliates.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=header).writerows(extra)
    url = f"sqlite:///{root / 'night.db'}"
    init(connect(url))
    environment = np.env(url, root, templates, chunk=10)
    result = Night(root, people + extra)

    def run(*args: str, expect: tuple[int, ...] = (0,)) -> None:
        done = np.cli(list(args), environment, root / "cwd")
        assert done.returncode in expect, (args, done.stdout[-2000:], done.stderr[-2000:])
        command = " ".join(args) + ("" if " ".join(args) not in result.printed else " (again)")
        result.printed[command] = done.stdout + done.stderr
        result.logs[command] = done.stderr

    run("import", str(fund), expect=(1,))
    _approve(url, templates)
    run("run", "--as-of", DAY, expect=(0, 1))
    run("run", "--as-of", DAY, expect=(0, 1))  # already complete
    run("letters", "--run-date", DAY)
    run("letters", "--json")
    run("runs")
    run("runs", "show", DAY)
    run("mailroom", "list")
    run("mailroom", "verify", DAY)
    run("mailroom", "archive", people[0]["affiliate_id"])
    run("templates", "list")
    run("templates", "preview", "due_notice", "--lang", "nl", "--affiliate", people[0]["affiliate_id"],
        "--out", str(root / "preview.pdf"), "--as-of", DAY)
    run("import", str(fund), expect=(1,))  # the same files again: the same rejections
    return result


def _approve(url: str, templates: Path) -> None:
    from correspondence.templates import approvals

    with connect(url).begin() as connection:
        for letter_type in np.APPROVED:
            for language in ("nl", "fr", "de"):
                approvals.approve(connection, templates, letter_type, language, "privacy test",
                                  date(2000, 1, 1), np.APPROVED_AT)


def _nrn(number: str) -> re.Pattern[str]:
    """The number in full, however written: 92071264110, 92.07.12-641.10, 920712 641 10 …"""
    return re.compile(r"(?<!\d)" + r"[\s.\-/]?".join(number) + r"(?!\d)")


FUND_WORDS = DEFAULT_FUND.read_text(encoding="utf-8")


def _identifying(person: dict[str, str]) -> list[tuple[str, re.Pattern[str]]]:
    found = [("national register number", _nrn(person["national_number"]))]
    texts = [f"{person['first_name']} {person['last_name']}", f"{person['last_name']} {person['first_name']}",
             person["last_name"], f"{person['street']} {person['house_number']}", person["street"]]
    found += [("name or address", re.compile(re.escape(t))) for t in texts if len(t) >= 5 and t not in FUND_WORDS]
    return found


def _leaks(text: str, people: list[dict[str, str]], only_numbers: bool = False) -> list[str]:
    return [f"{what} of {p['affiliate_id']}" for p in people for what, pattern in _identifying(p)
            if (not only_numbers or what == "national register number") and pattern.search(text)]


def test_the_night_really_had_personal_data_to_leak(night: Night) -> None:
    letters = night.printed["letters --json"]
    assert letters.count('"letter_id"') >= 20
    archive = night.root / "archive"
    sample = next(archive.rglob("*.pdf"))
    assert sample.stat().st_size > 0
    import_messages = night.printed["import " + str(night.root / "fund")]
    for reason in ("postcode", "national_number", "affiliated_since", "duplicate"):
        assert reason in import_messages, import_messages


@pytest.mark.parametrize("where", ["output", "archive"])
def test_files_are_0640_and_folders_0750(night: Night, where: str) -> None:
    top = night.root / where
    entries = [top, *top.rglob("*")]
    assert len(entries) > 5
    wrong = [f"{p.relative_to(night.root)} {stat.filemode(p.stat().st_mode)}" for p in entries
             if stat.S_IMODE(p.stat().st_mode) != (0o750 if p.is_dir() else 0o640)]
    assert wrong == []


def test_no_log_line_names_anyone(night: Night) -> None:
    lines = [line for text in night.logs.values() for line in text.splitlines()]
    assert sum(line.startswith("{") for line in lines) >= 5
    assert [(line[:80], _leaks(line, night.people)) for line in lines if _leaks(line, night.people)] == []


def test_summaries_and_case_lists_name_no_one(night: Night) -> None:
    folder = night.root / "output" / DAY
    personal_by_design = {"registered.csv", "deposit_list.pdf"}  # the post office's list of registered mail
    scanned = [p for p in folder.rglob("*") if p.is_file() and p.suffix in (".json", ".txt", ".csv")
               and p.name not in personal_by_design]
    assert {"summary.json", "summary.txt", "manifest.csv", "files.csv"} <= {p.name for p in scanned}
    summary = (folder / "summary.json").read_text(encoding="utf-8")
    assert '"quarantined": [\n    {' in summary  # quarantine reasons were there to be scanned
    assert [(p.name, _leaks(p.read_text(encoding="utf-8"), night.people)) for p in scanned
            if _leaks(p.read_text(encoding="utf-8"), night.people)] == []


def test_no_command_prints_a_national_register_number_in_full(night: Night) -> None:
    assert len(night.printed) >= 12
    assert {command: _leaks(text, night.people, only_numbers=True) for command, text in night.printed.items()
            if _leaks(text, night.people, only_numbers=True)} == {}
