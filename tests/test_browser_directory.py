"""The partner directory in a real browser: an editor imports a register, finds the organisation, opens a
person; only an admin sees the person's correct/export/erase forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_browser import browser, log_in, page, server, shot  # noqa: F401 - fixtures shared with the main browser tests

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).parent / "fixtures"


def test_register_upload_directory_and_person_pages(server, page):  # noqa: F811
    """Upload the CSV list with its mapping, open the municipality's page, see its contacts' staleness, open one."""
    # the page fixture is an editor's, logged in through the form
    page.goto(server + "/")
    page.get_by_role("link", name="Importera register").click()
    page.get_by_label("Registerfil").set_input_files(str(FIXTURES / "linkoping_projektlista.csv"))
    page.get_by_label("Format").select_option("csv")
    page.get_by_label("Kolumner (bara för CSV): en rad Kolumn=fält per kolumn").fill(
        (FIXTURES / "linkoping_projektlista.map").read_text(encoding="utf-8")
    )
    page.get_by_role("button", name="Importera").click()
    page.wait_for_selector("text=3 projekt tillagda")  # the import's own page, refreshed until it is done
    assert "/jobs/" in page.url
    shot(page, "register-upload")
    page.get_by_role("link", name="Partner", exact=True).click()
    page.get_by_label("Namn").fill("Exempelstads")
    page.get_by_role("button", name="Visa").click()
    page.locator("table.organisations a", has_text="Exempelstads kommun").click()
    page.wait_for_selector("h1:has-text('Exempelstads kommun')")
    contacts = page.locator("#h-contacts + ul li")
    assert contacts.count() == 2
    assert "senast sedd" in contacts.first.inner_text()
    assert page.locator("#h-projects + ul li").count() == 3
    shot(page, "organisation")
    assert page.locator("form[action$='/merge']").count() == 0  # merging is an admin's
    contacts.first.locator("a").first.click()
    page.wait_for_selector("#h-seen")
    assert page.locator("dl.facts").inner_text().count("@exempelstad.example.org") == 1
    assert page.locator("#h-admin").count() == 0
    person_url = page.url
    log_in(page, server, "test-admin")
    page.goto(person_url)
    page.wait_for_selector("#h-admin")
    assert page.get_by_role("button", name="Ta bort personen").is_visible()
    shot(page, "person")


def test_search_band_links_people_and_organisations(server, page):  # noqa: F811
    """The people-and-partners band shows the evidence and links to the person's and the organisation's pages."""
    page.goto(server + "/?q=" + "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?")
    band = page.locator("section[aria-labelledby=h-people]")
    band.wait_for()
    assert "matchande lärdom" in band.inner_text()
    band.locator(".ranked-organisations a").first.click()
    page.wait_for_selector("#h-projects")
    assert page.locator("#h-projects + ul li").count() >= 1
    page.go_back()
    band.locator(".ranked-people a").first.click()
    page.wait_for_selector("#h-seen")
    shot(page, "search-person")
