"""The partner directory over HTTP: register upload, organisation and person pages with their JSON twins,
the people-and-partners band of search, hand merges and splits, and a person's data corrected, exported, erased;
each as the role it needs (tests/logins.py), and refused to the role below it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kb.directory.organisations import person_key
from tests.live_server import wait_for_job
from tests.logins import log_in

FIXTURES = Path(__file__).parent / "fixtures"
CSV = FIXTURES / "linkoping_projektlista.csv"
MAPPING = (FIXTURES / "linkoping_projektlista.map").read_text(encoding="utf-8")
ANNA = "anna.lindqvist@norrvik.example.org"
BUS_QUESTION = "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?"


@pytest.fixture(scope="module")
def client(app_client):
    return app_client


def _upload(client, fmt: str, mapping: str = "", path: Path = CSV, api: bool = True):
    with path.open("rb") as fh:
        return client.post(
            "/api/registers" if api else "/registers/upload",
            files={"file": (path.name, fh, "text/csv")},
            data={"format": fmt, "mapping": mapping},
        )


def test_register_upload_imports_and_reimport_updates(client):
    """An editor uploads the CSV list with its mapping: the form leads to the import's page, which ends
    with three projects added; the same upload again through the API changes nothing."""
    log_in(client, "reader")
    assert _upload(client, "csv", MAPPING).status_code == 403
    assert client.get("/registers/upload").status_code == 403
    log_in(client, "editor")
    assert 'name="csrf_token"' in client.get("/registers/upload").text
    sent = _upload(client, "csv", MAPPING, api=False)
    assert sent.status_code == 200 and re.search(r"/jobs/[0-9a-f]{32}$", str(sent.url))
    job = wait_for_job(client, str(sent.url).rsplit("/", 1)[1])
    assert (job["kind"], job["state"], job["done"], job["total"]) == ("register", "done", 3, 3)
    page = client.get(f"/jobs/{job['id']}")
    assert page.status_code == 200 and "3 projekt tillagda, 0 uppdaterade, 0 oförändrade" in page.text
    queued = _upload(client, "csv", MAPPING)
    assert queued.status_code == 202 and queued.json()["kind"] == "register"
    again = wait_for_job(client, queued.json()["id"])
    assert again["result"] == {"added": 0, "updated": 0, "unchanged": 3}
    log_in(client, "admin")
    imports = [e for e in client.get("/api/admin/audit").json() if e["action"] == "import register"][:2]
    assert [(e["actor"], e["outcome"]) for e in imports] == [
        ("test-editor", "0 projects added, 0 updated, 3 unchanged"),
        ("test-editor", "3 projects added, 0 updated, 0 unchanged"),
    ]


def test_register_upload_in_the_wrong_format_is_refused_clearly(client, tmp_path):
    """A CSV sent as Projektbanken, or without a mapping, is refused with the reason and nothing is stored."""
    log_in(client, "editor")
    before = len(client.get("/api/reports").json())
    wrong = _upload(client, "projektbanken")
    assert wrong.status_code == 400 and "not a Projektbanken JSON export" in wrong.json()["error"]
    assert "uploads/" not in wrong.json()["error"]  # the stored file's generated name is not shown
    unmapped = _upload(client, "csv")
    assert unmapped.status_code == 400 and "no column for title" in unmapped.json()["error"]
    page = _upload(client, "csv", "Projektnamnet=title", api=False)
    assert page.status_code == 400 and "Projektnamnet" in page.text
    odd = tmp_path / "odd.json"
    odd.write_text('[{"ärende-id": "1", "projektnamn": 5}]', encoding="utf-8")
    typed = _upload(client, "projektbanken", path=odd)
    assert typed.status_code == 400 and typed.json()["error"].startswith("odd.json does not read as projektbanken")
    assert len(client.get("/api/reports").json()) == before
    assert list((client.app.state.kb.settings.data_dir / "uploads").iterdir()) == []


def test_organisation_page_and_its_json_twin(client):
    """The municipality from the CSV list has a page with its projects, roles, contacts and last-seen dates."""
    log_in(client, None)
    assert client.get("/api/organisations").status_code == 401
    log_in(client, "reader")
    listing = client.get("/api/organisations", params={"q": "Exempelstads"}).json()
    assert listing["total"] == 1
    org_id = listing["organisations"][0]["id"]
    data = client.get(f"/api/organisations/{org_id}").json()
    assert data["roles"] == {"lead partner": 3}
    assert {c["name"] for c in data["contacts"]} == {"Sara Solberg", "Cyril Cykelsson"}
    assert all(c["last_seen"] and c["stale"] is False for c in data["contacts"])
    page = client.get(f"/organisations/{org_id}")
    assert page.status_code == 200
    for contact in data["contacts"]:
        assert contact["name"] in page.text and f"/people/{contact['person']}" in page.text
    assert "senast sedd" in page.text
    assert "/merge" not in page.text  # the hand corrections are an admin's
    log_in(client, "admin")
    assert f'action="/organisations/{org_id}/merge"' in client.get(f"/organisations/{org_id}").text
    log_in(client, "reader")
    assert client.get("/organisations/999999").status_code == 404
    assert "Exempelstads kommun" in client.get("/organisations", params={"q": "Exempel"}).text


def test_search_band_ranks_partners_with_evidence(client):
    """The bus question ranks GreenFleet's partners and contact with 'matching lessons in GreenFleet' evidence."""
    log_in(client, "reader")
    data = client.get("/api/search", params={"q": BUS_QUESTION}).json()
    organisations = data["partners"]["organisations"]
    assert organisations and organisations[0]["evidence"][0]["kind"] == "report"
    assert any(e["project"].startswith("GreenFleet") for o in organisations for e in o["evidence"])
    people = data["partners"]["people"]
    assert people[0]["email"] == ANNA and people[0]["evidence"][0]["passages"] >= 1
    page = client.get("/", params={"q": BUS_QUESTION})
    assert "matchande lärdomar i" in page.text or "matchande lärdom i" in page.text
    assert f"/people/{person_key(ANNA, 'Anna Lindqvist')}" in page.text
    countries = {o["country"] for o in organisations if o["country"]}
    other = sorted(countries)[0]
    filtered = client.get("/api/search", params={"q": BUS_QUESTION, "country": other}).json()["partners"]
    assert filtered["organisations"] and {o["country"] for o in filtered["organisations"]} == {other}
    assert client.get("/api/search", params={"q": BUS_QUESTION, "org_type": "nonsense"}).status_code == 422


