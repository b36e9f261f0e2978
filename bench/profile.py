"""`python -m bench.profile [--letters 200] [--stage render|assemble]`: where one chunk's time goes.

Plans a due-notice night for a small synthetic fund, then runs one stage in this process under
pyinstrument (render: one chunk through the night's renderer; assemble: the mailroom's print files).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from pyinstrument import Profiler
from sqlalchemy import select

from bench import fund
from correspondence import schema
from correspondence.config import Settings
from correspondence.render.dispatch import Job, Renderer
from correspondence.store import connect, init
from correspondence.templates import snapshots
from rules.language import LANGUAGES
from rules.params import Parameters
from scheduler import night


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile")
    p.add_argument("--letters", type=int, default=200)
    p.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 10, 1))
    p.add_argument("--html", type=Path, help="also write the chunk's HTML document here")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as folder:
        url = f"sqlite:///{folder}/profile.db"
        engine = connect(url)
        init(engine)
        settings = replace(Settings.from_env(), db_url=url, workers=0)
        fund.load(engine, args.letters, args.as_of)
        fund.approve_working_copy(engine, settings.templates_dir, "due_notice", LANGUAGES)
        with engine.begin() as connection:
            connection.execute(schema.runs.insert().values(run_date=args.as_of, status="planning", attempts=1,
                                                           started_at=datetime.now(UTC)))
            night.plan(connection, args.as_of, settings, Parameters())
        l = schema.letters.c
        with engine.connect() as connection:
            jobs = [Job(r.letter_id, r.letter_type, r.language, r.template_hash, json.loads(r.context))
                    for r in connection.execute(select(l.letter_id, l.letter_type, l.language, l.template_hash,
                                                       l.context).order_by(l.letter_id))]

        def load(snapshot_hash: str) -> snapshots.Snapshot:
            with engine.connect() as connection:
                return snapshots.load(connection, snapshot_hash)

        renderer = Renderer(load)
        renderer.render(jobs[:3])  # warm: templates, stylesheet, fonts parsed once per worker
        if args.html:
            one = renderer._for(jobs[0].template_hash)
            args.html.write_text(one.document.render(sections=[one.env.filters["safe"](one.html(j)) for j in jobs
                                                                  if j.template_hash == jobs[0].template_hash]))
        profiler = Profiler(interval=0.002)
        profiler.start()
        renderer.render(jobs)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
