"""The domain's records: plain frozen dataclasses shared by catalog, index, search and ingest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum
from pathlib import Path

import numpy as np

from kb.errors import AccountError

SECTION_KINDS = (
    "lessons",
    "recommendations",
    "challenges",
    "results",
    "partners",
    "summary",
    "other",
    "references",
    "contents",
    "front_matter",
    "register",
)
# "references", "contents" (tables of contents, lists of figures, tables and abbreviations) and "front_matter"
# (covers, legal notices, document histories): a report's apparatus, stored and searchable but never a lesson,
# a theme's evidence or a partner's citation (APPARATUS_KINDS).
# "register": a project description imported from a project register: context, not a lesson.
APPARATUS_KINDS = ("references", "contents", "front_matter")
DOUBTFUL_TITLE_BELOW = 0.5


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
    subtitle: str | None = None
    title_confidence: float | None = None  # 0-1, how sure the reading is of the title; None: typed by a person

    @property
    def title_doubtful(self) -> bool:
        """Whether the review form should ask a person to check the title (DOUBTFUL_TITLE_BELOW)."""
        return self.title_confidence is not None and self.title_confidence < DOUBTFUL_TITLE_BELOW


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
    uploaded_by: str | None = None  # the account that uploaded it (None: ingested or imported by `kb`)
    original: str = "kept"  # the original PDF: "kept", "redacted" (a person was erased from it) or "withheld"
    reviewed_at: str | None = None  # when a person last reviewed it (their corrections outlive a re-reading)

    @property
    def published(self) -> bool:
        return self.status == "published"

    def as_json(self) -> dict:
        m = self.meta
        return {
            "id": self.id,
            "file": self.filename,
            "title": m.title or self.filename,
            "subtitle": m.subtitle,
            "title_confidence": m.title_confidence,
            "title_doubtful": m.title_doubtful,
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
            "uploaded_by": self.uploaded_by,
            "original": self.original,
            "reviewed_at": self.reviewed_at,
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
class NewReport:
    """A report as ingest read it, ready to store (kb.store.writer.Store.add): its passages and, once
    embedded, their vectors (one row per passage)."""

    sha256: str
    filename: str
    meta: ReportMeta
    pages: int
    lang: str
    chunks: Sequence[Chunk]
    vectors: np.ndarray | None = None  # None: the store embeds them
    source: Path | None = None  # the original file, kept beside the catalog
    replace: Report | None = None  # the older version this one replaces
    status: str = "published"  # or "draft": an upload waiting for its review
    partners: Sequence[Partner] = ()
    contacts: Sequence[Contact] = ()
    kind: str = "report"  # or "register": an entry of a project register
    external_id: str | None = None  # a register entry's id, e.g. "projektbanken:20200940"
    uploaded_by: str | None = None  # the account that uploaded it, which may edit it

    def with_vectors(self, vectors: np.ndarray) -> NewReport:
        return replace(self, vectors=vectors)


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
    theme: str | None = None  # a key of kb.library.themes.THEMES

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


class Role(IntEnum):
    """Each role may do everything the ones below it may."""

    PUBLIC = 0  # anyone, logged in or not (login page, health check)
    READER = 1  # search and browse published reports
    EDITOR = 2  # upload, review and publish, edit the reports they uploaded
    ADMIN = 3  # everything: delete, erase persons, merge organisations, accounts, the audit log

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Role:
        """An account's role by name: reader, editor or admin."""
        try:
            role = cls[text.strip().upper()]
        except KeyError:
            role = cls.PUBLIC
        if role is cls.PUBLIC:
            raise AccountError(f"Unknown role {text!r}; use reader, editor or admin.")
        return role


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: Role
    source: str  # "local" (password) or "oidc" (identity provider)
    disabled: bool
    epoch: int  # bumped on logout, password, role or state change: older sessions end
    created_at: str

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "role": self.role.label,
            "source": self.source,
            "disabled": self.disabled,
            "created_at": self.created_at,
        }
