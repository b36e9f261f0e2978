"""`python -m bench.decisions --letters 300 [--workers 2] [--chunk 50] [--runs 3]`: a night of Word decisions.

Builds a synthetic fund in a fresh database whose only letters tonight are mantelzorg decisions (every
outcome of the demo claims, cycled over paid-up main-profession affiliates), approves the working-copy
templates, runs the real night (plan → docxtpl fill → LibreOffice → appeal check → journal → print files,
manifest, archive, READY) as `correspondence run` in a process of its own, and prints letters, seconds,
letters/s, CPU seconds of the process tree, peak RSS of the night's tree and seconds per stage, per run and
as the median of the runs. The figures also go to bench/results/<time>-decisions-<N>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from bench import fund as bench_fund
from bench.night import RESULTS, _commit, _machine, median_of, run_night_process, stage_seconds, workspace
from bench.probe import Stopwatch
from correspondence import schema
from correspondence.config import Settings
from correspondence.demo import fund as demo
from correspondence.demo.claims import CASES, _paid_up, claim_row
from correspondence.importing import SPECS
from rules.calendar import quarter_of
from rules.language import LANGUAGES

DECISIONS = ("mantelzorg_granted", "mantelzorg_refused", "mantelzorg_incomplete")
# A Monday in the second week of a quarter: no due notice, and the fund holds no unpaid contribution.
DEFAULT_NIGHT = date(2026, 7, 6)


def claims_fund(letters: int, day: date, seed: int = 1) -> dict[str, list[dict[str, Any]]]:
    """Rows for `letters` claims received before `day`, one per affiliate, the demo's cases in turn.

    Only the claimants and their contributions and payments of the two quarters before the break are
    kept, all paid, so the night's letters are the decisions alone.
    """
    size = max(4 * letters, 100)
    while True:
        rows = demo.build(size, seed, day).rows
        break_start = day.replace(day=1)
        eligible = _paid_up(rows, break_start)
        if len(eligible) >= letters:
            break
        size *= 2
    claimants = eligible[:letters]
    index = break_start.year * 4 + quarter_of(break_start) - 1
    wanted = {((index - n) // 4, (index - n) % 4 + 1) for n in (1, 2)}
    keep = set(claimants)
    out: dict[str, list[dict[str, Any]]] = {
        "affiliates.csv": [r for r in rows["affiliates.csv"] if r["affiliate_id"] in keep],
        "contributions.csv": [r for r in rows["contributions.csv"]
                              if r["affiliate_id"] in keep and (int(r["year"]), int(r["quarter"])) in wanted],
        "payments.csv": [r for r in rows["payments.csv"] if r["payer_type"] == "affiliate" and r["payer_id"] in keep
                         and (int(r["payment_id"][-5:-1]), int(r["payment_id"][-1])) in wanted],
        "claims.csv": [],
    }
    for number, affiliate_id in enumerate(claimants, start=1):
        _, changes = CASES[(number - 1) % len(CASES)]
        out["claims.csv"].append(claim_row(f"MZB{number:07d}", affiliate_id,
                                           day - timedelta(days=1 + number % 5), break_start, changes))
    return out


def load(engine: Engine, rows: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    counts = {}
    with engine.begin() as connection:
        for name in ("affiliates.csv", "contributions.csv", "payments.csv", "claims.csv"):
            table = next(s.table for s in SPECS if s.name == name)
            parsed = bench_fund._parsed(name, rows[name])
            for start in range(0, len(parsed), bench_fund.BATCH):
                connection.execute(table.insert(), parsed[start : start + bench_fund.BATCH])
            counts[name.removesuffix(".csv")] = len(parsed)
    return counts


def run(letters: int, workers: int, chunk: int, day: date, postgres: str | None, keep: Path | None) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        settings, engine = workspace(stack, "bench-decisions-", keep, postgres, workers, chunk)
        db_url = settings.db_url
        clock = Stopwatch()
        rows = load(engine, claims_fund(letters, day))
        for letter_type in DECISIONS:
            bench_fund.approve_working_copy(engine, settings.templates_dir, letter_type, LANGUAGES)
        build_seconds = clock.seconds()
        result = run_night_process(settings, day, settings.output_dir.parent / "night.log")
        seconds, cpu = result.seconds, result.cpu_seconds
        with engine.connect() as connection:
            types = Counter(connection.scalars(select(schema.letters.c.letter_type)
                                               .where(schema.letters.c.run_date == day)))
        engine.dispose()
        return {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": _commit(),
            "machine": _machine(),
            "database": "postgresql" if postgres else "sqlite",
            "claims": letters, "workers": workers, "chunk": chunk, "night": day.isoformat(),
            "fund_rows": rows, "fund_build_seconds": round(build_seconds, 2),
            "letters": result.letters, "quarantined": result.quarantined,
            "letter_types": dict(sorted(types.items())),
            "quarantine_reasons": sorted({q.get("reason", "")[:200] for q in result.summary.get("quarantined", [])}),
            "seconds": round(seconds, 2), "letters_per_second": round(result.letters / seconds, 2),
            "cpu_seconds": round(cpu, 1),
            "cpu_ms_per_letter": round(1000 * cpu / result.letters, 1) if result.letters else None,
            "load_average_1min": round(os.getloadavg()[0], 1),
            "peak_rss_mb": round(result.peak_bytes / 2**20),
            "stages": stage_seconds(db_url, day),
            "print_files": len(result.summary.get("print_files", [])),
        }


def report(result: dict[str, Any]) -> str:
    lines = [
        (f"letters          {result['letters']} ({result['quarantined']} quarantined), "
         f"{result['print_files']} print files; " + ", ".join(f"{k} {v}" for k, v in result["letter_types"].items())),
        f"seconds          {result['seconds']}  (fund built in {result['fund_build_seconds']} s, not counted)",
        f"letters/s        {result['letters_per_second']}",
        (f"CPU              {result['cpu_seconds']} s = {result['cpu_ms_per_letter']} ms per letter "
         f"(load average {result['load_average_1min']} on {result['machine']['cpus']} CPUs)"),
        f"peak RSS (tree)  {result['peak_rss_mb']} MB",
        "stages (s)       " + ", ".join(f"{k} {v}" for k, v in result["stages"].items()),
        (f"machine          {result['machine']['cpus']} × {result['machine']['cpu']}; {result['database']}; "
         f"workers {result['workers']}, chunk {result['chunk']}"),
    ]
    lines += [f"quarantined      {reason}" for reason in result["quarantine_reasons"]]
    return "\n".join(lines)


MEDIAN_FIGURES = ("letters", "seconds", "letters_per_second", "cpu_seconds", "cpu_ms_per_letter", "peak_rss_mb",
                  "load_average_1min")


def median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure over the runs, stages per stage."""
    return median_of(runs, MEDIAN_FIGURES)


