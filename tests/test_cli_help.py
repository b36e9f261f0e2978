"""Every command's --help cites only files that ship with the project: no DESIGN.md, no domain/*.md (they live
outside the repository), no path that is not in it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from scheduler.cli import main
from scheduler.cli.commands import correspondence

REPO = Path(__file__).resolve().parent.parent
# a path (a/b, a/<date>/b, a/*.toml) or a file name with the extension of a file the project ships
CITED = re.compile(r"(?<![\w/$.-])(?:[\w.<>*-]+/)+[\w.<>*-]*|(?<![\w/.-])[\w-]+\.(?:md|toml|py|html|docx|json)\b")
PLACEHOLDER = re.compile(r"[<>*]")


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        for name in command.list_commands(click.Context(command)):
            sub = command.get_command(click.Context(command), name)
            assert sub is not None
            yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(correspondence))


def _ships(cited: str) -> bool:
    """Whether a path cited in a help text is in the repository: as written, or, for one with a placeholder
    (`rules/parameters/*.toml`, `output/<date>/`), its folder before the placeholder."""
    cited = cited.rstrip(".,;:)")
    if PLACEHOLDER.search(cited):
        cited = PLACEHOLDER.split(cited)[0].rpartition("/")[0]
    return (REPO / cited).exists()


def test_the_walk_finds_every_group_and_subcommand() -> None:
    assert {(), ("run",), ("scheduler",), ("templates", "approve"), ("mailroom",)} <= set(COMMANDS)
    assert len(COMMANDS) > 20


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "correspondence")
def test_help_cites_only_files_that_ship(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*path, "--help"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("Usage:")
    assert "DESIGN" not in shown and "domain/" not in shown
    cited = [c for c in CITED.findall(shown) if "://" not in c and not c.startswith(("/", "~"))]
    assert [c for c in cited if not _ships(c)] == [], f"{' '.join(path)} --help cites files that do not ship"


@pytest.mark.parametrize(("cited", "ships"), [
    ("config/scheduler.toml", True), ("letter_templates/approvals.toml", True), ("README.md", True),
    ("rules/parameters/*.toml", True), ("DESIGN.md", False), ("domain/mantelzorg.md", False),
    ("letter_templates/nothing.toml", False),
])
def test_the_check_tells_a_shipped_path_from_one_that_is_not(cited: str, ships: bool) -> None:
    assert _ships(cited) is ships


def test_the_paths_cited_in_a_text_are_found() -> None:
    text = ("(default: $CORRESPONDENCE_SCHEDULER_CONFIG or config/scheduler.toml); see DESIGN.md, domain/mantelzorg.md "
            "and output/<date>/ for affiliates.csv")
    assert CITED.findall(text) == ["config/scheduler.toml", "DESIGN.md", "domain/mantelzorg.md", "output/<date>/"]


def _every_confirm_mark() -> list[tuple[str, str]]:
    """Every `[confirm]` mark of every rule parameter period: the morning report prints those the night used."""
    from rules.params import Parameters

    params = Parameters()
    names = sorted(p.stem for p in (REPO / "rules" / "parameters").glob("*.toml"))
    return [(name, mark) for name in names for period in params.periods(name) for mark in period.confirm]


def test_the_confirm_marks_the_report_prints_cite_only_files_that_ship() -> None:
    marks = _every_confirm_mark()
    assert len(marks) > 20
    cited = [(name, c) for name, mark in marks for c in CITED.findall(mark)
             if "://" not in c and not c.startswith(("/", "~")) and c.endswith(".md")]
    assert [(name, c) for name, c in cited if not _ships(c)] == []
