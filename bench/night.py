"""`python -m bench.night --affiliates 20000 [--workers 2] [--chunk 200] [--runs 3]`: a due-notice night, end to end.

Builds a synthetic fund in a fresh database (SQLite in a temp folder, or a fresh PostgreSQL database with
--postgres URL), runs the real night (plan → render → journal → print files, manifest, archive, READY),
and prints letters, seconds, letters/s, CPU seconds and peak RSS of the night's process tree (the night runs
as `correspondence run`, in a process of its own), seconds per stage and step (from the night's own record)
and the naive baseline on a sample of the same letters with the ratio, per run and as the median of the runs. `--sizes 5000,20000` runs several night sizes and prints their peaks
side by side (memory must not grow with the night). The figures also go to bench/results/<time>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench import fund, naive
from bench.probe import PeakMemory, Stopwatch
from correspondence import schema
from correspondence.config import Settings
from correspondence.mailroom import print_files as mailroom
from correspondence.render.dispatch import STAMPED_STEP, TYPE_STEP, WALL_STEP
from correspondence.store import connect, init
from rules.language import LANGUAGES
from scheduler import run_record

RESULTS = Path(__file__).parent / "results"


@contextlib.contextmanager
def database(root: Path, postgres: str | None) -> Iterator[str]:
    """A fresh, empty database for one benchmark run, dropped afterwards."""
    if not postgres:
        yield f"sqlite:///{root / 'bench.db'}"
        return
    name = f"corr_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(postgres).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def stage_seconds(db_url: str, day: date) -> dict[str, float]:
    """Seconds per stage and step, from the night's own record: plan (triggers, compose, journal), render (the
    main process waiting for workers, writing PDFs, journaling; the workers' fill, stamp, layout, pdf, split
    summed over workers), assemble (covers, files, write, journal)."""
    engine = connect(db_url)
    with engine.connect() as connection:
        stages = run_record.timings(connection, day)
    engine.dispose()
    return {k: round(v, 2) for k, v in stages.items()}


def per_type(db_url: str, day: date, workers: int, stages: dict[str, float]) -> dict[str, dict[str, float]]:
    """Each letter type's letters tonight, its render CPU per letter (the workers' own seconds for its letters,
    from the night's `stages` (stage_seconds): render.type.<type>), the letters a second that gives on
    `workers` cores, and how many of its letters were stamped into a shape's plan (render.stamped.<type>)."""
    engine = connect(db_url)
    l = schema.letters.c
    with engine.connect() as connection:
        counts = dict(connection.execute(select(l.letter_type, func.count()).where(l.run_date == day,
                                                                                  l.sha256.is_not(None))
                                         .group_by(l.letter_type)).all())
        counted = run_record.letters_counted(connection, day)
    engine.dispose()
    found = {}
    for letter_type, letters in sorted(counts.items()):
        seconds = stages.get(f"render.{TYPE_STEP}{letter_type}", 0.0)
        wall = stages.get(f"render.{WALL_STEP}{letter_type}", 0.0)
        found[letter_type] = {"letters": letters, "render_ms_per_letter": round(1000 * seconds / letters, 1),
                              "wall_ms_per_letter": round(1000 * wall / letters, 1),
                              "letters_per_second": round(letters * workers / seconds, 1) if seconds else None,
                              "stamped": counted.get(f"render.{STAMPED_STEP}{letter_type}", 0)}
    return found


def workspace(stack: contextlib.ExitStack, prefix: str, keep: Path | None, postgres: str | None, workers: int,
              chunk: int) -> tuple[Settings, Engine]:
    """A benchmark night's folder (kept, or temporary until `stack` closes), its fresh database with the
    schema, and the settings that point the night at them."""
    root = keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))
    root.mkdir(parents=True, exist_ok=True)
    db_url = stack.enter_context(database(root, postgres))
    settings = replace(Settings.from_env(), db_url=db_url, output_dir=root / "output",
                       archive_dir=root / "archive", workers=workers, chunk_size=chunk)
    engine = connect(db_url)
    init(engine)
    return settings, engine


@dataclass(frozen=True)
class Night:
    """A night run as the operator runs it, and what it cost."""

    exit_code: int
    summary: dict[str, Any]
    seconds: float
    cpu_seconds: float
    peak_bytes: int
    peak_parts: str = ""  # when the peak came and which processes held it (bench/probe.py)

    @property
    def letters(self) -> int:
        return int(self.summary.get("letters", 0))

    @property
    def quarantined(self) -> int:
        return len(self.summary.get("quarantined", []))


