"""Reviewing an upload: what a person corrected of what was read (metadata, section kinds, partners, contacts,
themes), stored in one transaction together with publishing it, and audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kb.errors import KBError
from kb.library.themes import theme
from kb.models import SECTION_KINDS, Contact, Partner, ReportMeta
from kb.store.writer import Store


@dataclass(frozen=True)
class Review:
    meta: ReportMeta
    department: str | None = None
    contact: str | None = None
    sections: dict[str, str] | None = None  # chunk id -> section kind, where the reviewer chose one
    partners: Sequence[Partner] = ()
    contacts: Sequence[Contact] = ()
    themes: Sequence[str] | None = None  # None: the themes were not shown, so they stay as they are
    publish: bool = False


def review(store: Store, report_id: int, corrected: Review, actor: str) -> None:
    """Store the corrections (and publish) in one transaction; the index's filter fields follow."""
    sections = corrected.sections or {}
    wrong = sorted({kind for kind in sections.values() if kind not in SECTION_KINDS})
    if wrong:
        raise KBError(f"Unknown section kind {wrong[0]!r}; use one of {', '.join(SECTION_KINDS)}.")
    for key in corrected.themes or ():
        theme(key)
    with store.writing():
        changed = store.catalog.review_report(
            report_id,
            corrected.meta,
            corrected.department,
            corrected.contact,
            sections,
            corrected.partners,
            corrected.contacts,
            corrected.themes,
            corrected.publish,
        )
        store.sections_changed(report_id, changed)
    store.catalog.audit(actor, "review", f"report {report_id}")
    if corrected.publish:
        store.catalog.audit(actor, "publish", f"report {report_id}")
