"""Templates from edit to approved in force without a terminal: a reviewer sees the change in the redline and
submits it, the same person may not approve it (page and command line), another approver approves it with an
effective date; withdraw; the preview and the check; a type or language not in the folder is 404."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from flask.testing import FlaskClient
from sqlalchemy import Engine

from correspondence import schema
from correspondence.config import Settings
from correspondence.desk import audit, people
from correspondence.store import connect
from correspondence.templates import approvals, redline, submissions
from scheduler import cli
from scheduler.web import create_app
from scheduler.web.access import today
from tests.conftest import settings_for
from tests.template_copies import copy_templates, edit_once

PASSWORD = "correct horse battery staple"
OLD = "Als zelfstandige betaalt u elk kwartaal sociale bijdragen."
NEW = "Als zelfstandige betaalt u ieder kwartaal sociale bijdragen."


@pytest.fixture
def setup(sqlite_url: str, tmp_path: Path) -> tuple[Settings, Engine]:
    settings = settings_for(sqlite_url, tmp_path, templates_dir=copy_templates(tmp_path))
    engine = connect(sqlite_url)
    with engine.begin() as connection:
        approvals.import_shipped(connection, settings.templates_dir)
        for name, role in (("rita", "reviewer"), ("abe", "approver"), ("ann", "approver"), ("mia", "mailroom"),
                           ("ada", "admin")):
            people.add(connection, name, role, PASSWORD)
    return settings, engine


def _client(setup: tuple[Settings, Engine], name: str) -> FlaskClient:
    settings, engine = setup
    client = create_app(settings, b"k" * 64, engine=engine).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token}).status_code == 302
    return client


def _post(client: FlaskClient, page: str, action: str, **data: Any) -> str:
    html = client.get(page).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    answer = client.post(f"{page}/{action}", data={"csrf_token": token, **data}, follow_redirects=True)
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


PAGE = "/templates/due_notice/nl"


def test_from_edit_to_approved_in_force_with_four_eyes(setup: tuple[Settings, Engine]) -> None:
    settings, engine = setup
    reviewer = _client(setup, "rita")
    assert "goedgekeurd, in voege" in reviewer.get(PAGE).get_data(as_text=True)
    edit_once(settings.templates_dir / "due_notice" / "nl.html", "elk kwartaal", "ieder kwartaal")
    listing = reviewer.get("/templates").get_data(as_text=True)
    assert re.search(r"Vervaldagbericht</a> <small><code>due_notice</code></small></td>\s*<td>NL</td>\s*"
                     r"<td><span class=\"state state-changed\">", listing)
    page = reviewer.get(PAGE).get_data(as_text=True)
    assert "<del>elk</del><ins>ieder</ins>" in page and "1 alinea&#39;s gewijzigd" in page
    assert "Ter goedkeuring voorleggen" in page
    assert "is ter goedkeuring voorgelegd." in _post(reviewer, PAGE, "submit")
    assert "wacht op goedkeuring" in reviewer.get(PAGE).get_data(as_text=True)
    assert reviewer.post(f"{PAGE}/approve", data={}).status_code in (400, 403)  # a reviewer may not approve

    approver = _client(setup, "abe")
    later = today() + timedelta(days=3)
    done = _post(approver, PAGE, "approve", effective=later.isoformat())
    assert f"in voege vanaf de nacht van {format_date(later, 'long', locale='nl')}" in done
    assert "goedgekeurd, later in voege" in done
    with engine.connect() as connection:
        in_force_later = approvals.approval_in_force(connection, "due_notice", "nl", later)
        assert in_force_later is not None and in_force_later.approved_by == "abe"
        assert approvals.approval_in_force(connection, "due_notice", "nl", today()).approved_by != "abe"
        assert [s.state for s in submissions.history(connection, "due_notice", "nl")] == ["approved"]
        assert [(e.user_name, e.action) for e in audit.latest(connection)][:2] == [("abe", "approve"), ("abe", "login")]


def test_the_submitter_may_not_approve_in_the_page_or_the_command_line(
        setup: tuple[Settings, Engine], capsys: pytest.CaptureFixture[str]) -> None:
    settings, engine = setup
    edit_once(settings.templates_dir / "due_notice" / "nl.html", "elk kwartaal", "ieder kwartaal")
    admin = _client(setup, "ada")  # an admin may submit and approve, but not both for one version
    _post(admin, PAGE, "submit")
    page = admin.get(PAGE).get_data(as_text=True)
    assert "U hebt deze versie zelf voorgelegd" in page and 'name="effective"' not in page
    refused = _post(admin, PAGE, "approve", effective=today().isoformat())
    assert "ada legde deze versie voor en mag ze niet ook goedkeuren" in refused
    assert cli.main(["templates", "approve", "due_notice", "--lang", "nl", "--by", "ada"], settings=settings) == 1
    assert "ada submitted this version and may not approve it too" in capsys.readouterr().err
    assert cli.main(["templates", "approve", "due_notice", "--lang", "nl", "--by", "ann"], settings=settings) == 0
    with engine.connect() as connection:
        assert [s.state for s in submissions.history(connection, "due_notice", "nl")] == ["approved"]
        assert approvals.approval_in_force(connection, "due_notice", "nl", today()).approved_by == "ann"
        assert audit.latest(connection)[0].action == "approve"


def test_a_change_after_submitting_must_be_submitted_again_and_withdraw(setup: tuple[Settings, Engine]) -> None:
    settings, engine = setup
    edit_once(settings.templates_dir / "due_notice" / "nl.html", "elk kwartaal", "ieder kwartaal")
    reviewer = _client(setup, "rita")
    _post(reviewer, PAGE, "submit")
    edit_once(settings.templates_dir / "due_notice" / "nl.html", "ieder kwartaal", "elk kwartaal opnieuw")
    said = "De bestanden zijn gewijzigd sinds rita ze voorlegde"
    assert said in _client(setup, "abe").get(PAGE).get_data(as_text=True)  # why there is no approve button
    refused = _post(_client(setup, "abe"), PAGE, "approve", effective=today().isoformat())
    assert "De bestanden zijn gewijzigd sinds rita ze voorlegde" in refused
    assert "Ingetrokken" not in _post(reviewer, PAGE, "withdraw")
    with engine.connect() as connection:
        assert [s.state for s in submissions.history(connection, "due_notice", "nl")] == ["withdrawn"]
        assert submissions.pending(connection, "due_notice", "nl") is None


def test_an_approval_never_reaches_back_to_a_night_that_started(setup: tuple[Settings, Engine]) -> None:
    """Today's night has run: the form offers tomorrow, and today is refused, saying from when it can be."""
    settings, engine = setup
    with engine.begin() as connection:
        connection.execute(schema.runs.insert().values(run_date=today(), status="complete", attempts=1,
                                                       started_at=datetime.now(UTC)))
    edit_once(settings.templates_dir / "due_notice" / "nl.html", "elk kwartaal", "ieder kwartaal")
    _post(_client(setup, "rita"), PAGE, "submit")
    approver = _client(setup, "abe")
    tomorrow = today() + timedelta(days=1)
    page = approver.get(PAGE).get_data(as_text=True)
    assert f'name="effective" required type="date" value="{tomorrow.isoformat()}"' in page
    refused = _post(approver, PAGE, "approve", effective=today().isoformat())
    assert (f"De nacht van {today().isoformat()} is al begonnen: een versie die nu wordt goedgekeurd, geldt ten "
            f"vroegste vanaf de nacht van {tomorrow.isoformat()}.") in refused
    with engine.connect() as connection:
        assert submissions.pending(connection, "due_notice", "nl") is not None  # still waiting


