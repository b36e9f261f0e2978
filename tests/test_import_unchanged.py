"""A file the latest import read byte for byte, under the same checks, and loaded whole with nothing gone, is
not read again (`correspondence import`, importing.Previous): what it would change is nothing. Each case
below is the second of two imports; the first is the small fund as it ships."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_import_record import _cli

from correspondence import importing, schema
from correspondence.config import Settings
from correspondence.store import connect

SMALL_FUND = Path(__file__).parent / "fixtures" / "small_fund"
A9 = "A0000009,85010100115,An,Maes,Kerkstraat,1,,9000,Gent,,nl,main,2010-01-01,"
C9 = "C9,A0000009,2026,4,provisional,100.00,3.05,2026-12-31"


def _append(name: str, line: str) -> Callable[[Path, Settings], None]:
    def change(folder: Path, _settings: Settings) -> None:
        with (folder / name).open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    return change


def _nothing(_folder: Path, _settings: Settings) -> None:
    return None


def _stopped_half_way(_folder: Path, settings: Settings) -> None:
    """An import noted as under way and never recorded: it may have changed the tables."""
    with connect(settings.db_url).begin() as connection:
        connection.execute(schema.import_starts.insert().values(started_at=datetime.now(UTC)))


def _other_checks(_folder: Path, _settings: Settings) -> None:
    importing.CHECKS = "another version of the checks"


CASES = {
    # case: (what the first import's folder gets, the change before the second, its arguments,
    #        files read again, files taken as unchanged)
    "the same files": (_nothing, _nothing, (), [], ["affiliates.csv", "contributions.csv"]),
    "a file changed": (_nothing, _append("affiliates.csv", A9), (), ["affiliates.csv"], ["contributions.csv"]),
    "--full": (_nothing, _nothing, ("--full",), ["affiliates.csv", "contributions.csv"], []),
    "an import stopped half-way since": (_nothing, _stopped_half_way, (), ["affiliates.csv", "contributions.csv"], []),
    "other checks": (_nothing, _other_checks, (), ["affiliates.csv", "contributions.csv"], []),
    # C9's affiliate is not known the first time: rejected, so the file is read again, and loads it now.
    "a rejected row, good now": (_append("contributions.csv", C9), _append("affiliates.csv", A9), (),
                                 ["affiliates.csv", "contributions.csv"], []),
}


@pytest.mark.parametrize("case", CASES)
def test_a_file_is_read_again_unless_nothing_could_change(case: str, settings: Settings, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    first, change, extra, read_again, unchanged = CASES[case]
    monkeypatch.setattr(importing, "CHECKS", importing.CHECKS)  # restored after a case that changes it
    folder = shutil.copytree(SMALL_FUND, tmp_path / "export", copy_function=shutil.copy)
    first(folder, settings)
    _cli(settings, capsys, "import", str(folder))
    change(folder, settings)
    code, out, err = _cli(settings, capsys, "import", str(folder), *extra)

    assert err == "" and code in (0, 1)
    skipped = [line.split(":")[0] for line in out.splitlines() if "not read again" in line]
    read = [line.split(":")[0] for line in out.splitlines() if " rows read" in line or " row read" in line]
    assert (read, skipped) == (read_again, unchanged), out
    for line in out.splitlines():
        if line.startswith("contributions.csv") and "not read again" in line:
            assert line.startswith("contributions.csv: 3 rows unchanged: the same file as import no. 1, not read "
                                   "again (--full reads it); separator ','"), line
    engine = connect(settings.db_url)
    with engine.connect() as connection:
        contributions = set(connection.scalars(select(schema.contributions.c.contribution_id)))
        record = connection.execute(select(schema.import_files).where(schema.import_files.c.import_id == 2)
                                    .order_by(schema.import_files.c.name)).mappings().all()
        starts = connection.scalar(select(func.count()).select_from(schema.import_starts))
    assert ("C9" in contributions) == (case == "a rejected row, good now")
    assert {r["name"]: (r["read"], r["unchanged"]) for r in record if r["name"] in unchanged} == \
        {name: (3, 3) for name in unchanged}, "a file not read again is recorded with its rows, unchanged"
    assert starts == (1 if case == "an import stopped half-way since" else 0), "each import's note goes with it"


def test_after_an_import_stopped_half_way_a_complete_one_makes_skipping_safe_again(
        settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = shutil.copytree(SMALL_FUND, tmp_path / "export", copy_function=shutil.copy)
    _cli(settings, capsys, "import", str(folder))
    _stopped_half_way(folder, settings)
    assert "not read again" not in _cli(settings, capsys, "import", str(folder))[1]  # read whole: safe again
    assert _cli(settings, capsys, "import", str(folder))[1].count("not read again") == 2
