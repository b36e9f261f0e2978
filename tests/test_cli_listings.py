"""The listing commands as scripts and people read them: `--json` in its documented shape
(scheduler/cli/shapes/), the letters' filters, plain columns when piped and a table that never cuts an
identifier on a narrow terminal, the mailroom's defaults (the latest night; collect checks first; list only
what waits to be collected, its sheets counted as the night's summary counts them)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from json_shapes import validate
from test_mailroom_print_files import fund_profile, mailroom_templates

from correspondence.config import Settings
from correspondence.importing import import_dir
from correspondence.store import connect
from scheduler import cli
from scheduler.cli.tables import Column, show
from scheduler.night import run_night

SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"
NIGHT = date(2026, 11, 22)


def _cli(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv), settings=settings)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def night(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    fund, templates = fund_profile(tmp_path, 1000), mailroom_templates(tmp_path, registered_reminder=False)
    monkeypatch.setenv("CORRESPONDENCE_FUND", str(fund))
    monkeypatch.setenv("CORRESPONDENCE_TEMPLATES", str(templates))
    settings = replace(settings, fund_file=fund, templates_dir=templates)
    import_dir(connect(settings.db_url), SMALL_FUND)
    assert run_night(settings, NIGHT).letters == 3
    return settings


@pytest.mark.parametrize(("argv", "shape", "count"), [
    (["letters", "--json"], "letters", 3),
    (["runs", "--json"], "runs", 1),
    (["mailroom", "list", "--json"], "mailroom-list", 1),
    (["stats", "--year", "2026", "--json"], "stats", None),
])
def test_every_listing_answers_json_in_its_documented_shape(night: Settings, capsys: pytest.CaptureFixture[str],
                                                             argv: list[str], shape: str, count: int | None) -> None:
    code, out, _ = _cli(night, capsys, *argv)
    data = json.loads(out)
    validate(shape, data)
    assert code == 0 and (count is None or len(data) == count)


def test_letters_json_has_what_a_letter_was_made_of(night: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    [first, *_] = json.loads(_cli(night, capsys, "letters", "--json")[1])
    assert len(first["template_hash"]) == 64 and first["archive_path"].endswith(".pdf")
    assert first["context"]["letter"]["language"] == first["language"] and first["channel"] == "paper"
    assert first["print_file"] and first["first_page"] >= 1


@pytest.mark.parametrize(("filters", "expected"), [
    ([], 3),
    (["--run-date", "2026-11-22"], 3),
    (["--run-date", "2026-11-23"], 0),
    (["--since", "2026-11-22", "--until", "2026-11-22"], 3),
    (["--since", "2026-11-23"], 0),
    (["--until", "2026-11-21"], 0),
    (["--type", "due_notice"], 3),
    (["--type", "reminder"], 0),
    (["--status", "batched"], 3),
    (["--status", "ebox"], 0),
])
def test_letters_filters(night: Settings, capsys: pytest.CaptureFixture[str], filters: list[str],
                         expected: int) -> None:
    assert len(json.loads(_cli(night, capsys, "letters", "--json", *filters)[1])) == expected


def test_letters_filter_by_recipient(night: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    letters = json.loads(_cli(night, capsys, "letters", "--json")[1])
    one = letters[1]["recipient_id"]
    found = json.loads(_cli(night, capsys, "letters", "--json", "--recipient", one)[1])
    assert [x["recipient_id"] for x in found] == [x["recipient_id"] for x in letters if x["recipient_id"] == one]


def test_piped_tables_are_plain_columns_with_every_identifier_whole(night: Settings,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    ids = [x["letter_id"] for x in json.loads(_cli(night, capsys, "letters", "--json")[1])]
    for argv in (["letters"], ["runs"], ["mailroom", "list"], ["stats", "--year", "2026"]):
        code, out, _ = _cli(night, capsys, *argv)
        assert code == 0 and not set("│┃━─…") & set(out), out
    out = _cli(night, capsys, "letters")[1]
    header, *rows = out.splitlines()
    assert header.split() == ["letter", "night", "type", "recipient", "lang", "class", "channel", "status", "pages"]
    assert [row.split()[0] for row in rows] == ids
    assert "2026-11-22  complete" in _cli(night, capsys, "runs")[1]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("width", "drawn"), [(30, False), (60, True), (120, True)])
def test_a_narrow_terminal_wraps_free_text_never_an_identifier(width: int, drawn: bool,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Too narrow even for the identifiers: plain columns, which the terminal wraps as whole lines."""
    monkeypatch.setenv("COLUMNS", str(width))
    out = _Terminal()
    columns = (Column("id", "letter"), Column("night", "night"), Column("text", "what came back", wrap=True))
    show(columns, [{"id": "20261202-000123", "night": "2026-12-02", "text": "moved, no forwarding address " * 3}],
          out=out)
    text = out.getvalue()
    assert "20261202-000123" in text and "2026-12-02" in text and "…" not in text
    assert ("─" in text) == drawn
    assert drawn or ("moved, no forwarding address " * 3).strip() in text  # plain: the text on its one line


def test_verify_and_collect_take_the_latest_ready_night(night: Settings,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(night, capsys, "mailroom", "verify")
    assert code == 0 and "night of 2026-11-22: every file" in out and "latest ready night, 2026-11-22" in err
    code, out, _ = _cli(night, capsys, "mailroom", "collect", "--by", "Els")
    assert code == 0 and "night of 2026-11-22 checked and collected by Els at" in out and "Brussels time" in out


def test_collect_checks_the_files_first_and_refuses_a_night_that_differs(
        night: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    [print_file] = (night.output_dir / NIGHT.isoformat()).glob("*/batch-*.pdf")
    print_file.write_bytes(print_file.read_bytes() + b"%")
    code, out, err = _cli(night, capsys, "mailroom", "collect", "2026-11-22", "--by", "Els")
    assert code == 1 and "DIFFERENCE" in out and "not collected" in err and "1 difference with" in err
    [row] = json.loads(_cli(night, capsys, "mailroom", "list", "--json")[1])
    assert row["collected_by"] is None


def test_mailroom_list_counts_sheets_as_the_summary_does(night: Settings,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    summary = json.loads((night.output_dir / NIGHT.isoformat() / "summary.json").read_text(encoding="utf-8"))
    [row] = json.loads(_cli(night, capsys, "mailroom", "list", "--json")[1])
    assert (row["sheets"], row["letters"]) == (summary["sheets"], summary["letters"])
    assert row["cover_sheets"] == row["files"] >= 1
    _cli(night, capsys, "mailroom", "collect", "--by", "Els")
    assert json.loads(_cli(night, capsys, "mailroom", "list", "--json")[1]) == []
    [collected] = json.loads(_cli(night, capsys, "mailroom", "list", "--all", "--json")[1])
    assert collected["collected_by"] == "Els" and collected["collected_at"].endswith("+00:00")
