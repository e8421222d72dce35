"""The web app through its HTTP interface: pages, their JSON twins, uploads and review."""

from __future__ import annotations

import time

import pytest

from tests.conftest import sample
from tests.logins import https_client, log_in
from tests.pdfs import text_pdf
from web.app import create_app
from web.search import highlight

SWEDISH_QUESTION = "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?"


APP_SETTINGS = {"max_file_mb": 1}


@pytest.fixture(scope="module")
def client(app_client):
    log_in(app_client, "admin")  # these tests exercise what the app does; tests/test_auth*.py check who may
    return app_client


def _wait_for(client, job_id: str) -> dict:
    for _ in range(300):
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError("the upload was not processed in time")


def test_search_page_is_swedish_and_finds_the_english_lesson(client):
    """The search page speaks Swedish by default and shows the English GreenFleet passage with its page link."""
    page = client.get("/", params={"q": SWEDISH_QUESTION})
    assert page.status_code == 200
    assert '<html lang="sv">' in page.text
    assert "Beskriv ditt planerade initiativ eller ställ en fråga" in page.text
    assert "GreenFleet BSR - Final report" in page.text
    assert "/pdf#page=4" in page.text


def test_english_switch_changes_the_interface(client):
    """?ui=en switches the interface to English and remembers it."""
    page = client.get("/", params={"ui": "en"})
    assert '<html lang="en">' in page.text and "Describe your planned initiative" in page.text
    assert '<html lang="en">' in client.get("/reports").text
    client.get("/", params={"ui": "sv"})


def test_api_search_is_the_twin_of_the_page(client):
    """/api/search returns the same lessons, projects and people as the page, as JSON."""
    data = client.get("/api/search", params={"q": SWEDISH_QUESTION}).json()
    assert data["lang"] == "sv" and not data["weak"]
    assert data["groups"][0]["report"]["title"] == "GreenFleet BSR - Final report"
    assert data["projects"][0]["programme"] == "Interreg Baltic Sea Region"
    assert "html" not in data["groups"][0]["hits"][0]


def test_no_good_match_suggests_broadening(client):
    """A query the reports do not touch says so on the page."""
    page = client.get("/", params={"q": "Hur prioriterar andra kommuner snöröjning på cykelvägar?"})
    assert "Ingen lärdom matchar detta väl." in page.text


