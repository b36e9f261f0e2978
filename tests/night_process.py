"""Nights in a real subprocess (`python -m scheduler.cli`), and what they left behind, for the fault tests.

A fault test needs a fund, a database in a known state, approved templates it may break, and a way to read
back everything a night wrote — journal, night folder, archive — to compare with an uninterrupted night.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from correspondence import schema
from correspondence.config import DEFAULT_FUND, TEMPLATES_DIR
from correspondence.demo.fund import write_demo_fund
from correspondence.importing import import_dir
from correspondence.store import connect, init
from correspondence.templates import approvals

REPO = Path(__file__).resolve().parent.parent
NIGHT = date(2026, 11, 22)
APPROVED = ("due_notice", "reminder", "formal_notice")
APPROVED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def templates_copy(folder: Path, approved: Iterable[str] = APPROVED) -> Path:
    """letter_templates copied to `folder`, without the shipped approvals (a test approves what it renders)."""
    shutil.copytree(TEMPLATES_DIR, folder)
    (folder / approvals.SHIPPED_FILE).unlink(missing_ok=True)
    return folder


def fund_profile(folder: Path, max_sheets: int) -> Path:
    """The sample fund profile with smaller print files, so a small night has several of them."""
    profile, count = re.subn(r"(?m)^max_sheets_per_file = \d+$", f"max_sheets_per_file = {max_sheets}",
                             DEFAULT_FUND.read_text(encoding="utf-8"))
    assert count == 1, "config/fund.toml has no max_sheets_per_file line any more"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fund.toml").write_text(profile, encoding="utf-8")
    return folder / "fund.toml"


def seed_database(url: str, fund: Path, templates: Path, approved: Iterable[str] = APPROVED) -> None:
    """Schema, the fund's CSV files, and approvals of `approved` letter types as they are in `templates`."""
    engine = connect(url)
    init(engine)
    import_dir(engine, fund)
    with engine.begin() as connection:
        for letter_type in approved:
            for language in ("nl", "fr", "de"):
                approvals.approve(connection, templates, letter_type, language, "fault tests", date(2000, 1, 1),
                                  APPROVED_AT)
    engine.dispose()


def demo_fund(folder: Path, affiliates: int, seed: int = 3) -> Path:
    write_demo_fund(folder, affiliates=affiliates, seed=seed, day=NIGHT)
    return folder


class Databases:
    """Fresh databases cloned from a seeded one: a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL."""

    def __init__(self, seed_url: str, folder: Path) -> None:
        self.seed_url, self.folder, self.made = seed_url, folder, []

    @property
    def postgres(self) -> bool:
        return make_url(self.seed_url).get_backend_name() == "postgresql"

    def clone(self) -> str:
        name = f"corr_clone_{uuid.uuid4().hex[:12]}"
        if not self.postgres:
            target = self.folder / f"{name}.db"
            shutil.copyfile(make_url(self.seed_url).database, target)
            return f"sqlite:///{target}"
        seed = make_url(self.seed_url)
        admin = create_engine(seed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{seed.database}"'))
        admin.dispose()
        self.made.append(name)
        return seed.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        if not self.postgres:
            return
        name = make_url(url).database
        admin = create_engine(make_url(self.seed_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def env(db_url: str, root: Path, templates: Path, fund_file: Path | None = None, chunk: int = 3,
        **extra: str) -> dict[str, str]:
    """The environment of a night in `root`: its own database, output, archive; workers=0; small chunks."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("CORRESPONDENCE_")}
    base.update({
        "CORRESPONDENCE_DB": db_url, "CORRESPONDENCE_OUTPUT": str(root / "output"),
        "CORRESPONDENCE_ARCHIVE": str(root / "archive"), "CORRESPONDENCE_VAR": str(root / "var"),
        "CORRESPONDENCE_TEMPLATES": str(templates), "CORRESPONDENCE_WORKERS": "0",
        "CORRESPONDENCE_CHUNK": str(chunk), "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                                                      os.environ.get("PYTHONPATH")])),
    })
    if fund_file is not None:
        base["CORRESPONDENCE_FUND"] = str(fund_file)
    base.update(extra)
    return base


def cli(args: list[str], environment: dict[str, str], cwd: Path, timeout: float = 300,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`correspondence ARGS` in a fresh interpreter, as the operator's cron or systemd would start it."""
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, "-m", "scheduler.cli", *args], env=environment, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, input=stdin, check=False)


def run_night(environment: dict[str, str], cwd: Path, day: date = NIGHT) -> subprocess.CompletedProcess[str]:
    return cli(["run", "--as-of", day.isoformat()], environment, cwd)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones included) with its sha256."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class Outcome:
    """Everything a night leaves: the journal's letters, quarantine and print files, the night's folder, the archive."""

    letters: dict[str, dict[str, Any]]  # event_key -> letter row
    quarantined: list[tuple[str, str]]  # (event_key, field), sorted, duplicates kept
    print_files: dict[str, str]  # file -> sha256 as journaled
    run_status: str | None
    lock_holder: str | None
    folder: dict[str, str]
    archive: dict[str, str]
    output_entries: list[str]


LETTER_COLUMNS = ("letter_id", "event_key", "status", "template_hash", "pages", "sha256", "archive_path",
                  "print_file", "first_page", "mail_class", "postcode")


def outcome(db_url: str, root: Path, day: date = NIGHT) -> Outcome:
    engine = connect(db_url)
    l, q, p = schema.letters.c, schema.quarantine.c, schema.print_files.c
    try:
        with engine.connect() as connection:
            rows = [dict(r) for r in connection.execute(
                select(*(l[c] for c in LETTER_COLUMNS)).where(l.run_date == day)).mappings()]
            quarantined = sorted((r.event_key, r.field) for r in connection.execute(
                select(q.event_key, q.field).where(q.run_date == day)))
            files = {r.file: r.sha256 for r in connection.execute(select(p.file, p.sha256).where(p.run_date == day))}
            status = connection.scalar(select(schema.runs.c.status).where(schema.runs.c.run_date == day))
            holder = connection.scalar(select(schema.night_lock.c.holder))
    finally:
        engine.dispose()
    letters: dict[str, dict[str, Any]] = {}
    for row in rows:
        assert row["event_key"] not in letters, f"event {row['event_key']} journaled twice"
        letters[row["event_key"]] = row
    output = root / "output"
    return Outcome(letters, quarantined, files, status, holder, tree(output / day.isoformat()), tree(root / "archive"),
                   sorted(p.name for p in output.iterdir()) if output.exists() else [])
