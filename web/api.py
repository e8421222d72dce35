"""The JSON twins of the pages, documented in the OpenAPI schema at /docs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Path, Query, Request, UploadFile
from pydantic import BaseModel

from kb.library.themes import BY_KEY, themes_of
from kb.models import SECTION_KINDS, Role
from kb.search.recommend import PartnerFilters
from web import uploads
from web.auth import AdminUser, UploadingUser, current_user, requires
from web.state import AppState
from web.views import search_view

ReportId = Annotated[int, Path(ge=1, le=2**63 - 1, description="A report id (SQLite's integer range)")]


class ErrorOut(BaseModel):
    """Every error of the API: one sentence that names the problem and the next step."""

    error: str


_ERRORS = {
    400: "The request cannot be carried out (e.g. the file is not a PDF)",
    404: "No such report or upload",
    413: "The upload is larger than the size limit",
    422: "A parameter has an invalid value",
    503: "Busy (upload queue full) or the search index is being rebuilt; see Retry-After",
}
router = APIRouter(
    prefix="/api",
    tags=["api"],
    responses={status: {"model": ErrorOut, "description": text} for status, text in _ERRORS.items()},
)


class SearchHit(BaseModel):
    chunk_id: str
    report_id: int
    file: str
    title: str
    page_start: int
    page_end: int
    section: str
    lang: str
    text: str
    score: float
    heading: str | None = None


class ReportOut(BaseModel):
    id: int
    file: str
    title: str
    acronym: str | None
    programme: str | None
    period_start: int | None
    period_end: int | None
    budget_total: float | None
    eu_funding: float | None
    currency: str | None
    pages: int
    lang: str
    chunks: int
    status: str
    department: str | None
    contact: str | None
    ingested_at: str
    kind: str = "report"
    external_id: str | None = None
    uploaded_by: str | None = None
    original: str = "kept"  # "redacted" after an erasure, or "withheld" until an admin uploads a redacted copy


class LessonGroup(BaseModel):
    report: ReportOut
    hits: list[SearchHit]


class Person(BaseModel):
    """A contact person or a partner organisation, with the evidence that ranks it."""

    kind: str  # "contact" or "partner"
    name: str
    role: str | None
    organisation: str | None
    email: str | None
    phone: str | None
    country: str | None
    report_id: int
    project: str
    matching_passages: int


class Evidence(BaseModel):
    report_id: int
    project: str
    kind: str  # "report" (matching lesson passages) or "register" (a matching register project)
    passages: int
    role: str | None


class RankedOrganisation(BaseModel):
    id: int
    name: str
    country: str | None
    org_type: str | None
    score: float
    evidence: list[Evidence]


class RankedPerson(BaseModel):
    person: str  # the id of the person's page, /people/{person}
    name: str
    role: str | None
    organisation_name: str | None
    organisation_id: int | None
    email: str | None
    phone: str | None
    last_seen: str | None
    stale: bool
    score: float
    evidence: list[Evidence]


class Recommendation(BaseModel):
    organisations: list[RankedOrganisation]
    people: list[RankedPerson]


class SearchOut(BaseModel):
    query: str
    lang: str
    weak: bool
    groups: list[LessonGroup]
    projects: list[ReportOut]
    people: list[Person]
    partners: Recommendation | None = None


class ReportDetail(BaseModel):
    report: ReportOut
    sections: list[dict[str, Any]]
    partners: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    themes: list[str] = []  # theme keys, see /api/themes
    uploaded_by: str | None = None


class RegisterCounts(BaseModel):
    added: int
    updated: int
    unchanged: int


class JobOut(BaseModel):
    """An upload's progress: a report (state queued, reading, embedding, storing, done or failed; then
    ``report_id``) or a register (``done`` of ``total`` projects embedded; then ``result``)."""

    id: str
    kind: str = "report"
    filename: str
    state: str
    message: str
    report_id: int | None
    done: int = 0
    total: int = 0
    result: RegisterCounts | None = None


def _state(request: Request) -> AppState:
    return request.app.state.kb


@router.get("/search", response_model=SearchOut, dependencies=[requires(Role.READER)])
def api_search(
    request: Request,
    q: Annotated[str, Query(max_length=4000, description="A question or a paragraph describing an initiative")],
    programme: str = "",
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    lang: Annotated[str, Query(pattern="^(|sv|en|[a-z]{2})$")] = "",
    section: Annotated[str, Query(pattern=f"^(|{'|'.join(SECTION_KINDS)})$", description="A section kind")] = "",
    k: Annotated[int, Query(ge=1, le=50)] = 20,
    theme: Annotated[str, Query(pattern=f"^(|{'|'.join(BY_KEY)})$", description="A theme key, see /api/themes")] = "",
    country: Annotated[str, Query(pattern="^(|[A-Za-z]{2})$", description="Partners from this country")] = "",
    org_type: Annotated[str, Query(pattern="^(|public|research|business|other)$")] = "",
):
    from web.pages import _filters

    partner_filters = PartnerFilters(country.upper() or None, org_type or None)
    filters = _filters(programme, year, lang, section, theme)
    view = search_view(_state(request), q, filters, k, partner_filters)
    for group in view["groups"]:
        for hit in group["hits"]:
            hit.pop("html", None)
    return view


def list_reports(state: AppState, sort: str = "newest", programme: str = "") -> list[dict]:
    with state.lock:
        rows = [r.as_json() for r in state.store.catalog.reports()]
    if programme:
        rows = [r for r in rows if r["programme"] == programme]
    key = {"title": lambda r: (r["title"] or "").lower(), "programme": lambda r: r["programme"] or ""}.get(sort)
    return sorted(rows, key=key) if key else sorted(rows, key=lambda r: -r["id"])


@router.get("/reports", response_model=list[ReportOut], dependencies=[requires(Role.READER)])
def api_reports(
    request: Request, sort: Annotated[str, Query(pattern="^(newest|title|programme)$")] = "newest", programme: str = ""
):
    from web.pages import visible

    return visible(request, list_reports(_state(request), sort, programme))


def report_detail(state: AppState, report_id: int) -> dict:
    with state.lock:
        report = state.store.catalog.report(report_id)
        chunks = state.store.catalog.chunks_of(report_id)
        partners = [asdict(p) for p in state.store.catalog.partners_of(report_id)]
        contacts = [asdict(c) for c in state.store.catalog.contacts_of(report_id)]
        themes = themes_of(state.store.catalog, report_id)
    sections: list[dict[str, Any]] = []
    for chunk in chunks:
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
        "report": report.as_json(),
        "sections": sections,
        "partners": partners,
        "contacts": contacts,
        "themes": themes,
    }


@router.get("/reports/{report_id}", response_model=ReportDetail, dependencies=[requires(Role.READER)])
def api_report(request: Request, report_id: ReportId):
    from web.pages import ensure_visible

    detail = report_detail(_state(request), report_id)
    ensure_visible(request, detail["report"])
    return {**detail, "uploaded_by": detail["report"]["uploaded_by"]}


def job_status(request: Request, job_id: str) -> dict:
    """An upload's job, for its uploader or an admin; a stored report deleted since makes it failed."""
    state = _state(request)
    job = state.jobs.get(job_id)
    user = current_user(request)
    owner = (job or {}).get("owner") or ""
    mine = job is not None and (user.role >= Role.ADMIN or owner.casefold() == (user.name or "").casefold())
    if not mine:
        raise HTTPException(404, f"No upload of yours has id {job_id}.")
    if job["state"] == "done" and job["report_id"] is not None:
        with state.lock:
            gone = state.store.catalog.report_by_id(job["report_id"]) is None
        if gone:
            job = {**job, "state": "failed", "message": f"Report {job['report_id']} was deleted after it was stored."}
    return job


