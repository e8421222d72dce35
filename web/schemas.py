"""The JSON API's answers, as the OpenAPI schema documents them, and the errors every route can give."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


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
    snippet: tuple[int, int] | None = None  # offsets in text of the sentences that answer best; None: all of it


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


class AnswerSentence(BaseModel):
    """A sentence that states what an earlier project learned, with the report and page to read on."""

    text: str
    report_id: int
    page: int
    chunk_id: str
    title: str


class SearchOut(BaseModel):
    query: str
    lang: str
    weak: bool
    answer: list[AnswerSentence] = []  # "Vad tidigare projekt lärt sig": empty when nothing matches well
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


class OriginalOut(BaseModel):
    report_id: int
    original: str  # "redacted": the uploaded copy is what /reports/{id}/pdf serves now


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text} for status, text in _ERRORS.items()
}


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
