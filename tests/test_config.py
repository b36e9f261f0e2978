"""The one configuration: every environment variable is declared in config.py and checked at start, the fund
profile against its declared shape. A bad value, an unknown variable or key: one line naming it, exit 2."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from correspondence import config, fund_profile
from correspondence.config import DEFAULT_FUND, PROJECT_ROOT, ConfigError, load_fund
from correspondence.fund_profile import problems
from scheduler import cli

# (variable, bad value, what the one line says after "letters: ")
BAD_VALUES = [
    ("CORRESPONDENCE_WORKERS", "two", "CORRESPONDENCE_WORKERS: 'two' is not a whole number"),
    ("CORRESPONDENCE_WORKERS", "-1", "CORRESPONDENCE_WORKERS: -1 is below the minimum, 0"),
    ("CORRESPONDENCE_CHUNK", "0", "CORRESPONDENCE_CHUNK: 0 is below the minimum, 1"),
    ("CORRESPONDENCE_CHUNK", "2.5", "CORRESPONDENCE_CHUNK: '2.5' is not a whole number"),
    ("CORRESPONDENCE_RENDER_SECONDS", "soon", "CORRESPONDENCE_RENDER_SECONDS: 'soon' is not a number of seconds"),
    ("CORRESPONDENCE_RENDER_SECONDS", "0", "CORRESPONDENCE_RENDER_SECONDS: 0 is not a number of seconds above 0"),
    ("CORRESPONDENCE_RENDER_CHARS", "2e6", "CORRESPONDENCE_RENDER_CHARS: '2e6' is not a whole number"),
    ("CORRESPONDENCE_RENDER_MEMORY_MB", "0", "CORRESPONDENCE_RENDER_MEMORY_MB: 0 is below the minimum, 1"),
    ("CORRESPONDENCE_LO_TIMEOUT", "-5", "CORRESPONDENCE_LO_TIMEOUT: -5 is not a number of seconds above 0"),
    ("CORRESPONDENCE_LO_TIMEOUT", "nan", "CORRESPONDENCE_LO_TIMEOUT: nan is not a number of seconds above 0"),
    ("CORRESPONDENCE_FAULT", "render.chunk#0", "CORRESPONDENCE_FAULT: must be 'list', '<checkpoint>#<passage>'"),
    ("CORRESPONDENCE_WORKRS", "2",
     "CORRESPONDENCE_WORKRS: not a setting of the engine — did you mean CORRESPONDENCE_WORKERS?"),
    ("CORRESPONDENCE_PRINTER", "lp0", "CORRESPONDENCE_PRINTER: not a setting of the engine — see the README"),
]


@pytest.mark.parametrize(("name", "value", "says"), BAD_VALUES, ids=[f"{n}={v}" for n, v, _ in BAD_VALUES])
def test_a_bad_variable_is_one_line_naming_it_and_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        name: str, value: str, says: str) -> None:
    monkeypatch.setenv("CORRESPONDENCE_DB", f"sqlite:///{tmp_path / 'none.db'}")
    monkeypatch.setenv(name, value)
    assert cli.main(["letters"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"letters: {says}") and err.count("\n") == 1, err
    assert not (tmp_path / "none.db").exists()  # refused before anything is opened


@pytest.mark.parametrize("variable", config.VARIABLES, ids=lambda v: v.name)
def test_every_variable_is_documented_and_its_default_parses_back(variable: config.Variable) -> None:  # type: ignore[type-arg]
    assert variable.name.startswith(config.PREFIX)
    assert variable.meaning and variable.shown and variable.valid
    assert config.get(variable, {}) == variable.default  # unset
    assert config.get(variable, {variable.name: "  "}) == variable.default  # blank is unset


def test_a_good_value_is_read_when_used_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    from correspondence.render import limits

    monkeypatch.setenv("CORRESPONDENCE_RENDER_SECONDS", "0.25")
    assert limits.limit() == 0.25
    monkeypatch.setenv("CORRESPONDENCE_RENDER_SECONDS", "7")
    assert limits.limit() == 7.0


# Modules that may touch os.environ: config.py reads it; libreoffice.py hands it on, whole, to LibreOffice.
ENVIRONMENT_READERS = {"correspondence/config.py", "correspondence/render/libreoffice.py"}


def test_no_module_but_config_reads_the_environment() -> None:
    readers = set()
    for package in ("correspondence", "scheduler", "rules"):
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"os\.environ|getenv\(", text):
                readers.add(path.relative_to(PROJECT_ROOT).as_posix())
    assert readers <= ENVIRONMENT_READERS, readers - ENVIRONMENT_READERS
    libreoffice = (PROJECT_ROOT / "correspondence" / "render" / "libreoffice.py").read_text(encoding="utf-8")
    assert re.findall(r"os\.environ[^\n]*", libreoffice) == ['os.environ, "HOME": str(self.home)}']


def test_every_variable_named_in_the_code_is_declared() -> None:
    declared = {v.name for v in config.VARIABLES}
    named = set()
    for package in ("correspondence", "scheduler", "bench"):
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            named |= set(re.findall(r"CORRESPONDENCE_[A-Z_]*[A-Z]", path.read_text(encoding="utf-8")))
    assert named <= declared, named - declared


# --- the fund profile -----------------------------------------------------------------------------------------

def _profile(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_FUND.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "fund.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# (what is changed in config/fund.toml, to what, the key and reason the message names)
FUND_CASES = [
    ('iban = "BE71096123456769"', 'ibna = "BE71096123456769"', "fund.ibna: unknown key"),
    ('iban = "BE71096123456769"', "", "fund.iban: missing"),
    ("max_sheets_per_file = 1000", 'max_sheets_per_file = "1000"', "mailroom.max_sheets_per_file: must be a whole"),
    ("max_sheets_per_file = 1000", "max_sheets_per_file = 0", "mailroom.max_sheets_per_file: must be a whole"),
    ("left_mm = 110", 'left_mm = "110"', "envelope_window.left_mm: must be a number of millimetres"),
    ('box_label = { nl = "bus", fr = "bte", de = "Bfk." }', 'box_label = { nl = "bus", fr = "bte" }',
     "postal.box_label: has no de"),
    ('box_label = { nl = "bus", fr = "bte", de = "Bfk." }', 'box_label = "bus"',
     "postal.box_label: must be a table with one text per language"),
    ('city = { nl = "Brussel", fr = "Bruxelles", de = "Brüssel" }',
     'city = { nl = "Brussel", fr = "Bruxelles", de = "Brüssel", en = "Brussels" }',
     "fund.city: has unknown language(s) en"),
    ('postcode = "1000"', "postcode = 1000", "fund.postcode: must be text"),
    ('fee_rate = "0.0305"', "fee_rate = 0.0305", "fund.fee_rate: must be a decimal number in quotes"),
    ('phone = "+32 2 555 01 20"', "", "services.contributions.phone: missing"),
    ('signatory = "An Peeters"', "", "services.benefits.signatory: missing"),
    ('capacity = { nl = "Diensthoofd Uitkeringen", ', "capacity = { ", "services.benefits.capacity: has no nl"),
    ("[mailroom]", "[mailrom]", "mailrom: unknown key"),
    ("[postal]", "[postal.x]", "postal.x: unknown key"),
    # the go-live cut-over (optional): a day written YYYY-MM-DD
    ("[mailroom]", '[cutover]\ngo_live = "2026-13-01"\n[mailroom]', "cutover.go_live: '2026-13-01' is not a date"),
    ("[mailroom]", '[cutover]\ngo_live = "1/12/2026"\n[mailroom]', "cutover.go_live: '1/12/2026' is not a date"),
    ("[mailroom]", "[cutover]\ngo_live = 20261201\n[mailroom]", "cutover.go_live: 20261201 is not a date"),
    ("[mailroom]", '[cutover]\ngo_live = "2026-12-01"\ngolive = "2026-12-01"\n[mailroom]', "cutover.golive: unknown key"),
    ("[mailroom]", "[cutover]\n[mailroom]", "cutover.go_live: missing"),
]


@pytest.mark.parametrize(("old", "new", "says"), FUND_CASES, ids=[c[2] for c in FUND_CASES])
def test_a_fund_profile_that_does_not_fit_names_the_key(tmp_path: Path, old: str, new: str, says: str) -> None:
    path = _profile(tmp_path, old, new)
    with pytest.raises(ConfigError) as raised:
        load_fund(path)
    assert str(raised.value).startswith(f"CORRESPONDENCE_FUND: {path}: {says}"), raised.value


def test_a_fund_profile_that_does_not_fit_stops_a_command_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path = _profile(tmp_path, 'iban = "BE71096123456769"', 'ibna = "BE71096123456769"')
    monkeypatch.setenv("CORRESPONDENCE_FUND", str(path))
    assert cli.main(["templates", "check", "due_notice"]) == 2
    assert capsys.readouterr().err == f"templates check: CORRESPONDENCE_FUND: {path}: fund.ibna: unknown key " \
        "(known here: name, short_name, street, postcode, city, enterprise_number, recognition, phone, email, " \
        "website, iban, bic, fee_rate, fee_rate_source)\n"


def test_the_shipped_profile_fits_and_is_returned_as_plain_values() -> None:
    raw = tomllib.loads(DEFAULT_FUND.read_text(encoding="utf-8"))
    assert problems(raw) == []
    assert load_fund(DEFAULT_FUND) == raw  # what the letters read is the file, unchanged


def test_a_caller_that_changes_the_profile_does_not_change_the_next_callers() -> None:
    """A test's variant of the profile (`incomplete_appeal = false`) once stayed in the cached profile and
    failed the test above when both ran in one worker."""
    mine = load_fund(DEFAULT_FUND)
    mine["mantelzorg"]["incomplete_appeal"] = not mine["mantelzorg"]["incomplete_appeal"]
    mine["fund"].clear()
    assert load_fund(DEFAULT_FUND) == tomllib.loads(DEFAULT_FUND.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("cutover", "go_live"), [
    ("", None),  # no cut-over: every event is the engine's
    ('[cutover]\ngo_live = "2026-12-01"\n', date(2026, 12, 1)),
    ("[cutover]\ngo_live = 2026-12-01\n", date(2026, 12, 1)),  # a TOML date too
])
def test_the_go_live_day_is_read_from_the_profile(tmp_path: Path, cutover: str, go_live: date | None) -> None:
    path = tmp_path / "fund.toml"
    path.write_text(DEFAULT_FUND.read_text(encoding="utf-8") + "\n" + cutover, encoding="utf-8")
    assert fund_profile.go_live(load_fund(path)) == go_live