def test_report_page_and_pdf(client):
    """The report page shows metadata and sections; the PDF is served inline with nosniff."""
    reports = client.get("/api/reports").json()
    greenfleet = next(r for r in reports if r["acronym"] == "GreenFleet")
    page = client.get(f"/reports/{greenfleet['id']}")
    assert "Interreg Baltic Sea Region" in page.text and "5 Lessons learned" in page.text
    pdf = client.get(f"/reports/{greenfleet['id']}/pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    assert pdf.headers["x-content-type-options"] == "nosniff"
    assert pdf.content.startswith(b"%PDF-")


def test_errors_are_friendly_pages_or_json(client):
    """A missing report is a friendly HTML page, or a JSON error under /api/, never a trace."""
    page = client.get("/reports/4242")
    assert page.status_code == 404 and "Sidan finns inte" in page.text and "Traceback" not in page.text
    api = client.get("/api/reports/4242")
    assert api.status_code == 404 and api.json() == {"error": "No report has id 4242; `kb reports` lists them."}


def test_upload_review_publish_then_search(client, tmp_path):
    """An upload is read in the background, stays out of search as a draft, and is found once published."""
    pdf = text_pdf(
        tmp_path / "skolgardar.pdf",
        [
            "Gröna skolgårdar - slutrapport\nProgram: Interreg Europe\nProjektperiod: 2020-2023",
            "5 Lärdomar\nEleverna planterade träd och buskar på skolgårdarna för att ge skugga under värmeböljor. "
            "Den viktigaste lärdomen är att skötseln måste vara planerad och budgeterad innan planteringen börjar, "
            "annars torkar träden ut den första sommaren. Fastighetsförvaltningen behöver vara med från början "
            "och eleverna kan ta ansvar för vattning under terminerna men inte under sommarlovet.",
        ],
    )
    with open(pdf, "rb") as fh:
        job = client.post("/api/uploads", files={"file": ("skolgardar.pdf", fh, "application/pdf")}).json()
    done = _wait_for(client, job["id"])
    assert done["state"] == "done", done
    report_id = done["report_id"]
    query = "skötsel av träd på skolgårdar under sommarlovet"
    assert all(g["report"]["id"] != report_id for g in client.get("/api/search", params={"q": query}).json()["groups"])
    review = client.get(f"/reports/{report_id}/review")
    assert 'name="title"' in review.text
    assert "skötseln måste vara planerad och budgeterad" in review.text  # the detected lesson, for review
    client.post(
        f"/reports/{report_id}/review",
        data={
            "title": "Gröna skolgårdar",
            "programme": "Interreg Europe",
            "period_start": "2020",
            "period_end": "2023",
            "publish": "1",
        },
    )
    found = client.get("/api/search", params={"q": query}).json()["groups"]
    assert found[0]["report"]["id"] == report_id and found[0]["report"]["title"] == "Gröna skolgårdar"


def test_duplicate_upload_points_to_the_existing_report(client):
    """Uploading a report already stored leads to that report instead of a copy."""
    with open(sample("example_aquaclean_final_report_en.pdf"), "rb") as fh:
        answer = client.post("/api/uploads", files={"file": ("again.pdf", fh, "application/pdf")}).json()
    assert answer["state"] == "duplicate" and answer["report_id"]


def test_a_non_pdf_upload_is_refused_by_content(client):
    """A text file named .pdf and sent as application/pdf is refused: content decides."""
    answer = client.post("/api/uploads", files={"file": ("x.pdf", b"hello, not a pdf" * 10, "application/pdf")})
    assert answer.status_code == 400 and "not a PDF" in answer.json()["error"]


def test_a_too_large_upload_is_refused(client):
    """Bodies over the size limit are refused with 413."""
    big = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    answer = client.post("/api/uploads", files={"file": ("big.pdf", big, "application/pdf")})
    assert answer.status_code == 413


def test_highlight_escapes_before_marking():
    """Text from PDFs is escaped first; only our <mark> tags are markup."""
    html = str(highlight("<script>alert(1)</script> procurement of buses", {"procurement"}, "en"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>procurement</mark>" in html


def test_healthz(client):
    """/healthz answers for deployment checks."""
    assert client.get("/healthz").json()["status"] == "ok"


def test_openapi_documents_the_json_twins(client):
    """The API routes are in the OpenAPI schema."""
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/search", "/api/reports", "/api/reports/{report_id}", "/api/uploads"} <= set(paths)


def test_review_form_corrects_a_section_kind(client):
    """A passage the reader misfiled can be reclassified in the review form, and filters follow."""
    reports = client.get("/api/reports").json()
    aquaclean = next(r for r in reports if r["acronym"] == "AquaClean")
    detail = client.get(f"/api/reports/{aquaclean['id']}").json()
    summary = next(s for s in detail["sections"] if s["kind"] == "summary")
    chunk_id = summary["passages"][0]["chunk_id"]
    form = {"title": aquaclean["title"], f"section:{chunk_id}": "lessons"}
    assert client.post(f"/reports/{aquaclean['id']}/review", data=form).status_code == 200
    kinds = {
        p["chunk_id"]: s["kind"]
        for s in client.get(f"/api/reports/{aquaclean['id']}").json()["sections"]
        for p in s["passages"]
    }
    assert kinds[chunk_id] == "lessons"
    hits = client.get("/api/search", params={"q": "advanced treatment at small plants", "section": "lessons"}).json()
    assert chunk_id in {h["chunk_id"] for g in hits["groups"] for h in g["hits"]}


def test_review_form_corrects_partners_and_contacts(client):
    """Partners and contacts extracted from a report are corrected, added and removed in the review form."""
    reports = client.get("/api/reports").json()
    greenfleet = next(r for r in reports if r["acronym"] == "GreenFleet")
    page = client.get(f"/reports/{greenfleet['id']}/review").text
    assert 'value="Norrvik municipality"' in page and 'value="anna.lindqvist@norrvik.example.org"' in page
    form = {
        "title": greenfleet["title"],
        "partner-1-name": "Norrvik kommun",
        "partner-1-country": "se",
        "partner-1-role": "lead partner",
        "partner-2-name": "Saarenpää City",
        "partner-2-country": "FI",
        "partner-2-role": "partner",
        "partner-2-remove": "1",
        "partner-3-name": "Baltic Ports Network",
        "partner-3-country": "LV",
        "partner-3-role": "associated",
        "contact-1-name": "Anna Lindqvist",
        "contact-1-email": "anna.lindqvist@norrvik.example.org",
        "contact-1-role": "Projektledare",
    }
    assert client.post(f"/reports/{greenfleet['id']}/review", data=form).status_code == 200
    detail = client.get(f"/api/reports/{greenfleet['id']}").json()
    assert [(p["name"], p["country"], p["role"]) for p in detail["partners"]] == [
        ("Norrvik kommun", "SE", "lead partner"),
        ("Baltic Ports Network", "LV", "associated"),
    ]
    assert [(c["name"], c["role"]) for c in detail["contacts"]] == [("Anna Lindqvist", "Projektledare")]


def test_browse_filters_by_programme(client):
    """The browse page lists reports with counts and filters them by programme."""
    page = client.get("/reports", params={"programme": "ESF+", "sort": "title"})
    assert "Digitalt stöd i hemtjänsten - slutrapport" in page.text and "GreenFleet BSR" not in page.text
    assert [r["programme"] for r in client.get("/api/reports", params={"programme": "ESF+"}).json()] == ["ESF+"]


def test_hostile_file_names_never_reach_a_path_and_are_escaped(client):
    """Upload names with ../, NUL, right-to-left marks, markup and 300 characters are shown escaped, stored nowhere."""
    from web.uploads import display_name

    hostile = "../../etc/passwd\x00\u202egpj." + "a" * 300 + "<script>x</script>.pdf"
    shown = display_name(hostile)
    assert "/" not in shown and "\x00" not in shown and "\u202e" not in shown and len(shown) <= 120
    pdf = sample("example_greenfleet_final_report_en.pdf").read_bytes() + b"\n% different bytes\n"
    job = client.post("/api/uploads", files={"file": (hostile, pdf, "application/pdf")}).json()
    done = _wait_for(client, job["id"])
    page = client.get(f"/reports/{done['report_id']}").text
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page


def test_started_without_a_model_the_app_loads_it_for_searching(tmp_path):
    """As `kb serve` starts it: the app loads the model to answer searches (every core on one query),
    not for bulk work (batches side by side, one core each), which `kb ingest` uses."""
    from kb.settings import Settings
    from tests.conftest import MODEL_CACHE

    app = create_app(Settings(data_dir=tmp_path / "data", model_cache=MODEL_CACHE))
    with https_client(app) as c:
        assert c.get("/healthz").status_code == 200
        model = app.state.kb.store.embedder._model
        assert model._side_by_side == 1 and model._pool is None


def test_uploads_an_earlier_run_left_unread_are_deleted_at_start(tmp_path, embedder):
    """A killed app forgets its queued jobs (they live in memory): their files would stay in
    DATA_DIR/uploads for good. The next start deletes them, and only them."""
    from kb.settings import Settings
    from tests.conftest import MODEL_CACHE

    settings = Settings(data_dir=tmp_path / "data", model_cache=MODEL_CACHE)
    left = settings.data_dir / "uploads"
    left.mkdir(parents=True)
    (left / "0123456789abcdef.pdf").write_bytes(b"%PDF-1.4 queued, never read")
    (left / "fedcba9876543210.csv.gz").write_bytes(b"\x1f\x8b register, never imported")
    beside = settings.data_dir / "notes.pdf"
    beside.write_bytes(b"%PDF-1.4 not an upload")
    with https_client(create_app(settings, embedder)) as c:
        assert c.get("/healthz").status_code == 200
        assert list(left.iterdir()) == []
    assert beside.exists()


def test_the_answer_on_top_cites_report_and_page_on_the_page_and_in_json(client):
    """Above the lessons, "Vad tidigare projekt lärt sig" gives sentences that each link to their report's PDF page;
    /api/search carries the same sentences with report, page and passage."""
    answer = client.get("/api/search", params={"q": SWEDISH_QUESTION}).json()["answer"]
    assert answer and all({"text", "report_id", "page", "chunk_id"} <= set(a) for a in answer)
    page = client.get("/", params={"q": SWEDISH_QUESTION}).text
    assert "Vad tidigare projekt lärt sig" in page
    assert f'/reports/{answer[0]["report_id"]}/pdf#page={answer[0]["page"]}' in page