def test_merge_and_split_by_hand(client):
    """An admin merges two organisations from the page and splits a name off again; both go to the audit log."""
    log_in(client, "reader")
    ids = {o["name"]: o["id"] for o in client.get("/api/organisations", params={"q": "by"}).json()["organisations"]}
    url, form = f"/organisations/{ids['Ostby stad']}/merge", {"other": str(ids["Västby kommun"])}
    assert client.post(url, data=form).status_code == 403
    log_in(client, "admin")
    assert client.post(url, data=form, headers={"X-CSRF-Token": ""}).status_code == 403  # no CSRF token, no merge
    assert len(client.get("/api/organisations", params={"q": "by"}).json()["organisations"]) == len(ids)
    merged = client.post(url, data=form, follow_redirects=False)
    assert merged.status_code == 303
    target = merged.headers["location"].split("?")[0]
    names = client.get("/api" + target).json()["names"]
    assert {n["name"] for n in names} == {"Ostby stad", "Västby kommun"}
    alias = next(n["alias"] for n in names if n["name"] == "Västby kommun")
    split = client.post(target + "/split", data={"alias": alias}, follow_redirects=False)
    assert split.status_code == 303
    assert [n["name"] for n in client.get("/api" + split.headers["location"].split("?")[0]).json()["names"]] == [
        "Västby kommun"
    ]
    assert client.post(target + "/merge", data={"other": "x"}).status_code == 400
    audit = client.app.state.kb.store.catalog.audit_entries()
    assert {"test-admin"} == {e["actor"] for e in audit if e["action"].startswith(("merge", "split"))}


def test_person_page_correct_and_export(client):
    """The person page lists where they appear; an admin corrects the phone and exports everything as JSON."""
    key = person_key(ANNA, "Anna Lindqvist")
    log_in(client, "reader")
    page = client.get(f"/people/{key}")
    assert page.status_code == 200 and "Anna Lindqvist" in page.text
    assert f"/people/{key}/correct" not in page.text and f"/people/{key}/erase" not in page.text
    assert client.post(f"/people/{key}/export").status_code == 403
    assert client.post(f"/api/people/{key}/export").status_code == 403
    log_in(client, "admin")
    page = client.get(f"/people/{key}")
    for action in ("correct", "export", "erase"):
        assert f'action="/people/{key}/{action}"' in page.text
    assert page.text.count('name="csrf_token"') >= 4  # the three forms and logout
    twin = client.get(f"/api/people/{key}").json()
    assert twin["person"]["email"] == ANNA and twin["appearances"][0]["project"]
    corrected = client.post(
        f"/people/{key}/correct",
        data={
            "name": "Anna Lindqvist",
            "role": "Projektledare",
            "organisation": "",
            "email": ANNA,
            "phone": "+46 13 00 00 00",
        },
        follow_redirects=False,
    )
    assert corrected.status_code == 303
    assert client.get(f"/api/people/{key}").json()["person"]["phone"] == "+46 13 00 00 00"
    export = client.post(f"/people/{key}/export")
    assert export.headers["content-disposition"].startswith("attachment")
    assert export.json()["contacts"][0]["email"] == ANNA
    assert client.get(f"/people/{key}/export").status_code == 405  # export is a POST


def test_erase_from_the_person_page_leaves_no_trace(client):
    """Erasing needs the confirmation; afterwards the person page, search and API show nothing of her."""
    key = person_key(ANNA, "Anna Lindqvist")
    log_in(client, "reader")
    assert client.post(f"/people/{key}/erase", data={"confirm": "yes"}).status_code == 403
    assert client.post(f"/api/people/{key}/erase").status_code == 403
    log_in(client, "editor")
    assert client.post(f"/api/people/{key}/erase").status_code == 403
    assert client.get(f"/api/people/{key}").json()["person"]["email"] == ANNA
    log_in(client, "admin")
    assert client.post(f"/people/{key}/erase", data={}).status_code == 400
    done = client.post(f"/people/{key}/erase", data={"confirm": "yes"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/organisations?erased=1"
    assert client.get(f"/people/{key}").status_code == 404
    for q in (BUS_QUESTION, "Anna Lindqvist", ANNA):
        data = client.get("/api/search", params={"q": q}).json()
        body = json.dumps({k: v for k, v in data.items() if k != "query"}, ensure_ascii=False)
        assert not re.search(r"anna\.lindqvist|Anna Lindqvist", body)
    audit = client.app.state.kb.store.catalog.audit_entries()
    assert any(e["action"] == "erase person" and e["actor"] == "test-admin" for e in audit)
