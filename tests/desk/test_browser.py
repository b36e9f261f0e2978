"""The desk in a real browser: Debian's Chromium driven by Playwright against `correspondence web` started as
the operator starts it. Signing in (a wrong password first), a role refused, the nights, the audit log,
signing out; a template submitted and approved by two people; the mailroom collecting a night and recording
a returned letter by typing its scanned barcode. `UPDATE_SCREENSHOTS=1` writes each page's picture for the README into docs/desk/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from correspondence.config import PROJECT_ROOT
from tests.template_copies import copy_templates, edit_once

SMALL_FUND = Path(__file__).parent.parent / "fixtures" / "small_fund"

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "correct horse battery staple"
SHOTS = PROJECT_ROOT / "docs" / "desk"

pytestmark = pytest.mark.slow
if not Path(CHROMIUM).exists() and not os.environ.get("CI"):  # CI installs it (.ci/run): there it must run
    pytestmark = [pytest.mark.slow, pytest.mark.skip(reason="Debian's chromium is not installed")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    return copy_templates(tmp_path)


def _env(tmp_path: Path, templates: Path) -> dict[str, str]:
    env = {**os.environ, "CORRESPONDENCE_VAR": str(tmp_path / "var"), "CORRESPONDENCE_OUTPUT": str(tmp_path / "out"),
           "CORRESPONDENCE_TEMPLATES": str(templates)}
    env.pop("CORRESPONDENCE_DB", None)
    return env


def _cli(env: dict[str, str], *argv: str, stdin: str = "") -> None:
    subprocess.run([sys.executable, "-m", "scheduler.cli", *argv], input=stdin, text=True, env=env, check=True,
                   capture_output=True, cwd=PROJECT_ROOT)


@pytest.fixture
def desk(tmp_path: Path, templates: Path) -> Iterator[str]:
    env = _env(tmp_path, templates)

    def cli(*argv: str, stdin: str = "") -> None:
        _cli(env, *argv, stdin=stdin)

    cli("init")
    for name, role in (("mia", "mailroom"), ("ada", "admin"), ("rita", "reviewer"), ("abe", "approver")):
        cli("users", "add", name, "--role", role, stdin=PASSWORD + "\n")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "web", "--port", str(port)], env=env,
                              cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(f"the desk did not start: {server.stderr.read1(2000) if server.stderr else ''}")
        yield url
    finally:
        server.terminate()
        server.wait(10)
    assert b"Traceback" not in (server.stderr.read() if server.stderr else b"")


def test_signing_in_roles_nights_audit_and_signing_out(desk: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(locale="fr-BE", viewport={"width": 1100, "height": 700})

        def shot(name: str) -> None:
            if os.environ.get("UPDATE_SCREENSHOTS"):
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / f"{name}.png"))

        page.goto(f"{desk}/mailroom")  # not signed in: the sign-in page, in the browser's language
        expect(page.locator("h1")).to_have_text("Se connecter")
        page.fill("#name", "mia")
        page.fill("#password", "not her password")
        page.click("button[type=submit]")
        expect(page.get_by_role("alert")).to_contain_text("Connexion refusée")
        shot("login-refused")
        page.fill("#name", "mia")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{desk}/mailroom")  # signed in, on to the page she asked for
        page.goto(f"{desk}/")
        expect(page.locator("h1")).to_have_text("Bienvenue, mia")
        page.goto(f"{desk}/audit")  # the mailroom may not read the audit log
        expect(page.get_by_role("alert")).to_contain_text("Votre rôle ne donne pas accès")
        shot("refused")
        page.click("text=Se déconnecter")
        expect(page.locator("h1")).to_have_text("Se connecter")
        page.click("text=NL")
        page.fill("#name", "ada")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Welkom, ada")
        shot("home")
        page.click("header >> text=Nachten")
        expect(page.locator("main")).to_contain_text("Nog geen nacht gelopen.")
        page.click("header >> text=Auditlog")
        rows = page.locator("tbody tr")
        expect(rows.first).to_contain_text("aangemeld")
        expect(page.locator("tbody")).to_contain_text("aanmelden geweigerd")
        expect(page.locator("tbody")).to_contain_text("gebruiker toegevoegd")
        shot("audit")
        browser.close()


def test_a_reviewer_submits_a_change_and_another_approves_it(desk: str, templates: Path) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    edit_once(templates / "due_notice" / "fr.html", "chaque trimestre", "tous les trimestres")

    def sign_in(page: Page, name: str) -> None:
        page.goto(f"{desk}/login")
        page.fill("#name", name)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(locale="fr-BE", viewport={"width": 1100, "height": 900})
        page.set_default_timeout(60_000)  # approving runs the template's check (seconds on a busy machine)
        sign_in(page, "rita")
        page.click("header >> text=Modèles")
        row = page.get_by_role("row", name="due_notice FR", exact=False).filter(has_not_text="company")
        expect(row).to_contain_text("modifié")
        if os.environ.get("UPDATE_SCREENSHOTS"):
            page.screenshot(path=str(SHOTS / "templates.png"))
        row.get_by_role("link").click()
        expect(page.locator("del").first).to_have_text("chaque")
        expect(page.locator("ins").first).to_have_text("tous")
        page.click("text=Soumettre à l'approbation")
        expect(page.get_by_role("status")).to_contain_text("est soumise à l'approbation")
        expect(page.locator("h1")).to_contain_text("en attente d'approbation")
        if os.environ.get("UPDATE_SCREENSHOTS"):
            page.screenshot(path=str(SHOTS / "redline.png"), full_page=False)
        page.click("text=Se déconnecter")
        sign_in(page, "abe")
        page.goto(f"{desk}/templates/due_notice/fr")
        page.click("button:has-text('Approuver')")
        expect(page.get_by_role("status")).to_contain_text("en vigueur à partir de la nuit du")
        expect(page.locator("h1")).to_contain_text("approuvé, en vigueur")
        expect(page.locator("main")).to_contain_text("Aucune : la copie de travail est la version en vigueur.")
        answer = page.request.get(f"{desk}/templates/due_notice/fr/preview.pdf")  # with the page's session
        assert answer.status == 200 and answer.body().startswith(b"%PDF")
        page.click("text=Aperçu")
        page.select_option("#sample", "fr-living-in-france")
        page.click("button:has-text('Afficher')")
        first = page.locator("figure.page img").first
        expect(first).to_be_visible()  # at once: the image's width and height are in the page
        # the page drawn, not broken: its picture is made on request, and takes a while on a busy machine
        page.wait_for_function("(img) => img.complete", arg=first.element_handle())
        assert page.evaluate("(img) => img.naturalWidth", first.element_handle()) > 800
        if os.environ.get("UPDATE_SCREENSHOTS"):
            page.screenshot(path=str(SHOTS / "preview.png"))
        browser.close()


def test_the_mailroom_collects_a_night_and_scans_a_returned_letter(desk: str, tmp_path: Path, templates: Path) -> None:
    """The barcode is read from the night's print file with zbar, then typed into the form as a scanner types
    it: the characters and Enter."""
    from playwright.sync_api import expect, sync_playwright

    env = _env(tmp_path, templates)
    # Copied, not read in place: the files' times are the export's age, and a checkout may be older than the
    # fund profile's max_export_age_hours.
    fund = shutil.copytree(SMALL_FUND, tmp_path / "export", copy_function=shutil.copy)
    _cli(env, "import", str(fund))
    _cli(env, "run", "--as-of", "2026-11-22")
    [print_file, *_] = sorted((tmp_path / "out" / "2026-11-22").rglob("*.pdf"))
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(print_file), str(tmp_path / "page")], check=True)
    scanned = [line for png in sorted(tmp_path.glob("page*.png")) for line in subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sdisable", "-Scode128.enable", str(png)], capture_output=True, text=True,
        check=False).stdout.split()]
    assert scanned and all(len(s) == 15 for s in scanned), scanned
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(locale="fr-BE", viewport={"width": 1100, "height": 900})
        page.goto(f"{desk}/login")
        page.fill("#name", "mia")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.click("header >> text=Service courrier")
        night = page.get_by_role("row", name="22 novembre 2026", exact=False)
        expect(night).to_contain_text("prête")
        night.get_by_role("button", name="Enlever").click()
        expect(page.get_by_role("status")).to_contain_text("La nuit du 22 novembre 2026 est enlevée.")
        expect(page.get_by_role("row", name="22 novembre 2026", exact=False)).to_contain_text("mia")
        page.fill("#reason", "déménagé")
        page.locator("#letter").press_sequentially(scanned[0])  # the scanner types the id, then Enter
        page.locator("#letter").press("Enter")
        expect(page.get_by_role("status")).to_contain_text(f"{scanned[0]}: enregistrée comme revenue")
        expect(page.locator("#reason")).to_have_value("déménagé")
        expect(page.locator("#letter")).to_be_focused()
        if os.environ.get("UPDATE_SCREENSHOTS"):
            page.screenshot(path=str(SHOTS / "mailroom.png"), full_page=True)
        page.fill("#lookup", scanned[1] if len(scanned) > 1 else scanned[0])
        page.click("button:has-text('Rechercher')")
        expect(page.locator("h1")).to_contain_text("Lettre")
        page.click("button:has-text('Réimprimer')")
        expect(page.get_by_role("status")).to_contain_text("Réimprimée, identique à la lettre envoyée")
        if os.environ.get("UPDATE_SCREENSHOTS"):
            page.screenshot(path=str(SHOTS / "reprint.png"))
        page.click("text=Se déconnecter")
        page.fill("#name", "ada")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.click("header >> text=Nuits")
        expect(page.locator("main")).to_contain_text("Aucun service n'a encore tourné avec cette base de données")
        page.click("text=2026-11-22")
        expect(page.locator("h1")).to_contain_text("22 novembre 2026")
        expect(page.locator("main")).to_contain_text("Étapes et durée")
        if os.environ.get("UPDATE_SCREENSHOTS"):
            page.screenshot(path=str(SHOTS / "night.png"), full_page=True)
        browser.close()
