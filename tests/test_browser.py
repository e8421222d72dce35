"""The web app in a real browser (Debian's chromium driven by Playwright), as a member of staff uses it."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import MODEL_CACHE, ROOT
from tests.logins import PASSWORD
from tests.pdfs import text_pdf

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    import uvicorn

    from kb.catalog.database import Catalog
    from kb.models import Role
    from kb.settings import Settings
    from web.app import create_app
    from web.server import uvicorn_config

    # plain http on loopback, as `make run` serves it
    data = tmp_path_factory.mktemp("browser") / "data"
    settings = Settings(data_dir=data, model_cache=MODEL_CACHE, cookie_secure=False)
    catalog = Catalog.open(settings.check())
    accounts = catalog.accounts
    accounts.add("test-editor", Role.EDITOR, PASSWORD)
    accounts.add("test-reader", Role.READER, PASSWORD)  # the onboarding check reads as another person
    accounts.add("test-admin", Role.ADMIN, PASSWORD)  # the directory's admin forms
    catalog.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn_config(create_app(settings, embedder, seed_samples=True), settings, "127.0.0.1", port)
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    for _ in range(600):
        if instance.started:
            break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def log_in(page, server: str, name: str = "test-editor") -> None:
    """Through the login form, as a person would."""
    page.goto(server + "/login")
    page.get_by_label("Användarnamn").fill(name)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(server + "/")


@pytest.fixture
def page(browser, server):
    """A logged-in editor's page; any Content-Security-Policy violation fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    violations = []
    opened.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(opened, server)
    yield opened
    context.close()
    assert violations == []


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_swedish_search_shows_the_english_lesson_and_its_pdf(server, page):
    """Type a Swedish question, see the English lesson with its page link, open the PDF at that page."""
    page.goto(server + "/")
    page.get_by_label("Beskriv ditt planerade initiativ eller ställ en fråga").fill(
        "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?"
    )
    page.get_by_role("button", name="Sök").click()
    page.wait_for_selector("section.lessons")
    first = page.locator("article.group").first
    assert "GreenFleet BSR - Final report" in first.locator("h3").inner_text()
    link = first.locator("a.pdf").first
    href = link.get_attribute("href")
    assert href.endswith("#page=4")
    shot(page, "search")
    response = page.request.get(server + href.split("#")[0])
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")


def test_keyboard_reaches_the_search_box_and_button(server, page):
    """Tab moves from the skip link through the menu to the search box; Enter in the form searches."""
    page.goto(server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.locator("#q").focus()
    page.keyboard.type("läkemedelsrester i avloppsvatten")
    page.locator("form.search button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("section.lessons")
    assert "AquaClean" in page.locator("article.group").first.inner_text()


def test_narrow_screen_layout(server, browser):
    """On a phone-sized screen the bands stack and nothing overflows sideways."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, server)
    page.goto(server + "/?q=" + "gemensam upphandling av elbussar")
    page.wait_for_selector("section.lessons")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "search-narrow")
    context.close()


def test_upload_review_publish_and_find(server, page, tmp_path: Path):
    """Upload a report, watch it being read, correct the title in the review form, publish, find it in search."""
    pdf = text_pdf(
        tmp_path / "cykelpendling.pdf",
        [
            "Cykelpendling i Östergötland - slutrapport\nProgram: Interreg Europe\nProjektperiod: 2019-2022",
            "4 Lärdomar\nArbetsgivare som erbjöd säkra cykelparkeringar, duschar och en cykelförmån fick fler "
            "anställda att cykla till jobbet. Den viktigaste lärdomen är att kampanjer behöver följas upp med "
            "varaktiga förändringar av infrastrukturen, annars återgår resvanorna efter några månader. "
            "Vintercykling kräver att kommunen prioriterar snöröjning av de stora pendlingsstråken.",
        ],
    )
    page.goto(server + "/upload")
    shot(page, "upload")
    page.get_by_label("PDF-fil").set_input_files(str(pdf))
    page.get_by_role("button", name="Ladda upp").last.click()
    page.wait_for_url("**/review", timeout=120_000)
    shot(page, "review")
    title = page.get_by_label("Titel", exact=True)
    title.fill("Cykelpendling i Östergötland")
    page.get_by_role("button", name="Spara och publicera").click()
    page.wait_for_selector("text=Publicerad.")
    page.goto(server + "/")
    page.locator("#q").fill("Hur får vi fler anställda att cykla till jobbet året runt?")
    page.get_by_role("button", name="Sök").click()
    page.wait_for_selector("section.lessons")
    assert "Cykelpendling i Östergötland" in page.locator("article.group").first.inner_text()


def test_report_and_browse_pages_look_right(server, page):
    """The browse and report pages render; screenshots are kept for a human look."""
    page.goto(server + "/reports")
    assert page.locator("table tbody tr").count() >= 4
    shot(page, "reports")
    page.locator("table tbody tr a").first.click()
    page.wait_for_selector("dl.facts")
    shot(page, "report")


def test_a_visitor_is_sent_to_login_and_back(server, browser):
    """Not logged in, a page leads to the login form; after logging in the visitor lands where they were going."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/reports")
    assert "/login?next=/reports" in page.url
    shot(page, "login")
    page.get_by_label("Användarnamn").fill("test-editor")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(server + "/reports")
    assert page.locator("table tbody tr").count() >= 4
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url("**/login")
    page.goto(server + "/reports")
    assert "/login?next=/reports" in page.url
    context.close()
