"""Collections, the start page, themes and the follow-up view through the web app and their JSON twins."""

from __future__ import annotations

import csv
import io
import re

import pytest
from pypdf import PdfReader

from tests.logins import account_name, https_client, log_in
from web.app import create_app


@pytest.fixture(scope="module")
def client(app_client):
    log_in(app_client, "editor")  # editors build collections; readers get their own client below
    return app_client


def _as(client, role: str | None):
    """Another browser on the same app, logged in as test-<role> (None: not logged in)."""
    other = https_client(client.app)
    log_in(other, role)
    return other


def _acronyms(client) -> dict[str, int]:
    return {r["acronym"]: r["id"] for r in client.get("/api/reports").json()}


def _new_collection(client, name: str) -> int:
    response = client.post("/collections", data={"name": name}, follow_redirects=False)
    assert response.status_code == 303
    return int(response.headers["location"].split("/")[2])


def test_start_page_introduces_priorities_collections_reports_and_themes(client):
    """The start page names the three priority areas, recent reports and the themes with most lessons."""
    page = client.get("/start")
    assert page.status_code == 200
    for name in (
        "Verksamhetsutveckling och kunskapsutbyten",
        "Omvärldsbevakning och påverkan",
        "Profilering och investeringsfrämjande",
        "GreenFleet BSR - Final report",
        "Digitalisering",
    ):
        assert name in page.text
    data = client.get("/api/start").json()
    assert [p["key"] for p in data["priorities"]] == [
        "priority-development",
        "priority-monitoring",
        "priority-profiling",
    ]
    assert data["themes"][0]["lessons"] >= data["themes"][-1]["lessons"] > 0
    assert len(data["recent"]) == 4
    assert "Organisational development and knowledge exchange" in client.get("/start", params={"ui": "en"}).text
    client.get("/start", params={"ui": "sv"})


def test_followup_page_and_twin_show_the_hand_counted_totals(client):
    """The follow-up page shows 4 projects and the euro and krona totals; /api/followup has the same figures."""
    page = client.get("/followup")
    assert page.status_code == 200
    assert "5\u00a0550\u00a0000 EUR" in page.text and "21\u00a0000\u00a0000 SEK" in page.text
    assert page.text.count("<svg") == 6 and "<script src" not in page.text
    data = client.get("/api/followup").json()
    assert data["projects"] == 4
    assert [(t["currency"], t["budget_total"], t["eu_funding"]) for t in data["totals"]] == [
        ("EUR", 5_550_000, 3_665_000),
        ("SEK", 21_000_000, 10_500_000),
    ]