def _night_row(settings: Settings, day: date) -> tuple[str | None, datetime | None]:
    """The night's status and end as the journal has them (None, None before it first started)."""
    engine = connect(settings.db_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(select(schema.runs.c.status, schema.runs.c.finished_at)
                                     .where(schema.runs.c.run_date == day)).one_or_none()
    finally:
        engine.dispose()
    return (row[0], row[1]) if row is not None else (None, None)


def run_night_process(settings: Settings, day: date, log: Path) -> Night:
    """`correspondence run --as-of DAY` in a process of its own, as the operator (or the daemon) runs it.

    Peak memory is that process's tree alone (its render workers, their LibreOffices): the benchmark's own
    process, which built the fund's rows in Python and keeps that heap, is not part of a night. CPU time
    is the night's whole tree, reaped. Its log (JSON lines on standard error) goes to `log`.
    """
    env = {**os.environ, "CORRESPONDENCE_DB": settings.db_url, "CORRESPONDENCE_OUTPUT": str(settings.output_dir),
           "CORRESPONDENCE_ARCHIVE": str(settings.archive_dir), "CORRESPONDENCE_FUND": str(settings.fund_file),
           "CORRESPONDENCE_TEMPLATES": str(settings.templates_dir), "CORRESPONDENCE_WORKERS": str(settings.workers),
           "CORRESPONDENCE_CHUNK": str(settings.chunk_size)}
    command = [sys.executable, "-m", "scheduler.cli", "run", "--as-of", day.isoformat()]
    _, finished_before = _night_row(settings, day)
    clock, cpu = Stopwatch(), _cpu_seconds()
    with log.open("wb") as errors:
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=errors, cwd=Path(__file__).resolve().parent.parent)
        with PeakMemory(root=psutil.Process(process.pid)) as peak:
            exit_code = process.wait()
    seconds, cpu = clock.seconds(), _cpu_seconds() - cpu
    status, finished = _night_row(settings, day)
    summary_file = mailroom.night_folder(settings.output_dir, day) / "summary.json"
    # Not a night completed before (`--keep` reused, a rerun): its end changed. A clock comparison failed when
    # a tiny night had ended in the same second as the rerun started.
    ran_now = finished is not None and finished != finished_before
    if exit_code not in (0, 1) or status != "complete" or not ran_now or not summary_file.is_file():
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        raise SystemExit(f"the night did not complete (exit {exit_code}, status {status}): " + " | ".join(tail))
    return Night(exit_code, json.loads(summary_file.read_text()), seconds, cpu, peak.bytes, peak.described())


MIXES = ("due-notices", "quarter-end")


def run(affiliates: int, workers: int, chunk: int, day: date, sample: int, postgres: str | None,
        keep: Path | None, mix: str = "due-notices") -> dict[str, Any]:
    """One benchmark night: `mix` "due-notices" (the quarter's due notices alone, bench/fund.py `load`) or
    "quarter-end" (the whole demo fund on that day: every letter type the day brings, `load_mix`)."""
    with contextlib.ExitStack() as stack:
        settings, engine = workspace(stack, "bench-night-", keep, postgres, workers, chunk)
        db_url = settings.db_url
        clock = Stopwatch()
        if mix == "quarter-end":
            rows, profile = fund.load_mix(engine, affiliates, day, settings.output_dir.parent / "fund",
                                          settings.templates_dir)
            settings = replace(settings, fund_file=profile)
        else:
            rows = fund.load(engine, affiliates, day)
            fund.approve_working_copy(engine, settings.templates_dir, "due_notice", LANGUAGES)
        build_seconds = clock.seconds()
        result = run_night_process(settings, day, settings.output_dir.parent / "night.log")
        seconds, cpu = result.seconds, result.cpu_seconds
        baseline = naive.run(engine, day, sample)
        engine.dispose()
        rate = result.letters / seconds
        stages = stage_seconds(db_url, day)
        return {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": _commit(),
            "machine": _machine(),
            "database": "postgresql" if postgres else "sqlite",
            "mix": mix, "affiliates": affiliates, "workers": workers, "chunk": chunk, "night": day.isoformat(),
            "fund_rows": rows, "fund_build_seconds": round(build_seconds, 2),
            "letters": result.letters, "quarantined": result.quarantined,
            "seconds": round(seconds, 2), "letters_per_second": round(rate, 1),
            "cpu_seconds": round(cpu, 1), "cpu_ms_per_letter": round(1000 * cpu / result.letters, 1),
            "load_average_1min": round(os.getloadavg()[0], 1),
            "peak_rss_mb": round(result.peak_bytes / 2**20),
            "peak_rss_parts": result.peak_parts,
            "stages": stages,
            "letter_types": per_type(db_url, day, workers, stages),
            "print_files": len(result.summary.get("print_files", [])),
            "naive": {"letters": baseline.letters, "seconds": round(baseline.seconds, 2),
                      "letters_per_second": round(baseline.per_second, 2),
                      "reprints_identical": baseline.reprints_identical},
            "ratio_to_naive": round(rate / baseline.per_second, 1) if baseline.per_second else None,
        }


