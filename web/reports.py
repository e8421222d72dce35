"""Reports: the list, a report with its sections, its original PDF, the review form, deleting; with JSON twins.

A draft is visible only to the editor who uploaded it and to admins (kb.store.visibility)."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ingest import erasure
from kb.errors import ReportNotFound
from kb.library.themes import BY_KEY, THEMES, themes_of
from kb.models import SECTION_KINDS, Contact, Partner, ReportMeta, Role
from kb.store.review import Review, review
from kb.text import fields
from web import uploads
from web.auth import AdminUser, EditorUser, User, actor, can_edit, current_user, requires
from web.deps import RowId, StateDep
from web.schemas import ERROR_RESPONSES, OriginalOut, ReportDetail, ReportOut
from web.state import AppState
from web.templating import render

router = APIRouter()
api = APIRouter(prefix="/api", tags=["api"], responses=ERROR_RESPONSES)
READER = requires(Role.READER)
PARTNER_ROLES = ("lead partner", "partner", "associated")
MAX_FIELD = 300  # a title, programme, name or organisation in the review form
YEARS = (1950, 2100)
WITHHELD = (
    "The original PDF of this report is withheld: a person it named was erased, and it could not be redacted "
    "automatically. An admin can upload a redacted copy on the report page."
)


# -- what the pages show ----------------------------------------------------------------------
def listing(request: Request, state: AppState, sort: str, programme: str) -> list[dict]:
    rows = [r.as_json() for r in state.store.catalog.reports()]
    rows = visible(current_user(request), [r for r in rows if not programme or r["programme"] == programme])
    key = {"title": lambda r: (r["title"] or "").lower(), "programme": lambda r: r["programme"] or ""}.get(sort)
    return sorted(rows, key=key) if key else sorted(rows, key=lambda r: -r["id"])


def detail(request: Request, state: AppState, report_id: int, editing: bool = False) -> dict:
    """The report with its passages grouped into sections, its partners, contacts and themes: for whoever may
    see it (404 otherwise), or with ``editing`` for whoever may edit it (403 otherwise)."""
    catalog = state.store.catalog
    report = catalog.report(report_id).as_json()
    if editing:
        ensure_can_edit(current_user(request), report)
    elif not visible(current_user(request), [report]):
        raise ReportNotFound(f"No report has id {report_id}; `kb reports` lists them.")
    sections: list[dict[str, Any]] = []
    for chunk in catalog.chunks_of(report_id):
        if not sections or sections[-1]["heading"] != chunk.heading or sections[-1]["kind"] != chunk.section:
            sections.append({"heading": chunk.heading, "kind": chunk.section, "passages": []})
        sections[-1]["passages"].append(
            {
                "chunk_id": chunk.id,
                "page_start": chunk.page_start,
                "page_end": chunk.page_end,
                "lang": chunk.lang,
                "text": chunk.text,
            }
        )
    return {
        "report": report,
        "sections": sections,
        "partners": [asdict(p) for p in catalog.partners_of(report_id)],
        "contacts": [asdict(c) for c in catalog.contacts_of(report_id)],
        "themes": themes_of(catalog, report_id),
        "uploaded_by": report["uploaded_by"],
    }


def visible(user: User, rows: list[dict]) -> list[dict]:
    """Published reports for everyone; a draft only for whoever may edit it."""
    return [r for r in rows if r["status"] == "published" or can_edit(user, r)]


def ensure_can_edit(user: User, report: dict) -> None:
    if not can_edit(user, report):
        raise HTTPException(403, "Only the editor who uploaded this report, or an admin, may change it.")


# -- the list and a report ----------------------------------------------------------------------
@router.get("/reports", response_class=HTMLResponse, include_in_schema=False, dependencies=[READER])
def reports_page(request: Request, state: StateDep, sort: str = "newest", programme: str = ""):
    rows = listing(request, state, sort, programme)
    programmes = sorted(state.store.catalog.programmes())
    return render(
        request, "reports.html", {"reports": rows, "sort": sort, "programme": programme, "programmes": programmes}
    )


@api.get("/reports", response_model=list[ReportOut], dependencies=[READER])
def api_reports(
    request: Request,
    state: StateDep,
    sort: Annotated[str, Query(pattern="^(newest|title|programme)$")] = "newest",
    programme: str = "",
):
    return listing(request, state, sort, programme)


@router.get("/reports/{report_id}", response_class=HTMLResponse, include_in_schema=False, dependencies=[READER])
def report_page(request: Request, state: StateDep, report_id: RowId, replaced: str = ""):
    shown = detail(request, state, report_id)
    editable = can_edit(current_user(request), shown["report"])
    return render(request, "report.html", {**shown, "can_edit": editable, "replaced": bool(replaced)})


@api.get("/reports/{report_id}", response_model=ReportDetail, dependencies=[READER])
def api_report(request: Request, state: StateDep, report_id: RowId):
    return detail(request, state, report_id)


@router.get("/reports/{report_id}/pdf", include_in_schema=False, dependencies=[READER])
def report_pdf(request: Request, state: StateDep, report_id: RowId, download: bool = False):
    report = detail(request, state, report_id)["report"]
    if report["original"] == "withheld":
        raise HTTPException(410, WITHHELD)
    return FileResponse(
        state.store.original_path(report["sha256"]),
        media_type="application/pdf",
        filename=uploads.pdf_download_name(report["file"]),
        content_disposition_type="attachment" if download else "inline",
        # no-store: a draft, or an original later withheld or redacted, must not live on in a browser cache
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )


# -- an admin's redacted copy of a withheld original -------------------------------------------------
async def replace_withheld(request: Request, state: AppState, report_id: int, upload: UploadFile) -> None:
    """The copy replaces the report's original once signature, size and the sandboxed reader accept it."""
    path, _, _ = await uploads.receive(upload, state.settings)
    try:
        await run_in_threadpool(erasure.replace_original, state.store, report_id, path, actor(request))
    finally:
        path.unlink(missing_ok=True)


