"""The naive pipeline the night is compared with: one WeasyPrint `write_pdf` per letter, same template.

Also re-renders each sampled letter alone through the night's own renderer (a reprint) and checks that
its sha256 is the one the journal recorded for the letter rendered inside a chunk.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, select
from weasyprint import HTML

from correspondence import journal, schema
from correspondence.render.dispatch import Failed, Job, Rendered, Renderer
from correspondence.render.html import BASE_URL
from correspondence.templates import snapshots


@dataclass(frozen=True)
class Baseline:
    letters: int
    seconds: float
    reprints_identical: int

    @property
    def per_second(self) -> float:
        return self.letters / self.seconds if self.seconds else 0.0


def _sample(engine: Engine, day: date, size: int) -> list[tuple[Job, str]]:
    l = schema.letters.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(l.letter_id, l.letter_type, l.language, l.template_hash, l.context, l.form, l.sha256)
            .where(l.run_date == day, l.sha256.is_not(None)).order_by(l.letter_id).limit(size)
        ).all()
        stamped = journal.stamped_forms(connection, day)  # as the night chose
    return [(Job(r.letter_id, r.letter_type, r.language, r.template_hash, json.loads(r.context),
                 (r.template_hash, r.form) in stamped), r.sha256) for r in rows]


def run(engine: Engine, day: date, size: int) -> Baseline:
    """Time `size` letters of the night through the naive pipeline; count identical reprints."""
    def load(snapshot_hash: str) -> snapshots.Snapshot:
        with engine.connect() as connection:
            return snapshots.load(connection, snapshot_hash)

    renderer = Renderer(load)
    sample = _sample(engine, day, size)
    for job, _ in sample[:1]:  # parse templates and fonts once, as any pipeline would, outside the clock
        renderer._for(job.template_hash)
    started = time.perf_counter()
    for job, _ in sample:
        one = renderer._for(job.template_hash)
        html = one.document.render(sections=[one.env.filters["safe"](one.fill(job).html())])
        HTML(string=html, base_url=BASE_URL, url_fetcher=one.fetch).write_pdf(
            stylesheets=[one.css], font_config=one.fonts)
    seconds = time.perf_counter() - started
    identical = sum(1 for job, sha in sample if getattr(_alone(renderer, job), "sha256", None) == sha)
    return Baseline(len(sample), seconds, identical)


def _alone(renderer: Renderer, job: Job) -> Rendered | Failed:
    (result,) = renderer.render([job])
    return result