def test_followup_csv_exports(client):
    """Each table exports as CSV with a header; programme rows carry the hand-counted amounts."""
    response = client.get("/followup/programme.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["programme", "currency", "projects", "budget_total", "eu_funding"]
    assert ["Interreg Baltic Sea Region", "EUR", "1", "2450000", "1960000"] in rows
    countries = list(csv.reader(io.StringIO(client.get("/followup/countries.csv").content.decode("utf-8-sig"))))
    assert ["SE", "3", "2"] in countries
    assert client.get("/followup/nonsense.csv").status_code == 400


def test_add_from_search_results_read_and_finish(client):
    """An editor adds three passages from the search page; a reader marks them read and counts as finished."""
    cid = _new_collection(client, "Upphandling i EU-projekt")
    page = client.get("/", params={"q": "gemensam upphandling av elbussar"})
    refs = re.findall(r'name="kind" value="passage"><input type="hidden" name="ref" value="([^"]+)"', page.text)
    assert len(refs) >= 3
    for ref in refs[:3]:
        added = client.post(
            "/collections/items",
            data={"collection": cid, "kind": "passage", "ref": ref, "next": "/?q=x"},
            follow_redirects=False,
        )
        assert added.status_code == 303 and added.headers["location"] == "/?q=x"
    assert client.get("/", params={"q": "gemensam upphandling av elbussar"}).text.count("I samlingen") >= 3
    items = client.get(f"/api/collections/{cid}").json()["items"]
    assert [i["ref"] for i in items] == refs[:3]
    reader = _as(client, "reader")
    for item in items:
        reader.post(f"/collections/{cid}/items/{item['id']}/read", data={"read": "1"})
    assert reader.get(f"/api/collections/{cid}").json()["read_count"] == 3
    assert client.get(f"/api/collections/{cid}").json()["read_count"] == 0  # another reader
    assert "1 läsare har läst klart hela samlingen." in client.get(f"/collections/{cid}/edit").text


def test_editor_orders_and_introduces_items(client):
    """An introduction is saved and shown to readers; moving an item down changes the order."""
    cid = _new_collection(client, "EU-introduktion för nya medarbetare")
    ids = _acronyms(client)
    for acronym in ("GreenFleet", "AquaClean"):
        client.post("/collections/items", data={"collection": cid, "kind": "report", "ref": ids[acronym]})
    first, second = [i["id"] for i in client.get(f"/api/collections/{cid}").json()["items"]]
    client.post(f"/collections/{cid}/items/{first}", data={"action": "intro", "intro": "Läs detta först"})
    client.post(f"/collections/{cid}/items/{first}", data={"action": "down"})
    data = client.get(f"/api/collections/{cid}").json()
    assert [i["id"] for i in data["items"]] == [second, first]
    assert "Läs detta först" in client.get(f"/collections/{cid}").text


def test_collection_pdf_keeps_swedish_letters(client):
    """The PDF export holds the name, the introduction and the passage with å, ä and ö intact."""
    cid = _new_collection(client, "Lärdomar för förvaltningen – Östergötland")
    chunk = client.get(f"/api/reports/{_acronyms(client)['ByaFiber']}").json()["sections"][-2]["passages"][0]
    client.post(
        f"/api/collections/{cid}/items",
        json={"kind": "passage", "ref": chunk["chunk_id"], "intro": "Läs detta innan du skriver din första ansökan"},
    )
    response = client.get(f"/collections/{cid}/pdf")
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Lärdomar för förvaltningen – Östergötland" in text
    assert "Läs detta innan du skriver din första ansökan" in text
    assert chunk["text"][:40] in " ".join(text.split())


def test_add_refuses_unknown_targets_and_foreign_redirects(client):
    """A missing passage gives a clear 400; a 'next' address on another site is not followed."""
    cid = _new_collection(client, "Test")
    bad = client.post(f"/api/collections/{cid}/items", json={"kind": "passage", "ref": "missing"})
    assert bad.status_code == 400 and "no passage 'missing'" in bad.json()["error"]
    chunk = client.get(f"/api/reports/{_acronyms(client)['AquaClean']}").json()["sections"][0]["passages"][0]
    response = client.post(
        "/collections/items",
        data={"collection": cid, "kind": "passage", "ref": chunk["chunk_id"], "next": "//evil.example"},
        follow_redirects=False,
    )
    assert response.headers["location"].startswith(f"/collections/{cid}/edit")
    assert client.get("/collections/9999").status_code == 404


def test_review_form_corrects_themes_and_the_filter_follows(client):
    """Ticking culture in the review form stores it, and the search filter then finds the report under culture."""
    admin = _as(client, "admin")  # the samples have no uploader: only an admin reviews them
    rid = _acronyms(client)["AquaClean"]
    form = admin.get(f"/reports/{rid}/review").text
    assert 'name="theme" value="climate" form="review" checked' in form
    admin.post(
        f"/reports/{rid}/review",
        data={
            "title": "AquaClean LIFE - Final report",
            "themes_shown": "1",
            "theme": ["culture", "priority-monitoring"],
        },
    )
    assert 'value="culture" form="review" checked' in admin.get(f"/reports/{rid}/review").text
    hits = client.get("/api/search", params={"q": "läkemedelsrester i avloppsvatten", "theme": "culture"}).json()
    assert {g["report"]["id"] for g in hits["groups"]} == {rid}
    assert client.get("/api/search", params={"q": "x", "theme": "weather"}).status_code == 422


def test_report_page_and_twin_show_the_themes(client):
    """The report page links its themes to the search filter; /api/reports/{id} lists their keys."""
    rid = _acronyms(client)["GreenFleet"]
    assert "transport" in client.get(f"/api/reports/{rid}").json()["themes"]
    assert 'href="/?theme=transport">Transporter och mobilitet</a>' in client.get(f"/reports/{rid}").text


def test_featured_collections_lead_the_start_page(client):
    """A collection created as featured is the one the start page shows."""
    client.post("/collections", data={"name": "Första veckan", "featured": "1"})
    names = [c["name"] for c in client.get("/api/start").json()["collections"]]
    assert names == ["Första veckan"]
    assert "Första veckan" in client.get("/start").text


def test_readers_read_but_only_editors_build(client):
    """A reader sees collections and marks items read, but gets no add buttons and may not create or change one."""
    cid = _new_collection(client, "Bara för redaktörer att ändra")
    item = client.post(
        f"/api/collections/{cid}/items", json={"kind": "report", "ref": str(_acronyms(client)["GreenFleet"])}
    ).json()["id"]
    reader = _as(client, "reader")
    assert reader.get(f"/collections/{cid}").status_code == 200
    assert "/edit" not in reader.get(f"/collections/{cid}").text
    assert 'action="/collections/items"' not in reader.get("/", params={"q": "elbussar"}).text
    assert reader.post("/collections", data={"name": "Min egen"}, follow_redirects=False).status_code == 403
    assert reader.post(f"/api/collections/{cid}/items", json={"kind": "report", "ref": "1"}).status_code == 403
    assert reader.post(f"/collections/{cid}/delete", follow_redirects=False).status_code == 403
    assert reader.post(f"/api/collections/{cid}/items/{item}/read", json={"read": True}).json()["read_count"] == 1
    assert client.get(f"/api/collections/{cid}").json()["read_count"] == 0


def test_read_progress_belongs_to_the_account(client):
    """The same reader logged in from another browser sees their progress; a logged-out visitor is sent to log in."""
    cid = _new_collection(client, "Följer med kontot")
    item = client.post(
        f"/api/collections/{cid}/items", json={"kind": "report", "ref": str(_acronyms(client)["ByaFiber"])}
    ).json()["id"]
    _as(client, "reader").post(f"/collections/{cid}/items/{item}/read", data={"read": "1"})
    assert _as(client, "reader").get(f"/api/collections/{cid}").json()["read_count"] == 1
    visitor = _as(client, None)
    assert visitor.post(f"/api/collections/{cid}/items/{item}/read", json={"read": True}).status_code == 401
    assert visitor.get(f"/collections/{cid}", follow_redirects=False).headers["location"].startswith("/login?next=")


def test_collection_forms_carry_the_csrf_token(client):
    """Every form on the collection pages carries the session's token, and a form posted without it is refused."""
    cid = _new_collection(client, "Formulär med token")
    client.post(f"/api/collections/{cid}/items", json={"kind": "report", "ref": str(_acronyms(client)["ByaFiber"])})
    for path in ("/collections", f"/collections/{cid}", f"/collections/{cid}/edit", "/?q=elbussar"):
        text = client.get(path).text
        forms = re.findall(r'<form method="post".*?</form>', text, re.S)
        assert forms and all('name="csrf_token"' in f for f in forms), path
    token = client.headers.pop("X-CSRF-Token")
    try:
        refused = client.post(f"/collections/{cid}/edit", data={"name": "Utan token"}, follow_redirects=False)
        assert refused.status_code == 403
        saved = client.post(
            f"/collections/{cid}/edit", data={"name": "Med token", "csrf_token": token}, follow_redirects=False
        )
        assert saved.status_code == 303
    finally:
        client.headers["X-CSRF-Token"] = token
    assert client.get(f"/api/collections/{cid}").json()["name"] == "Med token"


def test_collection_changes_are_audited_with_the_editor_named(client):
    """Creating, editing, adding to, removing from and deleting a collection are audited under the editor."""
    cid = _new_collection(client, "Granskas i loggen")
    item = client.post(
        f"/api/collections/{cid}/items", json={"kind": "report", "ref": str(_acronyms(client)["GreenFleet"])}
    ).json()["id"]
    client.post(f"/collections/{cid}/edit", data={"name": "Granskas i loggen, ändrad"})
    client.post(f"/collections/{cid}/items/{item}", data={"action": "remove"})
    client.post(f"/collections/{cid}/delete")
    entries = _as(client, "admin").get("/api/admin/audit", params={"limit": 50}).json()
    ours = re.compile(rf"collection {cid}(:|$)")
    mine = [(e["action"], e["actor"]) for e in entries if ours.match(e["target"])]
    assert set(mine) == {
        ("create collection", account_name("editor")),
        ("add to collection", account_name("editor")),
        ("edit collection", account_name("editor")),
        ("remove from collection", account_name("editor")),
        ("delete collection", account_name("editor")),
    }


def test_an_anonymous_reader_is_asked_to_log_in_to_keep_progress(tmp_path, embedder):
    """With KB_ANONYMOUS_READ a visitor may read collections, but marking an item read asks them to log in."""
    from kb.settings import Settings
    from tests.conftest import MODEL_CACHE

    settings = Settings(data_dir=tmp_path / "data", model_cache=MODEL_CACHE, anonymous_read=True)
    with https_client(create_app(settings, embedder)) as c:
        log_in(c, "editor")
        cid = c.post("/api/collections", json={"name": "Öppen för alla"}).json()["id"]
        log_in(c, None)
        assert c.get(f"/api/collections/{cid}").json()["read_count"] == 0
        answer = c.post(f"/api/collections/{cid}/items/1/read", json={"read": True})
        assert answer.status_code == 401
