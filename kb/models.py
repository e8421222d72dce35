"""The domain's records: plain frozen dataclasses shared by catalog, index, search and ingest."""

from __future__ import annotations

from dataclasses import dataclass, field

SECTION_KINDS = ("lessons", "recommendations", "challenges", "results", "partners", "summary", "other", "register")
# "register": a project description imported from a project register: context, not a lesson.


@dataclass(frozen=True)
class ReportMeta:
    """What we know about a report beyond its text; every field may be unknown."""

    title: str | None = None
    acronym: str | None = None
    programme: str | None = None
    period_start: int | None = None
    period_end: int | None = None
    budget_total: float | None = None
    eu_funding: float | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Report:
    id: int
    sha256: str
    filename: str
    meta: ReportMeta
    pages: int
    lang: str
    ingested_at: str
    chunk_count: int = 0
    status: str = "published"
    department: str | None = None
    contact: str | None = None
    kind: str = "report"  # "report" (a PDF) or "register" (an entry imported from a project register)
    external_id: str | None = None  # e.g. "projektbanken:20200940"

    @property
    def published(self) -> bool:
        return self.status == "published"

    def as_json(self) -> dict:
        m = self.meta
        return {
            "id": self.id,
            "file": self.filename,
            "title": m.title or self.filename,
            "acronym": m.acronym,
            "programme": m.programme,
            "period_start": m.period_start,
            "period_end": m.period_end,
            "budget_total": m.budget_total,
            "eu_funding": m.eu_funding,
            "currency": m.currency,
            "pages": self.pages,
            "lang": self.lang,
            "chunks": self.chunk_count,
            "status": self.status,
            "department": self.department,
            "contact": self.contact,
            "sha256": self.sha256,
            "ingested_at": self.ingested_at,
            "kind": self.kind,
            "external_id": self.external_id,
        }


@dataclass(frozen=True)
class Chunk:
    """A passage of one section of one report, with the PDF pages it spans (1-based)."""

    id: str
    seq: int
    page_start: int
    page_end: int
    section: str
    heading: str
    lang: str
    text: str


@dataclass(frozen=True)
class Hit:
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
    extra: dict = field(default_factory=dict, compare=False)

    def as_json(self) -> dict:
        return {
            "chunk_id": self.chunk_id,
            "report_id": self.report_id,
            "file": self.file,
            "title": self.title,
            "page_start": self.page_start,
            "page_end": self.page_end,
            "section": self.section,
            "lang": self.lang,
            "text": self.text,
            "score": round(self.score, 6),
        }


@dataclass(frozen=True)
class Filters:
    """Narrow a search before ranking; ``None`` means any."""

    programme: str | None = None
    year: int | None = None  # the project ran during this year
    lang: str | None = None
    section: str | None = None
    report_id: int | None = None
    theme: str | None = None  # a key of kb.themes.THEMES

    @property
    def by_report(self) -> bool:
        return any(v is not None for v in (self.programme, self.year, self.report_id, self.theme))


@dataclass(frozen=True)
class Partner:
    """An organisation behind a project, as a report names it."""

    name: str
    country: str | None  # ISO 3166 alpha-2
    role: str  # "lead partner", "partner" or "associated"
    page: int
    acronym: str | None = None  # the short name the report gives it ("KWB"), when it gives one
    pages: tuple[int, ...] = ()  # every page that names it (``page`` is the first)


@dataclass(frozen=True)
class Contact:
    """A person to call. Personal data: shown to staff, erasable on request."""

    name: str
    role: str | None
    organisation: str | None
    email: str | None
    phone: str | None
    page: int
    pages: tuple[int, ...] = ()  # every page that names them (``page`` is the first)
    roles: tuple[str, ...] = ()  # all their roles in the report, the main one (``role``) first