def _cpu_seconds() -> float:
    """CPU time of this process and its ended children (the night's render workers are joined)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _commit() -> str:
    head = Path(__file__).resolve().parent.parent / ".git" / "HEAD"
    with contextlib.suppress(OSError):
        ref = head.read_text().strip()
        if ref.startswith("ref: "):
            return (head.parent / ref[5:]).read_text().strip()[:12]
        return ref[:12]
    return "unknown"


def _machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), cpu)
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "system": platform.platform()}


def report(result: dict[str, Any]) -> str:
    n = result["naive"]
    lines = [
        f"letters          {result['letters']} ({result['quarantined']} quarantined), {result['print_files']} print files",
        f"seconds          {result['seconds']}  (fund built in {result['fund_build_seconds']} s, not counted)",
        f"letters/s        {result['letters_per_second']}",
        (f"CPU              {result['cpu_seconds']} s = {result['cpu_ms_per_letter']} ms per letter "
         f"(load average {result['load_average_1min']} on {result['machine']['cpus']} CPUs)"),
        f"peak RSS (tree)  {result['peak_rss_mb']} MB ({result.get('peak_rss_parts', '')})",
        "stages (s)       " + _stages(_without_types(result["stages"])),
        *_type_lines(result.get("letter_types", {})),
        (f"naive            {n['letters']} letters in {n['seconds']} s = {n['letters_per_second']} letters/s "
         f"(one write_pdf per letter, one process); reprints identical {n['reprints_identical']}/{n['letters']}"),
        f"ratio            {result['ratio_to_naive']}× the naive pipeline",
        (f"machine          {result['machine']['cpus']} × {result['machine']['cpu']}; {result['database']}; "
         f"workers {result['workers']}, chunk {result['chunk']}"),
    ]
    return "\n".join(lines)


def _without_types(stages: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in stages.items()
            if not k.startswith((f"render.{TYPE_STEP}", f"render.{STAMPED_STEP}", f"render.{WALL_STEP}"))}


def _type_lines(types: dict[str, dict[str, Any]]) -> list[str]:
    """One line per letter type: letters, render ms per letter, the letters a second that makes, the share
    stamped into a shape's plan (the others laid out on their own)."""
    lines = []
    for letter_type, figures in sorted(types.items(), key=lambda item: -item[1]["letters"]):
        rate = figures["letters_per_second"]
        stamped = round(100 * figures.get("stamped", 0) / figures["letters"]) if figures["letters"] else 0
        wall = figures.get("wall_ms_per_letter")
        lines.append(f"  {letter_type:<22} {figures['letters']:>6} letters  {figures['render_ms_per_letter']:>7} ms/letter "
                     f"rendering ({wall if wall is not None else '-':>6} on the clock)  "
                     f"{rate if rate is not None else '-':>7} letters/s  {stamped:>3} % stamped")
    title = ("per letter type  (the workers' render CPU and clock time a letter, letters/s on the night's workers "
             "from the CPU)")
    return [title, *lines] if lines else []


def _stages(stages: dict[str, float]) -> str:
    """`plan 1.2 (triggers 0.3, compose 0.6, journal 0.2), render ...`: each stage with its steps."""
    parts = []
    for stage, spent in stages.items():
        if "." in stage:
            continue
        steps = [f"{k.partition('.')[2]} {v}" for k, v in stages.items() if k.startswith(stage + ".")]
        parts.append(f"{stage} {spent}" + (f" ({', '.join(steps)})" if steps else ""))
    return "\n                 ".join(parts)


MEDIAN_FIGURES = ("letters", "seconds", "letters_per_second", "cpu_seconds", "cpu_ms_per_letter", "peak_rss_mb",
                  "ratio_to_naive", "load_average_1min")


def median_of(runs: list[dict[str, Any]], names: tuple[str, ...]) -> dict[str, Any]:
    """The median over the runs of each named figure (those some run has), and of each stage."""
    figures: dict[str, Any] = {k: statistics.median(r[k] for r in runs if r[k] is not None) for k in names
                               if any(r[k] is not None for r in runs)}
    figures["stages"] = {k: round(statistics.median(r["stages"].get(k, 0.0) for r in runs), 2)
                         for k in runs[0]["stages"]}
    return figures


