"""The morning report: what the night produced, what it held back and why, what it relied on.

Identifiers and counts only — never a name, an address or a national register number.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from correspondence import journal, schema
from correspondence.config import Settings
from correspondence.ebox import publish as ebox_publish
from correspondence.kinds import case_lists
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


def counted(count: int, singular: str, plural: str = "") -> str:
    """A count with its noun, singular for one (the report is English, for the operator): "1 event", "2 events"."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def summary_text(summary: dict[str, Any]) -> str:
    lines = [(f"Night of {summary['run_date']}: {summary['letters']} letters, {summary['sheets']} sheets, "
             f"{summary['registered']} registered.")]
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
    lines.append(f"Quarantined: {len(held)}" + (" — these letters did not go out; each needs a person:" if held else ""))
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for q in held:
        groups.setdefault((q["field"], q["action"]), []).append(q)
    for (field, action), items in groups.items():
        lines.append(f"  {len(items)} × {field} — to do: {action}")
        lines.extend(f"    - {q['event_key']}: {q['record']}: {q['reason']}" for q in items)
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