@pytest.mark.parametrize(("name", "path", "code"), [
    ("mia", "/templates", 403), ("mia", PAGE, 403), ("rita", "/templates/due_notice/xx", 404),
    ("rita", "/templates/..%2F..%2Fetc/nl", 404), ("rita", "/templates/no_such_letter/nl", 404),
])
def test_who_may_read_which_template_page(setup: tuple[Settings, Engine], name: str, path: str, code: int) -> None:
    assert _client(setup, name).get(path).status_code == code


def test_preview_and_check_of_the_working_copy(setup: tuple[Settings, Engine]) -> None:
    reviewer = _client(setup, "rita")
    answer = reviewer.get(f"{PAGE}/preview.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf" and answer.data.startswith(b"%PDF")
    page = reviewer.get(f"{PAGE}/preview?sample=nl-long-name-and-address").get_data(as_text=True)
    assert '<option value="nl-partly-paid">' in page and '<option value="nl-long-name-and-address" selected>' in page
    assert 'preview-1.png?sample=nl-long-name-and-address' in page and "fr-brussels" not in page  # its language's
    image = reviewer.get(f"{PAGE}/preview-1.png?sample=nl-long-name-and-address")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")
    assert reviewer.get(f"{PAGE}/preview-9.png").status_code == 404
    for wrong, says in (("sample=no-such-sample", "has no sample &#39;no-such-sample&#39;"),
                        ("letter=20261122-000001", "no letter 20261122-000001 in the journal"),
                        ("letter=../../etc/passwd", "Geen kenmerk van een brief")):
        failed = reviewer.get(f"{PAGE}/preview?{wrong}")
        assert failed.status_code == 422 and says in failed.get_data(as_text=True), wrong
        assert f'href="{PAGE}">Terug</a>' in failed.get_data(as_text=True)  # not a dead end
    check = reviewer.get(f"{PAGE}/check").get_data(as_text=True)
    assert "0 fouten" in check


@pytest.mark.parametrize(("before", "after", "kinds"), [
    (["a b c", "d e"], ["a b c", "d f"], ["same", "changed"]),
    (["a", "b"], ["a", "x", "b"], ["same", "added", "same"]),
    (["a", "b"], ["b"], ["removed", "same"]),
    ([], ["new"], ["added"]),
])
def test_the_redline_paragraph_by_paragraph(before: list[str], after: list[str], kinds: list[str]) -> None:
    assert [p.kind for p in redline.compare(before, after)] == kinds


def test_the_redline_of_a_word_template_reads_its_paragraphs() -> None:
    from correspondence.config import TEMPLATES_DIR
    from correspondence.templates import snapshots

    files = snapshots.working_copy(TEMPLATES_DIR, "mantelzorg_granted", "nl").files
    [docx] = [p for p in files if p.endswith("mantelzorg_granted/nl.docx")]
    paragraphs = redline.paragraphs(docx, files[docx])
    assert paragraphs and all(p == " ".join(p.split()) for p in paragraphs)
    changed = redline.redline({docx: files[docx]}, {docx: files[docx].replace(b"x", b"x")})
    assert changed == []
    assert date.today()  # the module imports
