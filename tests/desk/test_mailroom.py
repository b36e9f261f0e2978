"""The mailroom's page over a real night (the small fund, three due notices) through Flask's test client: the
nights and their state, verify, collect once, a returned letter recorded from its printed barcode (decoded from
the archived PDF with zbar, then typed as a scanner types it), a letter looked up with its warnings and printed
again. (The same in a real browser: tests/desk/test_browser.py.)"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, update

from correspondence import schema
from correspondence.config import Settings
from correspondence.desk import audit, people
from correspondence.importing import import_dir
from correspondence.mailroom.scanned import letter_id as read_id
from correspondence.store import connect
from scheduler.night import run_night
from scheduler.web import create_app

SMALL_FUND = Path(__file__).parent.parent / "fixtures" / "small_fund"
NIGHT = date(2026, 11, 22)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def setup(settings: Settings) -> tuple[Settings, Engine]:
    engine = connect(settings.db_url)
    import_dir(engine, SMALL_FUND)
    assert run_night(settings, NIGHT).status == "complete"
    with engine.begin() as connection:
        for name, role in (("mia", "mailroom"), ("max", "mailroom"), ("rita", "reviewer")):
            people.add(connection, name, role, PASSWORD)
    return settings, engine


def _client(setup: tuple[Settings, Engine], name: str) -> FlaskClient:
    settings, engine = setup
    client = create_app(settings, b"k" * 64, engine=engine).test_client()
    client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": _token(client, "/login")})
    return client


def _token(client: FlaskClient, path: str = "/mailroom") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _post(client: FlaskClient, path: str, **data: str) -> str:
    answer = client.post(path, data={**data, "csrf_token": _token(client)}, follow_redirects=True)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def _letters(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return [(r.letter_id, r.archive_path) for r in connection.execute(
            select(schema.letters.c.letter_id, schema.letters.c.archive_path).order_by(schema.letters.c.letter_id))]


def _actions(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        return [(e.user_name, e.action, e.subject) for e in reversed(audit.latest(connection))
                if e.action not in ("login", "login refused")]


def test_the_night_is_shown_verified_and_collected_once(setup: tuple[Settings, Engine]) -> None:
    _, engine = setup
    mia = _client(setup, "mia")
    page = mia.get("/mailroom").get_data(as_text=True)
    assert "22 november 2026" in page and "klaar" in page
    assert "Elk bestand, elke rij van het manifest" in _post(mia, "/mailroom/2026-11-22/verify")
    assert "De nacht van 22 november 2026 is opgehaald." in _post(mia, "/mailroom/2026-11-22/collect")
    again = _post(_client(setup, "max"), "/mailroom/2026-11-22/collect")
    assert "Deze nacht werd al opgehaald door mia" in again
    assert "opgehaald" in mia.get("/mailroom").get_data(as_text=True)
    assert _actions(engine) == [("mia", "verify", "night 2026-11-22"), ("mia", "collect", "night 2026-11-22")]


def test_a_night_whose_files_differ_from_the_journal_is_not_collected(setup: tuple[Settings, Engine]) -> None:
    settings, engine = setup
    [print_file, *_] = sorted((settings.output_dir / "2026-11-22").glob("*/batch-*.pdf"))
    print_file.write_bytes(print_file.read_bytes() + b"%")
    page = _post(_client(setup, "mia"), "/mailroom/2026-11-22/collect")
    assert "Niet afgehaald" in page and print_file.name in page
    assert _actions(engine) == [("mia", "verify", "night 2026-11-22")]  # verified, not collected


@pytest.mark.parametrize(("day", "code"), [("2026-11-23", 200), ("not-a-date", 404), ("..%2F..%2Fetc", 404)])
def test_a_night_that_is_not_ready_is_not_collected(setup: tuple[Settings, Engine], day: str, code: int) -> None:
    mia = _client(setup, "mia")
    answer = mia.post(f"/mailroom/{day}/collect", data={"csrf_token": _token(mia)}, follow_redirects=True)
    assert answer.status_code == code
    if code == 200:
        assert "Deze nacht is niet klaar" in answer.get_data(as_text=True)


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools is not installed (.ci/run installs it)")
def test_a_returned_letter_is_recorded_by_scanning_its_barcode(setup: tuple[Settings, Engine], tmp_path: Path) -> None:
    settings, engine = setup
    letter_id, archive_path = _letters(engine)[0]
    subprocess.run(["pdftoppm", "-r", "200", "-f", "1", "-l", "1", "-png", str(settings.archive_dir / archive_path),
                    str(tmp_path / "page")], check=True)
    [png] = tmp_path.glob("page*.png")
    scanned = subprocess.run(["zbarimg", "--raw", "-q", "-Sdisable", "-Scode128.enable", str(png)], check=True,
                             capture_output=True, text=True).stdout.strip()
    assert scanned == letter_id
    mia = _client(setup, "mia")
    answer = _post(mia, "/mailroom/returned", reason="verhuisd", letter=scanned + "\n")
    assert f"{letter_id}: geregistreerd als teruggekomen" in answer
    assert 'value="verhuisd"' in answer  # the reason stays for the next envelope of the pile
    assert f"{letter_id}: was al geregistreerd" in _post(mia, "/mailroom/returned", reason="verhuisd", letter=letter_id)
    with engine.connect() as connection:
        recipient = connection.scalar(select(schema.letters.c.recipient_id).where(schema.letters.c.letter_id == letter_id))
        assert connection.scalar(select(schema.affiliates.c.address_unreliable_since)
                                 .where(schema.affiliates.c.affiliate_id == recipient)) is not None
    assert _actions(engine) == [("mia", "returned", f"letter {letter_id}")]


@pytest.mark.parametrize(("typed", "says"), [
    ("20261122-999999", "Geen brief met dit kenmerk in het journaal: 20261122-999999"),
    ("éàé§&&éé)çççççç", "Geen brief met dit kenmerk in het journaal: 20261122-999999"),  # a Belgian AZERTY
    ("A0000001", "Geen kenmerk van een brief (JJJJMMDD-NNNNNN): A0000001"),
    ("<script>x</script>", "Geen kenmerk van een brief (JJJJMMDD-NNNNNN): &lt;script&gt;"),
])
def test_what_is_not_a_known_letter_is_refused_in_one_line(setup: tuple[Settings, Engine], typed: str,
                                                           says: str) -> None:
    assert says in _post(_client(setup, "mia"), "/mailroom/returned", reason="onbekend", letter=typed)


@pytest.mark.parametrize(("typed", "read"), [
    ("20261122-000001", "20261122-000001"),
    (" 20261122-000001\r\n", "20261122-000001"),
    ("éàé§&&éé)ààààà&", "20261122-000001"),  # a scanner on a Belgian AZERTY keyboard
    ("éàé-&&éé)ààààà&", "20261122-000001"),  # on a French one
    ("20261122000001", None),
    ("20261122-00001", None),
    ("", None),
])
def test_a_scanned_line_is_read_as_a_letter_id_or_refused(typed: str, read: str | None) -> None:
    assert read_id(typed) == read


def test_a_letter_is_looked_up_with_its_warnings_and_printed_again(setup: tuple[Settings, Engine]) -> None:
    settings, engine = setup
    letter_id, _ = _letters(engine)[1]
    mia = _client(setup, "mia")
    page = mia.get(f"/mailroom/letter?letter={letter_id}").get_data(as_text=True)
    assert "Vervaldagbericht" in page and "gewone post" in page and "adres van de bestemmeling is gewijzigd" not in page
    with engine.begin() as connection:
        recipient = connection.scalar(select(schema.letters.c.recipient_id).where(schema.letters.c.letter_id == letter_id))
        connection.execute(update(schema.affiliates).where(schema.affiliates.c.affiliate_id == recipient)
                           .values(street="Nieuwstraat"))
    page = mia.get(f"/mailroom/letter?letter={letter_id}").get_data(as_text=True)
    assert "adres van de bestemmeling is gewijzigd" in page
    answer = _post(mia, f"/mailroom/letter/{letter_id}/reprint")
    assert "Herdrukt, identiek aan de verstuurde brief" in answer
    pdf = mia.get(f"/mailroom/letter/{letter_id}/reprint.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert list((settings.output_dir / "reprints").rglob(f"{letter_id}-*.pdf"))
    assert _actions(engine) == [("mia", "reprint", f"letter {letter_id}")]


def test_a_letter_delivered_in_the_ebox_is_shown_so_before_a_paper_reprint(setup: tuple[Settings, Engine]) -> None:
    settings, engine = setup
    letter_id, _ = _letters(engine)[0]
    mia = _client(setup, "mia")
    assert "Kanaal</th><td>papier</td>" in mia.get(f"/mailroom/letter?letter={letter_id}").get_data(as_text=True)
    with engine.begin() as connection:  # as the night's e-Box stage journals a delivered letter
        connection.execute(update(schema.letters).where(schema.letters.c.letter_id == letter_id)
                           .values(status="ebox", ebox_message_id="5e1c0ffee"))
    page = mia.get(f"/mailroom/letter?letter={letter_id}").get_data(as_text=True)
    assert "e-Box (afgeleverd) (5e1c0ffee)" in page and "een herdruk op papier is een tweede levering" in page


@pytest.mark.parametrize(("name", "method", "path", "code"), [
    ("rita", "get", "/mailroom", 403),
    ("rita", "post", "/mailroom/2026-11-22/collect", 403),
    ("mia", "post", "/templates/due_notice/nl/approve", 403),  # the mailroom cannot approve
    ("mia", "get", "/mailroom/letter/..%2F..%2Fetc%2Fpasswd/reprint.pdf", 404),
    ("mia", "post", "/mailroom/letter/x;rm -rf/reprint", 404),
])
def test_roles_and_addresses_are_checked_on_the_server(setup: tuple[Settings, Engine], name: str, method: str,
                                                       path: str, code: int) -> None:
    client = _client(setup, name)
    token = _token(client, "/")
    answer = client.get(path) if method == "get" else client.post(path, data={"csrf_token": token})
    assert answer.status_code == code


def test_a_reviewer_previews_the_working_copy_with_a_real_letter_s_context(setup: tuple[Settings, Engine]) -> None:
    _, engine = setup
    letter_id, _ = _letters(engine)[0]
    with engine.connect() as connection:
        language = connection.scalar(select(schema.letters.c.language).where(schema.letters.c.letter_id == letter_id))
    rita = _client(setup, "rita")
    page = rita.get(f"/templates/due_notice/{language}/preview?letter={letter_id}")
    assert page.status_code == 200 and f"preview-1.png?letter={letter_id}" in page.get_data(as_text=True)
    pdf = rita.get(f"/templates/due_notice/{language}/preview.pdf?letter={letter_id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert rita.get(f"/templates/due_notice/{language}/preview-1.png?letter={letter_id}").mimetype == "image/png"
    other = "fr" if language != "fr" else "nl"
    refused = rita.get(f"/templates/due_notice/{other}/preview?letter={letter_id}")
    assert refused.status_code == 422 and f"is a due_notice in &#39;{language}&#39;" in refused.get_data(as_text=True)
    # showing a real affiliate's letter is audited, once a page (the page, the PDF), not per image
    assert [a for a in _actions(engine) if a[1] == "preview"] == [
        ("rita", "preview", f"due_notice/{language}")] * 2