@router.get("/jobs/{job_id}", response_model=JobOut, dependencies=[requires(Role.EDITOR)])
def api_job(request: Request, job_id: Annotated[str, Path(max_length=64)]):
    return job_status(request, job_id)


@router.post("/uploads", response_model=JobOut, status_code=202)
async def api_upload(request: Request, file: Annotated[UploadFile, File()], user: UploadingUser):
    job, existing = await uploads.accept(request, file)
    if existing is not None:
        return {
            "id": "",
            "filename": existing.filename,
            "state": "duplicate",
            "message": "already stored",
            "report_id": existing.id,
        }
    return job.as_json()


class OriginalOut(BaseModel):
    report_id: int
    original: str  # "redacted": the uploaded copy is what /reports/{id}/pdf serves now


@router.post("/reports/{report_id}/original", response_model=OriginalOut)
async def api_upload_original(
    request: Request, report_id: ReportId, file: Annotated[UploadFile, File()], user: AdminUser
):
    """Replace a report's withheld (or redacted) original PDF with a redacted copy (admins)."""
    from web.pages import replace_withheld

    await replace_withheld(request, report_id, file)
    return {"report_id": report_id, "original": "redacted"}


@router.get("/healthz", include_in_schema=False, dependencies=[requires(Role.PUBLIC)])
def api_health(request: Request):
    return health(request)


def health(request: Request) -> dict:
    state = _state(request)
    with state.lock:
        figures = state.store.catalog.stats()
    return {"status": "ok", "reports": figures["reports"], "chunks": figures["chunks"]}


ANSWERS_OF_EVERY_ROUTE = {
    **_ERRORS,
    400: "The request cannot be carried out",
    401: "Not logged in (POST /api/login first)",
    403: "The role is not enough, or the CSRF token is missing or wrong",
    404: "No such item",
    409: "Conflicts with what is stored (e.g. the account name is taken)",
    429: "Too many logins or uploads; try again later",
    503: "Busy or the search index is being rebuilt; see Retry-After",
}


def document_errors(app) -> None:
    """Every API route can answer these (the login guard, the body limit and the error handlers sit in
    front of all of them): the OpenAPI schema says so in each operation, with the ``{"error": …}`` body."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = generate()
            body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
            for path, operations in schema["paths"].items():
                if path.startswith("/api/"):
                    for operation in operations.values():
                        for status, text in ANSWERS_OF_EVERY_ROUTE.items():
                            operation["responses"].setdefault(str(status), {"description": text, "content": body})
        return app.openapi_schema

    app.openapi = openapi
