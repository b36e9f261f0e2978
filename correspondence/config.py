"""The one configuration: every environment variable the engine reads, declared, read and checked here; and
the fund profile, checked against its declared shape (fund_profile.py).

Every variable is a `Variable` in VARIABLES (name, meaning, default, valid values — the README's table is this
list). `Settings.from_env()` checks the whole environment at start: a CORRESPONDENCE_* variable that is not in
the list (a typo), or a value that does not parse, is a ConfigError naming it, which the command line turns
into one line and exit 2. Modules read a variable with `get(VARIABLE)`, when they use it, never at import:
a bad value must reach the check at start, not a traceback while modules load.
"""

from __future__ import annotations

import copy
import difflib
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from correspondence.fund_profile import problems

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "letter_templates"
DEFAULT_FUND = PROJECT_ROOT / "config" / "fund.toml"
DEFAULT_SCHEDULER_CONFIG = PROJECT_ROOT / "config" / "scheduler.toml"
PREFIX = "CORRESPONDENCE_"

T = TypeVar("T")


class ConfigError(Exception):
    """An environment variable or the fund profile holds a value the engine cannot use: the message names the
    variable or key (exit 2)."""


@dataclass(frozen=True)
class Variable(Generic[T]):
    """One environment variable. `parse` turns its text into the value or raises ValueError saying why;
    `default` is used when it is unset or blank; `shown` and `valid` are what the README's table says."""

    name: str
    meaning: str
    parse: Callable[[str], T]
    default: T
    shown: str
    valid: str
    test_only: bool = False  # read by the test suite or the crash harness, not set by an operator


def _text(value: str) -> str:
    return value


def _whole(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"'{value[:40]}' is not a whole number") from None
        if number < minimum:
            raise ValueError(f"{number} is below the minimum, {minimum}")
        return number

    return parse


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"'{value[:40]}' is not a number of seconds") from None
    if not number > 0 or number == float("inf"):
        raise ValueError(f"{value} is not a number of seconds above 0")
    return number


