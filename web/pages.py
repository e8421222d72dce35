"""HTML pages. Each has a JSON twin in web.api built from the same view data."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ingest import erasure
from kb.directory.names import ORG_TYPES
from kb.errors import ReportNotFound
from kb.library.themes import BY_KEY, THEMES, set_themes
from kb.models import SECTION_KINDS, Contact, Filters, Partner, ReportMeta, Role
from kb.search.recommend import PartnerFilters
from kb.text import fields
from web import uploads
from web.api import ReportId
from web.app import render
from web.auth import AdminUser, EditorUser, UploadingUser, actor, can_edit, current_user, requires
from web.state import AppState
from web.views import search_view

router = APIRouter(include_in_schema=False)
PARTNER_ROLES = ("lead partner", "partner", "associated")
MAX_FIELD = 300  # a title, programme, name or organisation in the review form
YEARS = (1950, 2100)


def _state(request: Request) -> AppState:
    return request.app.state.kb


def _filters(
    programme: str | None, year: int | None, lang: str | None, section: str | None, theme: str | None = None
) -> Filters:
    return Filters(
        programme=programme or None, year=year, lang=lang or None, section=section or None, theme=theme or None
    )


@router.get("/", response_class=HTMLResponse, dependencies=[requires(Role.READER)])
def search_page(
    request: Request,
    q: str = "",
    programme: str = "",
    year: str = "",  # an empty form field arrives as ""
    lang: str = "",
    section: str = "",
    theme: str = "",
    country: str = "",
    org_type: str = "",
):
    state = _state(request)
    theme = theme if theme in BY_KEY else ""
    year_number = fields.optional_int(year, "year", 1900, 2100)  # an empty form field arrives as ""
    section = section if section in SECTION_KINDS else ""
    country = country.strip().upper()[:2] if country.strip().isalpha() else ""
    org_type = org_type if org_type in ORG_TYPES else ""
    partner_filters = PartnerFilters(country or None, org_type or None)
    filters = _filters(programme, year_number, lang, section, theme)
    view = search_view(state, q, filters, partner_filters=partner_filters) if q.strip() else None
    with state.lock:
        programmes = sorted(state.store.catalog.programmes())
    return render(
        request,
        "search.html",
        {
            "q": q,
            "view": view,
            "programmes": programmes,
            "sections": SECTION_KINDS,
            "themes": THEMES,
            "selected": {
                "programme": programme,
                "year": year_number or "",
                "lang": lang,
                "section": section,
                "theme": theme,
                "country": country,
                "org_type": org_type,
            },
            "org_types": ORG_TYPES,
        },
    )


@router.get("/reports", response_class=HTMLResponse, dependencies=[requires(Role.READER)])
def reports_page(request: Request, sort: str = "newest", programme: str = ""):
    from web.api import list_reports

    state = _state(request)
    rows = visible(request, list_reports(state, sort, programme))
    with state.lock:
        programmes = sorted(state.store.catalog.programmes())
    return render(
        request, "reports.html", {"reports": rows, "sort": sort, "programme": programme, "programmes": programmes}
    )


@router.get("/reports/{report_id}", response_class=HTMLResponse, dependencies=[requires(Role.READER)])
def report_page(request: Request, report_id: ReportId, replaced: str = ""):
    from web.api import report_detail

    detail = report_detail(_state(request), report_id)
    ensure_visible(request, detail["report"])
    editable = can_edit(current_user(request), detail["report"])
    return render(request, "report.html", {**detail, "can_edit": editable, "replaced": bool(replaced)})


@router.get("/reports/{report_id}/pdf", dependencies=[requires(Role.READER)])
def report_pdf(request: Request, report_id: ReportId, download: bool = False):
    state = _state(request)
    with state.lock:
        report = state.store.catalog.report(report_id)
    ensure_visible(request, report.as_json())
    if report.original == "withheld":
        raise HTTPException(410, WITHHELD)
    path = state.store.original_path(report.sha256)
    disposition = "attachment" if download else "inline"
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=uploads.pdf_download_name(report.filename),
        content_disposition_type=disposition,
        # no-store: a draft, or an original later withheld or redacted, must not live on in a browser cache
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )


WITHHELD = (
    "The original PDF of this report is withheld: a person it named was erased, and it could not be redacted "
    "automatically. An admin can upload a redacted copy on the report page."
)


async def replace_withheld(request: Request, report_id: int, upload: UploadFile) -> None:
    """An admin's redacted copy replaces a report's original (checked by signature, size and the sandboxed reader)."""
    state = _state(request)
    path, _, _ = await uploads.receive(upload, state.settings)
    try:
        await run_in_threadpool(
            erasure.replace_original, state.store, report_id, path, actor(request), lambda: state.lock
        )
    finally:
        path.unlink(missing_ok=True)


@router.post("/reports/{report_id}/original")
async def upload_original(request: Request, user: AdminUser, report_id: ReportId, file: Annotated[UploadFile, File()]):
    await replace_withheld(request, report_id, file)
    return RedirectResponse(f"/reports/{report_id}?replaced=1", status_code=303)


@router.get("/upload", response_class=HTMLResponse, dependencies=[requires(Role.EDITOR)])
def upload_page(request: Request):
    return render(request, "upload.html", {"max_mb": _state(request).settings.max_file_mb})


@router.post("/upload")
async def upload(request: Request, file: Annotated[UploadFile, File()], user: UploadingUser):
    job, existing = await uploads.accept(request, file)
    if existing is not None:
        return RedirectResponse(f"/reports/{existing.id}?duplicate=1", status_code=303)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse, dependencies=[requires(Role.EDITOR)])
def job_page(request: Request, job_id: str):
    from web.api import job_status

    job = job_status(request, job_id)
    if job["state"] == "done" and job["kind"] == "report":
        return RedirectResponse(f"/reports/{job['report_id']}/review", status_code=303)
    return render(request, "job.html", {"job": job})


@router.get("/reports/{report_id}/review", response_class=HTMLResponse)
def review_page(request: Request, user: EditorUser, report_id: ReportId, saved: str = ""):
    from web.api import report_detail

    detail = report_detail(_state(request), report_id)
    ensure_can_edit(user, detail["report"])
    return render(
        request,
        "review.html",
        {
            **detail,
            "detail_themes": detail["themes"],
            "saved": saved,
            "kinds": SECTION_KINDS,
            "partner_roles": PARTNER_ROLES,
            "themes": THEMES,
        },
    )


@router.post("/reports/{report_id}/review")
async def review_save(
    request: Request,
    user: EditorUser,
    report_id: ReportId,
    title: Annotated[str, Form()] = "",
    acronym: Annotated[str, Form()] = "",
    programme: Annotated[str, Form()] = "",
    period_start: Annotated[str, Form()] = "",
    period_end: Annotated[str, Form()] = "",
    budget_total: Annotated[str, Form()] = "",
    eu_funding: Annotated[str, Form()] = "",
    currency: Annotated[str, Form()] = "",
    department: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    publish: Annotated[str, Form()] = "",
):
    state = _state(request)
    with state.lock:
        report = state.store.catalog.report(report_id).as_json()
    ensure_can_edit(user, report)
    meta = ReportMeta(
        title=fields.text(title, "title", MAX_FIELD) or None,
        acronym=fields.text(acronym, "acronym", 40) or None,
        programme=fields.text(programme, "programme", MAX_FIELD) or None,
        period_start=fields.optional_int(period_start, "start year", *YEARS),
        period_end=fields.optional_int(period_end, "end year", *YEARS),
        budget_total=fields.optional_amount(budget_total, "total budget"),
        eu_funding=fields.optional_amount(eu_funding, "EU funding"),
        currency=fields.optional_currency(currency, "currency"),
    )
    if meta.period_start and meta.period_end and meta.period_start > meta.period_end:
        raise fields.FieldError(f"The start year {meta.period_start} comes after the end year {meta.period_end}.")
    department = fields.text(department, "department", MAX_FIELD)
    contact = fields.text(contact, "contact person", MAX_FIELD)
    form = await request.form()
    sections = {
        key.removeprefix("section:"): str(value)
        for key, value in form.multi_items()
        if key.startswith("section:") and str(value) in SECTION_KINDS
    }
    partners, contacts = _people_from_form(form)
    with state.lock:
        state.store.catalog.update_report(report_id, meta, department or None, contact or None)
        state.store.reclassify(report_id, sections)
        state.store.catalog.replace_people(report_id, partners, contacts)
        if form.get("themes_shown"):
            set_themes(state.store.catalog, report_id, [str(k) for k in form.getlist("theme") if str(k) in BY_KEY])
        state.store.catalog.audit(actor(request), "review", f"report {report_id}")
        if publish:
            state.store.catalog.publish(report_id)
            state.store.catalog.audit(actor(request), "publish", f"report {report_id}")
    return RedirectResponse(f"/reports/{report_id}/review?saved={'published' if publish else 'saved'}", 303)


def visible(request: Request, rows: list[dict]) -> list[dict]:
    """Published reports for everyone; a draft only for whoever may edit it."""
    user = current_user(request)
    return [r for r in rows if r["status"] == "published" or can_edit(user, r)]


def ensure_visible(request: Request, report: dict) -> None:
    if not visible(request, [report]):
        raise ReportNotFound(f"No report has id {report['id']}; `kb reports` lists them.")


def ensure_can_edit(user, report: dict) -> None:
    if not can_edit(user, report):
        raise HTTPException(403, "Only the editor who uploaded this report, or an admin, may change it.")


def _people_from_form(form) -> tuple[list[Partner], list[Contact]]:
    """Rows partner-N-* and contact-N-* of the review form; a row without a name, or ticked for removal, goes.
    Every value is checked (kb.text.fields): a wrong one is refused with a message naming its row."""

    def rows(prefix: str) -> list[tuple[int, dict[str, str]]]:
        found: dict[int, dict[str, str]] = {}
        for key, value in form.multi_items():
            parts = key.split("-", 2)
            if len(parts) == 3 and parts[0] == prefix:
                number = fields.optional_int(parts[1], f"{prefix} row number", 0, 100_000) or 0
                found.setdefault(number, {})[parts[2]] = str(value)
        return [(n, row) for n, row in sorted(found.items()) if row.get("name", "").strip() and not row.get("remove")]

    partners = [
        Partner(
            fields.text(r["name"], f"name of partner {n}", MAX_FIELD),
            fields.optional_country(r.get("country", ""), f"country of partner {n}"),
            r.get("role") if r.get("role") in PARTNER_ROLES else "partner",
            fields.optional_int(r.get("page", ""), f"page of partner {n}", 0, 100_000) or 0,
        )
        for n, r in rows("partner")
    ]
    contacts = [
        Contact(
            fields.text(r["name"], f"name of contact {n}", MAX_FIELD),
            fields.text(r.get("role", ""), f"role of contact {n}", MAX_FIELD) or None,
            fields.text(r.get("organisation", ""), f"organisation of contact {n}", MAX_FIELD) or None,
            fields.optional_email(r.get("email", ""), f"e-mail address of contact {n}"),
            _phone(r.get("phone", ""), f"phone number of contact {n}"),
            fields.optional_int(r.get("page", ""), f"page of contact {n}", 0, 100_000) or 0,
        )
        for n, r in rows("contact")
    ]
    return partners, contacts


def _phone(value: str, what: str) -> str | None:
    """A phone number as printed: digits, spaces and + ( ) - / only."""
    value = fields.text(value, what, 40)
    if value and not re.fullmatch(r"\+?[0-9 ()/.-]{5,}", value):
        raise fields.FieldError(f"The {what} {value!r} is not a phone number; use digits, spaces, + and -.")
    return value or None


@router.get("/healthz", dependencies=[requires(Role.PUBLIC)])
def healthz(request: Request) -> dict:
    from web.api import health

    return health(request)