def median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure over the runs (stages per stage; the naive baseline's rate too)."""
    figures = median_of(runs, MEDIAN_FIGURES)
    figures["naive_letters_per_second"] = statistics.median(r["naive"]["letters_per_second"] for r in runs)
    types = {t for r in runs for t in r.get("letter_types", {})}
    figures["letter_types"] = {t: {k: statistics.median(r["letter_types"][t].get(k) or 0 for r in runs
                                                        if t in r["letter_types"])
                                   for k in ("letters", "render_ms_per_letter", "wall_ms_per_letter", "letters_per_second",
                                             "stamped")}
                               for t in sorted(types)}
    return figures


def median_report(size: int, figures: dict[str, Any], runs: int) -> str:
    return "\n".join([
        f"median of {runs} runs, {size} affiliates:",
        (f"  letters {figures['letters']}, {figures['seconds']} s, {figures['letters_per_second']} letters/s, "
         f"CPU {figures['cpu_seconds']} s ({figures['cpu_ms_per_letter']} ms/letter), peak RSS {figures['peak_rss_mb']} MB"),
        f"  naive {figures['naive_letters_per_second']} letters/s, ratio {figures.get('ratio_to_naive')}×",
        "  stages (s) " + _stages(_without_types(figures["stages"])).replace("\n                 ", "\n             "),
        *("  " + line for line in _type_lines(figures.get("letter_types", {}))),
    ])


def flatness_report(medians: dict[int, dict[str, Any]]) -> str:
    """Peak memory per night size, side by side: it must not grow with the number of letters."""
    lines = ["night size      letters   letters/s   peak RSS (MB)"]
    for size, figures in medians.items():
        lines.append(f"{size:>10}  {figures['letters']:>11}  {figures['letters_per_second']:>10}  "
                     f"{figures['peak_rss_mb']:>14}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    defaults = Settings.from_env()
    p = argparse.ArgumentParser(prog="python -m bench.night", description=__doc__.splitlines()[0])
    p.add_argument("--affiliates", type=int, default=5000)
    p.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",")],
                   help="several night sizes, e.g. 5000,20000: their peaks side by side (replaces --affiliates)")
    p.add_argument("--runs", type=int, default=1, help="runs per size; the median is printed (default 1)")
    p.add_argument("--workers", type=int, default=defaults.workers, help="default CORRESPONDENCE_WORKERS or 2")
    p.add_argument("--chunk", type=int, default=defaults.chunk_size, help="default CORRESPONDENCE_CHUNK or 200")
    p.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 10, 1), help="a quarter's first day")
    p.add_argument("--naive-sample", type=int, default=100)
    p.add_argument("--postgres", metavar="URL", help="run on a fresh database of this PostgreSQL server")
    p.add_argument("--keep", type=Path, help="keep the night's folder and database here (one run only)")
    p.add_argument("--mix", choices=MIXES, default="due-notices",
                   help="due-notices: the quarter's due notices alone (default); quarter-end: the whole demo fund "
                        "on that day, every letter type it brings, with figures per letter type")
    args = p.parse_args(argv)
    sizes = args.sizes or [args.affiliates]
    if args.keep and (args.runs > 1 or len(sizes) > 1):
        p.error("--keep keeps one run: use it without --runs or --sizes")
    all_runs: dict[int, list[dict[str, Any]]] = {}
    medians: dict[int, dict[str, Any]] = {}
    for size in sizes:
        for number in range(1, args.runs + 1):
            result = run(size, args.workers, args.chunk, args.as_of, args.naive_sample, args.postgres, args.keep,
                         args.mix)
            print(f"--- {size} affiliates, run {number} of {args.runs}")
            print(report(result), flush=True)
            all_runs.setdefault(size, []).append(result)
        medians[size] = median(all_runs[size])
        print(median_report(size, medians[size], args.runs), flush=True)
    if len(sizes) > 1:
        print(flatness_report(medians))
    RESULTS.mkdir(exist_ok=True)
    name = "-".join(str(s) for s in sizes)
    target = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-night-{args.mix}-{name}.json"
    target.write_text(json.dumps({"sizes": sizes, "runs": args.runs, "workers": args.workers, "chunk": args.chunk,
                                  "median": {str(k): v for k, v in medians.items()},
                                  "each_run": {str(k): v for k, v in all_runs.items()}}, indent=2) + "\n")
    print(f"written to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