def _url(value: str) -> str:
    """An https:// address (http:// only on this machine: the tests' e-Box double), without user:password@
    in it (a credential in an address would be shown wherever the address is)."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.username is not None or parts.password is not None:
        raise ValueError("holds a user name or password: give the credentials in their own variables")
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise ValueError(f"'{value[:80]}' is not an https:// address")
    return value.rstrip("/")


FaultPlan = tuple[bool, tuple[str, int] | None, tuple[str, float] | None, tuple[str, str] | None]


def _fault(spec: str) -> FaultPlan:
    """(list every passage, kill at <name>#<n>, wait at <name>@<seconds>, kill at <name>=<key>): faults.py."""
    if spec == "list":
        return True, None, None, None
    if "=" in spec:
        name, key = spec.split("=", 1)
        return False, None, None, (name, key)
    name, _, seconds = spec.rpartition("@")
    if name and seconds.replace(".", "", 1).isdigit():
        return False, None, (name, float(seconds)), None
    name, _, n = spec.rpartition("#")
    if not name or not n.isdigit() or int(n) < 1:
        raise ValueError(f"must be 'list', '<checkpoint>#<passage>' (passage from 1), '<checkpoint>@<seconds>' or "
                         f"'<checkpoint>=<key>', not {spec[:60]!r}")
    return False, (name, int(n)), None, None


NO_FAULT: FaultPlan = (False, None, None, None)

VAR = Variable("CORRESPONDENCE_VAR", "the service's own folder: the default database and archive live in it",
               Path, Path("var"), "`var`", "a folder")
DB = Variable("CORRESPONDENCE_DB", "the database, as an SQLAlchemy URL", _text, "",
              "`sqlite:///var/correspondence.db`", "`sqlite:///<file>` or `postgresql://user@host/db` (psycopg 3)")
OUTPUT = Variable("CORRESPONDENCE_OUTPUT", "the mailroom's pickup folder", Path, Path("output"), "`output`",
                  "a folder")
ARCHIVE = Variable("CORRESPONDENCE_ARCHIVE", "every letter's PDF, filed per recipient", Path, Path(""),
                   "`var/archive`", "a folder")
FUND = Variable("CORRESPONDENCE_FUND", "the fund profile", Path, DEFAULT_FUND, "`config/fund.toml`",
                "a TOML file of the shape of config/fund.toml")
TEMPLATES = Variable("CORRESPONDENCE_TEMPLATES", "the reviewers' templates folder", Path, TEMPLATES_DIR,
                     "`letter_templates`", "a folder")
WORKERS = Variable("CORRESPONDENCE_WORKERS", "render worker processes (0: render in the night's own process)",
                   _whole(0), min(2, os.cpu_count() or 1), "2 (or the CPU count if lower)", "a whole number ≥ 0")
CHUNK = Variable("CORRESPONDENCE_CHUNK", "letters per rendered document", _whole(1), 200, "200",
                 "a whole number ≥ 1")
RENDER_SECONDS = Variable("CORRESPONDENCE_RENDER_SECONDS", "time to compile and fill in one letter's template",
                          _seconds, 5.0, "5", "seconds, above 0")
RENDER_CHARS = Variable("CORRESPONDENCE_RENDER_CHARS", "largest filled-in letter, in characters, before layout",
                        _whole(1), 2_000_000, "2000000", "a whole number ≥ 1")
RENDER_MEMORY_MB = Variable("CORRESPONDENCE_RENDER_MEMORY_MB", "memory one letter's filling-in may add (Linux)",
                            _whole(1), 1024, "1024", "megabytes, a whole number ≥ 1")
SOFFICE = Variable("CORRESPONDENCE_SOFFICE", "the LibreOffice program that turns Word letters into PDF", _text,
                   "soffice", "`soffice`", "a program name on PATH or a path")
UNO_PYTHON = Variable("CORRESPONDENCE_UNO_PYTHON", "the Python that can `import uno` (python3-uno), for the "
                      "LibreOffice bridge", _text, "/usr/bin/python3", "`/usr/bin/python3`", "a path")
LO_TIMEOUT = Variable("CORRESPONDENCE_LO_TIMEOUT", "time LibreOffice may take to convert one Word document",
                      _seconds, 30.0, "30", "seconds, above 0")
MAILROOM_GROUP = Variable("CORRESPONDENCE_MAILROOM_GROUP", "the group every written file and folder is given "
                          "to, so the mailroom can read them", _text, "", "none (files keep the service's group)",
                          "a group name (ignored if there is no such group)")
WEB_SECRET_FILE = Variable("CORRESPONDENCE_WEB_SECRET_FILE", "the desk's key for its session cookies and form "
                         "tokens (made on first start, readable by the service only)", Path, Path(""),
                         "`var/desk-secret`", "a file path")
SCHEDULER_CONFIG = Variable("CORRESPONDENCE_SCHEDULER_CONFIG", "the scheduler daemon's configuration (when "
                            "`scheduler --config` is not given)", Path, DEFAULT_SCHEDULER_CONFIG, "`config/scheduler.toml`",
                            "a TOML file")
EBOX_URL = Variable("CORRESPONDENCE_EBOX_URL", "the e-Box document-sender API's base address; unset, the e-Box "
                    "is off and every letter goes on paper", _url, "", "none (off)", "an https:// address")
EBOX_TOKEN_URL = Variable("CORRESPONDENCE_EBOX_TOKEN_URL", "the OAuth2 token endpoint the e-Box's tokens come "
                          "from (client credentials)", _url, "", "none", "an https:// address")
EBOX_CLIENT_ID = Variable("CORRESPONDENCE_EBOX_CLIENT_ID", "the fund's OAuth2 client id for the e-Box", _text, "",
                          "none", "text")
EBOX_CLIENT_SECRET = Variable("CORRESPONDENCE_EBOX_CLIENT_SECRET", "its client secret (never logged nor shown; "
                              "prefer the _FILE variant)", _text, "", "none", "text")
EBOX_CLIENT_SECRET_FILE = Variable("CORRESPONDENCE_EBOX_CLIENT_SECRET_FILE", "a file holding the client secret, "
                                   "readable by the service only", Path, Path(""), "none", "a file path")
EBOX_TIMEOUT = Variable("CORRESPONDENCE_EBOX_TIMEOUT", "time one e-Box call may take before it counts as no answer",
                        _seconds, 30.0, "30", "seconds, above 0")
FAULT = Variable("CORRESPONDENCE_FAULT", "crash-test harness: kill or pause the process at a checkpoint",
                 _fault, NO_FAULT, "none", "`list`, `<checkpoint>#<n>`, `<checkpoint>@<seconds>`, "
                 "`<checkpoint>=<key>`", test_only=True)
FAULT_ONCE = Variable("CORRESPONDENCE_FAULT_ONCE", "crash-test harness: with `<checkpoint>=<key>`, only the "
                      "first process to get there is killed (it creates this file)", _text, "", "none", "a file path",
                      test_only=True)
TEST_PG = Variable("CORRESPONDENCE_TEST_PG", "the test suite's PostgreSQL server (tests/conftest.py)", _text, "",
                   "`postgresql+psycopg://postgres@127.0.0.1:5432/postgres`", "an SQLAlchemy URL", test_only=True)

VARIABLES: tuple[Variable[Any], ...] = (
    VAR, DB, OUTPUT, ARCHIVE, FUND, TEMPLATES, WORKERS, CHUNK, RENDER_SECONDS, RENDER_CHARS, RENDER_MEMORY_MB,
    SOFFICE, UNO_PYTHON, LO_TIMEOUT, MAILROOM_GROUP, WEB_SECRET_FILE, SCHEDULER_CONFIG, EBOX_URL, EBOX_TOKEN_URL,
    EBOX_CLIENT_ID, EBOX_CLIENT_SECRET, EBOX_CLIENT_SECRET_FILE, EBOX_TIMEOUT, FAULT, FAULT_ONCE, TEST_PG,
)
_KNOWN = {v.name: v for v in VARIABLES}


def _raw(variable: Variable[Any], environ: Mapping[str, str]) -> str:
    return environ.get(variable.name, "").strip()


def get(variable: Variable[T], environ: Mapping[str, str] | None = None) -> T:
    """The variable's value now (its default when unset or blank); a value that does not parse is a
    ConfigError naming the variable."""
    raw = _raw(variable, os.environ if environ is None else environ)
    if not raw:
        return variable.default
    try:
        return variable.parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{variable.name}: {exc}") from None


def is_set(variable: Variable[Any], environ: Mapping[str, str] | None = None) -> bool:
    return bool(_raw(variable, os.environ if environ is None else environ))


def check_environment(environ: Mapping[str, str] | None = None) -> None:
    """Every CORRESPONDENCE_* variable is one of VARIABLES and its value parses; else a ConfigError naming
    the first that is not (in name order, so the message does not depend on the environment's order)."""
    environ = os.environ if environ is None else environ
    for name in sorted(n for n in environ if n.startswith(PREFIX)):
        if name not in _KNOWN:
            close = difflib.get_close_matches(name.removeprefix(PREFIX), [k.removeprefix(PREFIX) for k in _KNOWN], n=1)
            hint = f"did you mean {PREFIX}{close[0]}?" if close else "see the README's table of environment variables"
            raise ConfigError(f"{name}: not a setting of the engine — {hint}")
        get(_KNOWN[name], environ)


@dataclass(frozen=True)
class Ebox:
    """How to reach the e-Box (correspondence/ebox/): set when CORRESPONDENCE_EBOX_URL is."""

    url: str
    token_url: str
    client_id: str
    secret: str = field(repr=False)  # never in a repr, a log or a message
    timeout: float = 30.0


def _ebox(environ: Mapping[str, str] | None = None) -> Ebox | None:
    """The e-Box's settings, None when CORRESPONDENCE_EBOX_URL is unset; a ConfigError naming the first
    variable missing when it is set (the secret's value is never in a message)."""
    if not is_set(EBOX_URL, environ):
        return None
    for needed in (EBOX_TOKEN_URL, EBOX_CLIENT_ID):
        if not is_set(needed, environ):
            raise ConfigError(f"{needed.name}: missing (the e-Box is on: {EBOX_URL.name} is set)")
    if is_set(EBOX_CLIENT_SECRET, environ) and is_set(EBOX_CLIENT_SECRET_FILE, environ):
        raise ConfigError(f"{EBOX_CLIENT_SECRET.name} and {EBOX_CLIENT_SECRET_FILE.name}: give one, not both")
    if is_set(EBOX_CLIENT_SECRET_FILE, environ):
        path = get(EBOX_CLIENT_SECRET_FILE, environ)
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not readable text"
            raise ConfigError(f"{EBOX_CLIENT_SECRET_FILE.name}: cannot read {path}: {reason}") from None
    else:
        secret = get(EBOX_CLIENT_SECRET, environ)
    if not secret:
        raise ConfigError(f"{EBOX_CLIENT_SECRET_FILE.name} or {EBOX_CLIENT_SECRET.name}: missing (the e-Box is on: "
                          f"{EBOX_URL.name} is set)")
    return Ebox(get(EBOX_URL, environ), get(EBOX_TOKEN_URL, environ), get(EBOX_CLIENT_ID, environ), secret,
                get(EBOX_TIMEOUT, environ))


@dataclass(frozen=True)
class Settings:
    db_url: str
    output_dir: Path
    archive_dir: Path
    fund_file: Path
    templates_dir: Path
    workers: int
    chunk_size: int
    scheduler_config: Path = DEFAULT_SCHEDULER_CONFIG
    web_secret_file: Path = Path("var/desk-secret")
    ebox: Ebox | None = None  # off: every letter on paper

    @classmethod
    def from_env(cls) -> Settings:
        """The settings of this process's environment, checked whole first (see check_environment)."""
        check_environment()
        var = get(VAR)
        return cls(
            db_url=get(DB) or f"sqlite:///{var / 'correspondence.db'}",
            output_dir=get(OUTPUT),
            archive_dir=get(ARCHIVE) if is_set(ARCHIVE) else var / "archive",
            fund_file=get(FUND),
            templates_dir=get(TEMPLATES),
            workers=get(WORKERS),
            chunk_size=get(CHUNK),
            scheduler_config=get(SCHEDULER_CONFIG),
            web_secret_file=get(WEB_SECRET_FILE) if is_set(WEB_SECRET_FILE) else var / "desk-secret",
            ebox=_ebox(),
        )


def load_fund(path: Path) -> dict[str, Any]:
    """The fund profile as plain values (it goes into every letter's context), checked against its declared
    shape (fund_profile.py). A file that is missing, not TOML or not of that shape is a ConfigError naming
    CORRESPONDENCE_FUND, the file and the key, never a traceback or a KeyError in the middle of a night.

    Read and checked once per file; each caller gets its own copy, so a caller that changes it (a test's
    variant of the profile) never changes what the next caller reads."""
    return copy.deepcopy(_load_fund(path))


@lru_cache(maxsize=8)
def _load_fund(path: Path) -> dict[str, Any]:
    try:
        profile = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"CORRESPONDENCE_FUND: cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"CORRESPONDENCE_FUND: {path} is not a fund profile: {exc}") from None
    if found := problems(profile):
        raise ConfigError(f"CORRESPONDENCE_FUND: {path}: {found[0]}")
    return profile


def require_folders(settings: Settings) -> None:
    """The templates folder and the fund profile a command relies on exist: a mistyped variable is one line,
    not a night that finds no letter type and writes nothing."""
    if not settings.templates_dir.is_dir():
        raise ConfigError(f"CORRESPONDENCE_TEMPLATES: no folder {settings.templates_dir}")
    load_fund(settings.fund_file)
