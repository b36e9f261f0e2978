"""`python -m bench.import --affiliates 30000 [--years 2] [--postgres URL]`: the nightly import of a fund's export.

Writes the demo fund's export (correspondence/demo/fund.py: affiliates, `--years` of quarterly contributions
and their payments, companies, claims, …) as CSV files, then runs `correspondence import` on it four times, each
in a process of its own, as the operator runs it: into an empty database, again unchanged (each file the same
as the last import's: not read again), again unchanged with `--full` (every row read and compared), and again
with one row in a hundred changed in the large files. For each: seconds, rows/s and peak RSS of the import's process
(sampled every 50 ms: the benchmark's own heap, which built the rows, is not counted),
and rows/s per file from the import's record (`correspondence imports --json`). The figures also go to bench/results/<time>-import-<N>.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psutil

from bench.night import RESULTS, _commit, _machine, database
from bench.probe import PeakMemory
from correspondence.demo.fund import write_demo_fund
from correspondence.plurals import counted
from correspondence.store import connect, init

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 10, 1)
# One row in a hundred changed, in a field no other row refers to (column, how): a new house number, a cent more.
CHANGES = {
    "affiliates.csv": ("house_number", lambda v: str(int(v) + 1)),
    "contributions.csv": ("fee", lambda v: str(Decimal(v) + Decimal("0.01"))),
    "payments.csv": ("amount", lambda v: str(Decimal(v) + Decimal("0.01"))),
}


def run_import(folder: Path, db_url: str, logs: Path, *options: str) -> dict[str, Any]:
    """`correspondence import FOLDER` in a process of its own: seconds, peak RSS, rows per file."""
    env = {**os.environ, "CORRESPONDENCE_DB": db_url}
    with (logs / "out.txt").open("wb") as out, (logs / "err.txt").open("wb") as err:
        clock = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "import", str(folder), *options], env=env,
                                   cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        # Sampled: the kernel's ru_maxrss of a forked child counts the benchmark's own heap, copied at the fork.
        with PeakMemory(root=psutil.Process(process.pid)) as peak:
            exit_code = process.wait()
        seconds = time.perf_counter() - clock
    errors = (logs / "err.txt").read_text(errors="replace")
    if exit_code not in (0, 1):
        raise SystemExit(f"the import failed (exit {exit_code}): {errors[-2000:]}")
    record = subprocess.run([sys.executable, "-m", "scheduler.cli", "imports", "--json", "--limit", "1"], env=env,
                            cwd=ROOT, capture_output=True, text=True, check=True)
    files = {f["name"]: {"rows": f["read"], "seconds": f["seconds"]} for f in json.loads(record.stdout)[0]["files"]}
    rows = sum(f["rows"] for f in files.values())
    return {"seconds": round(seconds, 2), "rows": rows, "rows_per_s": round(rows / seconds) if seconds else 0,
            "peak_rss_mb": round(peak.bytes / 2**20), "files": files, "exit_code": exit_code,
            "output": (logs / "out.txt").read_text(errors="replace")[-4000:]}


def change_one_in_a_hundred(folder: Path) -> int:
    """Change every hundredth row of the large files (CHANGES), in place; returns how many rows changed."""
    changed = 0
    for name, (column, change) in CHANGES.items():
        path = folder / name
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            fields, rows = reader.fieldnames or [], list(reader)
        for number, row in enumerate(rows):
            if number % 100 == 50:
                row[column] = change(row[column])
                changed += 1
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return changed


def run(affiliates: int, years: int, postgres: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="corr-bench-import-") as tmp:
        root = Path(tmp)
        folder = root / "export"
        fund = write_demo_fund(folder, affiliates, 1, DAY, quarters=4 * years)
        exported = {name: len(rows) for name, rows in fund.rows.items()}
        del fund
        with database(root, postgres) as url:
            engine = connect(url)
            init(engine)  # as an operator does first: `correspondence init`
            engine.dispose()
            first = run_import(folder, url, root)
            again = run_import(folder, url, root)
            again_full = run_import(folder, url, root, "--full")
            changed = change_one_in_a_hundred(folder)
            changed_run = run_import(folder, url, root)
    return {"affiliates": affiliates, "years": years, "database": "postgresql" if postgres else "sqlite",
            "rows": sum(exported.values()), "exported": exported, "first": first, "unchanged": again,
            "unchanged_full": again_full,
            "changed_rows": changed, "one_percent_changed": changed_run, "commit": _commit(), "machine": _machine()}


def report(result: dict[str, Any]) -> str:
    lines = [f"{result['affiliates']:,} affiliates, {counted(result['years'], 'year')} of contributions: "
             f"{result['rows']:,} rows ({result['database']})",
             f"{'import':<22}{'seconds':>9}{'rows/s':>10}{'peak RSS':>11}"]
    for label, key in (("into an empty database", "first"), ("unchanged again", "unchanged"),
                       ("unchanged, --full", "unchanged_full"),
                       (f"{result['changed_rows']:,} rows changed", "one_percent_changed")):
        run_ = result[key]
        lines.append(f"{label:<22}{run_['seconds']:>9.1f}{run_['rows_per_s']:>10,}{run_['peak_rss_mb']:>8,} MB")
    lines.append("per file, into an empty database:")
    for name, figures in result["first"]["files"].items():
        rate = figures["rows"] / figures["seconds"] if figures["seconds"] else 0
        lines.append(f"  {name:<26}{figures['rows']:>10,} rows {figures['seconds']:>7.1f} s {rate:>10,.0f} rows/s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.import", description=__doc__.splitlines()[0])
    p.add_argument("--affiliates", type=int, default=20000)
    p.add_argument("--years", type=int, default=2, help="years of quarterly contributions and payments (default 2)")
    p.add_argument("--postgres", metavar="URL", help="run on a fresh database of this PostgreSQL server")
    args = p.parse_args(argv)
    if args.affiliates < 1 or args.years < 1:
        p.error("--affiliates and --years must be at least 1")
    result = run(args.affiliates, args.years, args.postgres)
    print(report(result), flush=True)
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-import-{args.affiliates}.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
