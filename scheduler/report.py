"""The morning report: what the night produced, what it held back and why, what it relied on.

Identifiers and counts only — never a name, an address or a national register number.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from correspondence import import_record, journal, schema
from correspondence.brussels import brussels_time
from correspondence.config import Settings
from correspondence.ebox import publish as ebox_publish
from correspondence.kinds import case_lists
from correspondence.plurals import counted
from correspondence.quarantine import cause
from correspondence.templates import approvals
from rules.params import Parameters


def build_summary(connection: Connection, day: date, params: Parameters, timings: dict[str, float],
                  settings: Settings) -> dict[str, Any]:
    l = schema.letters.c
    letters = connection.execute(
        select(l.letter_type, l.language, l.mail_class, l.pages).where(l.run_date == day)
    ).all()
    quarantined = connection.execute(
        select(schema.quarantine).where(schema.quarantine.c.run_date == day).order_by(schema.quarantine.c.event_key)
    ).mappings().all()
    notes = connection.execute(
        select(schema.notes).where(schema.notes.c.run_date == day).order_by(schema.notes.c.event_key)
    ).mappings().all()
    paper = connection.execute(select(l.mail_class, l.pages).where(
        journal.accounted(day), l.status.in_(journal.PRINTED))).all()
    ebox = Counter(connection.scalars(select(l.status).where(ebox_publish.of_night(day))))
    by = lambda attr: dict(sorted(Counter(getattr(x, attr) for x in letters).items()))
    f = schema.former_letters.c
    former = dict(sorted(Counter(connection.scalars(select(f.letter_type).where(f.run_date == day))).items()))
    return {
        "run_date": day.isoformat(),
        "import": _import_of(connection, day),
        "letters": len(letters),
        "by_type": by("letter_type"),
        "by_language": by("language"),
        "by_mail_class": by("mail_class"),
        "sheets": sum((x.pages + 1) // 2 for x in paper),
        "registered": sum(1 for x in paper if x.mail_class == "registered"),
        # The e-Box's part (correspondence/ebox/publish.py): delivered tonight, still pending (of any night),
        # and printed tonight after the e-Box refused them, gave no answer for the fallback delay, or was off.
        "ebox": {"delivered": ebox[journal.EBOX], "pending": ebox[journal.EBOX_PENDING],
                 "printed": sum(ebox[status] for status in journal.PRINTED)},
        "quarantined": [
            {k: q[k] for k in ("event_key", "record", "field", "reason", "action")} for q in quarantined
        ],
        "quarantine_causes": quarantine_causes(quarantined),
        "notes": [{k: n[k] for k in ("event_key", "record", "kind", "note")} for n in notes],
        "case_lists": case_lists.counts(connection, day),
        "left_to_former_system": {"events": sum(former.values()), "by_type": former},
        "confirm_marks": [
            {"parameters": m.name, "valid_from": m.valid_from.isoformat(), "mark": m.mark}
            for m in params.confirm_marks()
        ],
        "unapproved_templates": approvals.unapproved_changes(connection, settings.templates_dir, day),
        "timings_seconds": {k: round(v, 2) for k, v in timings.items()},
        "exit_code": 1 if quarantined else 0,
    }


def _import_of(connection: Connection, day: date) -> dict[str, Any] | None:
    """The import the night planned on (correspondence/import_record.py): its number, when it finished and when
    the files it read were written (ISO 8601 UTC); None when no import was recorded before it planned."""
    found = import_record.one(connection, connection.scalar(
        select(schema.runs.c.import_id).where(schema.runs.c.run_date == day)))
    if found is None:
        return None
    return {"id": found["id"], "finished_at": import_record.utc_text(found["finished_at"]),
            "exported_at": import_record.utc_text(found["exported_at"])}


def _import_line(summary: dict[str, Any]) -> list[str]:
    """The import the night planned on; nothing for a summary made before imports were recorded."""
    if "import" not in summary:
        return []
    found = summary["import"]
    if found is None:
        return ["Import: none recorded (the fund's data was not loaded by correspondence import since imports "
                "are recorded)"]
    return [f"Import: no. {found['id']} of {_brussels(found['finished_at'])}, files written "
            f"{_brussels(found['exported_at'])} (correspondence imports)"]


def _brussels(moment: str) -> str:
    return brussels_time(datetime.fromisoformat(moment))


EXAMPLES = 5  # records named under a cause before "and N more"


def quarantine_causes(quarantined: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    """The quarantine grouped by cause (correspondence/quarantine.py), the largest first: the cause's code,
    field, template (for a template's cause), action and what clears it, the count, the reason the letters
    held share (or its shared beginning), and up to EXAMPLES records (the event keys when the cause is a
    template's)."""
    groups: dict[tuple[str, str, str], list[Mapping[str, str]]] = {}
    found = {}
    for q in quarantined:
        c = cause(q["record"], q["field"], q["action"])
        groups.setdefault(c.key, []).append(q)
        found[c.key] = c
    causes = []
    for key, held in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
        c = found[key]
        named = list(dict.fromkeys(q["event_key"] if c.subject else q["record"] for q in held))
        causes.append({"cause": c.code, "field": c.field, "template": c.subject, "action": c.action,
                       "todo": c.todo, "clears": c.clears, "count": len(held),
                       "reason": _shared([q["reason"] for q in held]),
                       "examples": named[:EXAMPLES], "more": max(0, len(named) - EXAMPLES)})
    return causes


def _shared(reasons: list[str]) -> str:
    """The reason every letter held shares; else the words they all begin with, then "…" ("address unknown —
    returned mail on …"); else ""."""
    if len(set(reasons)) == 1:
        return reasons[0]
    start = os.path.commonprefix(reasons)
    start = start[:start.rfind(" ") + 1].rstrip()  # whole words only
    return f"{start} …" if len(start) >= 12 else ""


def _cause_line(c: dict[str, Any]) -> str:
    """One cause: "12 × address: find the new address and import it → correct the export, then correspondence
    import DIR (affiliate A1, affiliate A2, … and 7 more)"."""
    what = f"{c['field']} of template {c['template']}" if c["template"] else c["field"]
    why = f" ({c['reason']})" if c["reason"] else ""
    clears = f" → {c['clears']}" if c["clears"] else ""
    more = f" and {c['more']} more" if c["more"] else ""
    return f"  {c['count']} × {what}{why}: {c['todo']}{clears} — {', '.join(c['examples'])}{more}"


def summary_text(summary: dict[str, Any]) -> str:
    lines = [(f"Night of {summary['run_date']}: {counted(summary['letters'], 'letter')}, "
              f"{counted(summary['sheets'], 'sheet')}, {summary['registered']} registered.")]
    lines.extend(_import_line(summary))
    ebox = summary.get("ebox", {})
    if any(ebox.values()):
        lines.append(f"e-Box: {counted(ebox['delivered'], 'letter')} delivered, {ebox['pending']} waiting for an "
                     f"answer, {ebox['printed']} printed instead (refused, no answer in time, or the e-Box off).")
    for title, key in (("By letter type", "by_type"), ("By language", "by_language"), ("By mail class", "by_mail_class")):
        lines.append(f"{title}: " + (", ".join(f"{k} {v}" for k, v in summary[key].items()) or "none"))
    former = summary.get("left_to_former_system", {})
    if former.get("events"):
        lines.append(f"Left to the former system (due before go-live, not printed): {counted(former['events'], 'event')} — "
                     + ", ".join(f"{k} {v}" for k, v in former["by_type"].items()))
    held = summary["quarantined"]
    lines.append(f"Quarantined: {counted(len(held), 'letter')}" + (
        " held back, by cause (every later night retries them: once a cause is cleared, the next night sends its "
        "letters; every letter in summary.json):" if held else ""))
    # A summary stored before the causes were (`runs show` of an older night): grouped from its letters.
    lines.extend(_cause_line(c) for c in summary.get("quarantine_causes") or quarantine_causes(held))
    if summary["notes"]:
        lines.append("Remarks (the letters went out; check the data):")
        lines.extend(f"  - {n['record']}: {n['kind']}: {n['note']}" for n in summary["notes"])
    for name, count in summary["case_lists"].items():
        lines.append(f"Case handlers' list {name}.csv: {counted(count, 'new entry', 'new entries')}")
    if summary["unapproved_templates"]:
        lines.append("Template changes not yet approved (the approved version was used):")
        lines.extend(f"  - {t}" for t in summary["unapproved_templates"])
    if summary["confirm_marks"]:
        lines.append("Rule figures still to be confirmed by the fund's lawyers, used tonight:")
        lines.extend(f"  - {m['parameters']} (from {m['valid_from']}): {m['mark']}" for m in summary["confirm_marks"])
    if summary["timings_seconds"]:
        lines.append("Timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in summary["timings_seconds"].items()))
    lines.append(f"Exit code {summary['exit_code']}: " + (
        "some letters were held back (see Quarantined)" if summary["exit_code"] else "every letter due went out"))
    return "\n".join(lines) + "\n"