@router.post("/reports/{report_id}/original", include_in_schema=False)
async def upload_original(
    request: Request, state: StateDep, user: AdminUser, report_id: RowId, file: Annotated[UploadFile, File()]
):
    await replace_withheld(request, state, report_id, file)
    return RedirectResponse(f"/reports/{report_id}?replaced=1", status_code=303)


@api.post("/reports/{report_id}/original", response_model=OriginalOut)
async def api_upload_original(
    request: Request, state: StateDep, report_id: RowId, file: Annotated[UploadFile, File()], user: AdminUser
):
    """Replace a report's withheld (or redacted) original PDF with a redacted copy (admins)."""
    await replace_withheld(request, state, report_id, file)
    return {"report_id": report_id, "original": "redacted"}


# -- reviewing an upload --------------------------------------------------------------------------
@router.get("/reports/{report_id}/review", response_class=HTMLResponse, include_in_schema=False)
def review_page(request: Request, state: StateDep, user: EditorUser, report_id: RowId, saved: str = ""):
    shown = detail(request, state, report_id, editing=True)
    context = {
        **shown,
        "detail_themes": shown["themes"],
        "saved": saved,
        "kinds": SECTION_KINDS,
        "partner_roles": PARTNER_ROLES,
        "themes": THEMES,
    }
    return render(request, "review.html", context)


@router.post("/reports/{report_id}/review", include_in_schema=False)
async def review_save(
    request: Request,
    state: StateDep,
    user: EditorUser,
    report_id: RowId,
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
    ensure_can_edit(user, state.store.catalog.report(report_id).as_json())
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
    form = await request.form()
    partners, contacts = _people_from_form(form)
    corrected = Review(
        meta=meta,
        department=fields.text(department, "department", MAX_FIELD) or None,
        contact=fields.text(contact, "contact person", MAX_FIELD) or None,
        sections={
            key.removeprefix("section:"): str(value)
            for key, value in form.multi_items()
            if key.startswith("section:") and str(value) in SECTION_KINDS
        },
        partners=partners,
        contacts=contacts,
        themes=[str(k) for k in form.getlist("theme") if str(k) in BY_KEY] if form.get("themes_shown") else None,
        publish=bool(publish),
    )
    await run_in_threadpool(review, state.store, report_id, corrected, actor(request))
    return RedirectResponse(f"/reports/{report_id}/review?saved={'published' if publish else 'saved'}", 303)


def _people_from_form(form: FormData) -> tuple[list[Partner], list[Contact]]:
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
            r["role"] if r.get("role") in PARTNER_ROLES else "partner",
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


# -- deleting a report ----------------------------------------------------------------------------
def _delete(state: AppState, admin: str, report_id: int) -> int:
    report = state.store.catalog.report(report_id)
    removed = state.store.delete_report(report_id)
    state.store.catalog.audit(admin, "delete", f"report {report_id} ({report.filename})", f"ok: {removed} chunks")
    return removed


@router.post("/reports/{report_id}/delete", include_in_schema=False)
def report_delete(state: StateDep, admin: AdminUser, report_id: RowId):
    _delete(state, admin.actor, report_id)
    return RedirectResponse("/reports?deleted=1", status_code=303)


@api.delete("/reports/{report_id}", status_code=204)
def api_report_delete(state: StateDep, admin: AdminUser, report_id: RowId):
    """Delete a report with its passages, vectors and original PDF."""
    _delete(state, admin.actor, report_id)


routers = (router, api)  # the pages, and their JSON twins under /api