def median_report(figures: dict[str, Any], runs: int) -> str:
    return "\n".join([
        f"median of {runs} runs:",
        (f"  letters {figures['letters']}, {figures['seconds']} s, {figures['letters_per_second']} letters/s, "
         f"CPU {figures['cpu_seconds']} s ({figures['cpu_ms_per_letter']} ms/letter), "
         f"peak RSS {figures['peak_rss_mb']} MB"),
        "  stages (s) " + ", ".join(f"{k} {v}" for k, v in figures["stages"].items()),
    ])


def main(argv: list[str] | None = None) -> int:
    defaults = Settings.from_env()
    p = argparse.ArgumentParser(prog="python -m bench.decisions", description=__doc__.splitlines()[0])
    p.add_argument("--letters", type=int, default=300, help="decided claims tonight (one letter each)")
    p.add_argument("--workers", type=int, default=defaults.workers, help="default CORRESPONDENCE_WORKERS or 2")
    p.add_argument("--chunk", type=int, default=50, help="letters per chunk (default 50)")
    p.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_NIGHT)
    p.add_argument("--postgres", metavar="URL", help="run on a fresh database of this PostgreSQL server")
    p.add_argument("--runs", type=int, default=1, help="runs; the median is printed (default 1)")
    p.add_argument("--keep", type=Path, help="keep the night's folder and database here (one run only)")
    args = p.parse_args(argv)
    if args.keep and args.runs > 1:
        p.error("--keep keeps one run: use it without --runs")
    runs = []
    for number in range(1, args.runs + 1):
        runs.append(run(args.letters, args.workers, args.chunk, args.as_of, args.postgres, args.keep))
        print(f"--- run {number} of {args.runs}")
        print(report(runs[-1]), flush=True)
    figures = median(runs)
    if args.runs > 1:
        print(median_report(figures, args.runs))
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-decisions-{args.letters}.json"
    target.write_text(json.dumps({"runs": args.runs, "median": figures, "each_run": runs}, indent=2) + "\n")
    print(f"written to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
