"""Issue 7 in a real browser: an editor builds a reading path from search results, a reader works through it
and prints it, and the follow-up view shows and exports the sample reports' totals."""

from __future__ import annotations

import csv
import io

import pytest

from tests.test_browser import browser, log_in, server, shot  # noqa: F401  (fixtures shared with the main browser tests)

pytestmark = pytest.mark.browser
QUESTION = "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?"


def _person(browser, server: str, name: str, violations: list[str]):  # noqa: F811
    """A browser context of its own, logged in through the form as ``name``; CSP violations are collected."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, server, name)
    return context, page


def test_editor_builds_a_path_and_a_reader_reads_and_prints_it(server, browser):  # noqa: F811
    """An editor adds three lessons with one click each; a reader (another account) marks two read and prints;
    the editor then sees that reader counted as finished once the third is read."""
    violations: list[str] = []
    editor, page = _person(browser, server, "test-editor", violations)
    page.goto(server + "/collections")
    page.get_by_label("Namn").fill("Upphandling i EU-projekt")
    page.get_by_role("button", name="Skapa samling").click()
    page.wait_for_url("**/edit")
    address = page.locator("a", has_text="/collections/").first.get_attribute("href")

    page.goto(server + "/")
    page.locator("#q").fill(QUESTION)
    page.get_by_role("button", name="Sök").click()
    page.wait_for_selector("section.lessons")
    for _ in range(3):
        page.locator("section.lessons form.add-to button:visible").first.click()
        page.wait_for_load_state()
    assert page.locator("section.lessons .added").count() == 3
    shot(page, "onboarding-search-added")

    page.goto(server + address + "/edit")
    page.locator("textarea[name=intro]").first.fill("Läs detta innan du skriver din första ansökan")
    page.get_by_role("button", name="Spara introduktionen").first.click()
    page.wait_for_load_state()
    shot(page, "onboarding-edit")

    reader, read = _person(browser, server, "test-reader", violations)
    read.goto(server + address)
    assert read.locator("a", has_text="test-reader").count() == 1
    assert read.get_by_role("link", name="Redigera").count() == 0  # a reader does not edit
    assert read.locator("li.path-item").count() == 3
    assert "Läs detta innan du skriver din första ansökan" in read.locator("li.path-item").first.inner_text()
    for _ in range(2):
        read.get_by_role("button", name="Markera som läst").first.click()
        read.wait_for_load_state()
    assert read.locator("li.path-item.is-read").count() == 2
    assert "Du har läst 2 av 3." in read.locator(".progress").inner_text()
    shot(read, "onboarding-reader")

    read.emulate_media(media="print")
    assert not read.locator("header.site").is_visible()
    assert not read.get_by_role("button", name="Markera som läst").is_visible()
    assert read.locator("li.path-item blockquote").first.is_visible()
    printed = read.pdf(format="A4")
    assert printed.startswith(b"%PDF-")
    read.emulate_media(media="screen")
    with read.expect_download() as download:
        read.get_by_role("link", name="Ladda ner som PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.goto(server + address + "/edit")
    assert "0 läsare har läst klart hela samlingen." in page.locator(".notice").inner_text()
    read.get_by_role("button", name="Markera som läst").first.click()
    read.wait_for_load_state()
    page.reload()
    assert "1 läsare har läst klart hela samlingen." in page.locator(".notice").inner_text()
    editor.close()
    reader.close()
    assert violations == []


def test_followup_view_shows_the_sample_totals_and_exports_csv(server, browser):  # noqa: F811
    """The follow-up view shows 4 projects, 5 550 000 EUR and 21 000 000 SEK, and its CSV has the same."""
    violations: list[str] = []
    context, page = _person(browser, server, "test-reader", violations)
    page.goto(server + "/followup")
    totals = page.locator("section[aria-labelledby=h-totals]").inner_text()
    assert "4 projekt" in totals
    assert "5\u00a0550\u00a0000 EUR" in totals and "21\u00a0000\u00a0000 SEK" in totals
    assert page.locator("figure.chart svg").count() == 6
    shot(page, "onboarding-followup")
    with page.expect_download() as download:
        page.locator("section[aria-labelledby=h-totals] a", has_text="Ladda ner CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert rows == [
        ["currency", "projects", "budget_total", "eu_funding"],
        ["EUR", "2", "5550000", "3665000"],
        ["SEK", "2", "21000000", "10500000"],
    ]
    context.close()
    assert violations == []
