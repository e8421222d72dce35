"""Collections (reading paths): an editor's named, ordered list of passages, reports and contacts.

Each item has a short introduction ("Läs detta innan du skriver din första ansökan"). Readers
mark items as read; a reader has finished a collection when every item it holds now is read.
Items point at catalog rows: a passage by chunk id, a report by id, a contact by report id and
e-mail address (or name). An item whose target has gone (a deleted report, an erased person)
stays visible as unavailable until the editor removes it. Tables: ``collections``,
``collection_items``, ``collection_reads`` (kb.catalog.database SCHEMA).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal, get_args

from kb.catalog import collections as tables
from kb.catalog.database import Catalog
from kb.errors import KBError, ReportNotFound
from kb.text import fields

ItemKind = Literal["passage", "report", "contact"]
ITEM_KINDS: tuple[str, ...] = get_args(ItemKind)
MAX_NAME = 200
MAX_TEXT = 2000


class CollectionNotFound(ReportNotFound):
    """No collection or item has that id (a not-found error, answered with 404 like a missing report)."""


@dataclass(frozen=True)
class Item:
    id: int
    position: int
    kind: str
    ref: str
    intro: str
    available: bool
    title: str = ""
    text: str = ""
    report_id: int | None = None
    page: int | None = None
    lang: str | None = None
    section: str | None = None
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Collection:
    id: int
    name: str
    description: str
    featured: bool
    created_by: str
    created_at: str
    updated_at: str
    item_count: int = 0
    finished: int = 0  # readers who have read every item
    items: list[Item] = field(default_factory=list)

    def as_json(self) -> dict:
        data = asdict(self)
        data["items"] = [asdict(i) for i in self.items]
        return data


def _clean(text: str, limit: int, what: str) -> str:
    return fields.text(text, what, limit, one_line=limit == MAX_NAME)


def create(catalog: Catalog, name: str, description: str = "", actor: str = "web", featured: bool = False) -> int:
    name = _clean(name, MAX_NAME, "collection name")
    if not name:
        raise KBError("A collection needs a name, e.g. 'EU-introduktion för nya medarbetare'.")
    return tables.insert(catalog, name, _clean(description, MAX_TEXT, "description"), featured, actor)


def update(catalog: Catalog, collection_id: int, name: str, description: str, featured: bool) -> None:
    summary(catalog, collection_id)
    name = _clean(name, MAX_NAME, "collection name")
    if not name:
        raise KBError("A collection needs a name.")
    tables.update(catalog, collection_id, name, _clean(description, MAX_TEXT, "description"), featured)


def delete(catalog: Catalog, collection_id: int) -> None:
    if not tables.delete(catalog, collection_id):
        raise CollectionNotFound(f"No collection has id {collection_id}.")


def _summary(row) -> Collection:
    return Collection(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        featured=bool(row["featured"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        item_count=row["item_count"],
        finished=row["finished"] if row["item_count"] else 0,
    )


def all_collections(catalog: Catalog, featured_only: bool = False) -> list[Collection]:
    return [_summary(r) for r in tables.summaries(catalog, featured_only)]


def summary(catalog: Catalog, collection_id: int) -> Collection:
    row = tables.summary(catalog, collection_id)
    if row is None:
        raise CollectionNotFound(f"No collection has id {collection_id}; /collections lists them.")
    return _summary(row)


def get(catalog: Catalog, collection_id: int) -> Collection:
    """The collection with its items in order, each resolved against the catalog."""
    head = summary(catalog, collection_id)
    rows = tables.items(catalog, collection_id)
    chunks = _published_chunks(catalog, [r["ref"] for r in rows if r["kind"] == "passage"])
    items = [_resolve(catalog, r, chunks) for r in rows]
    return Collection(**{**asdict(head), "items": items})


def _resolve(catalog: Catalog, row, chunks) -> Item:
    base = {"id": row["id"], "position": row["position"], "kind": row["kind"], "ref": row["ref"], "intro": row["intro"]}
    if row["kind"] == "passage" and row["ref"] in chunks:
        chunk, report = chunks[row["ref"]]
        return Item(
            **base,
            available=True,
            title=report.meta.title or report.filename,
            text=chunk.text,
            report_id=report.id,
            page=chunk.page_start,
            lang=chunk.lang,
            section=chunk.section,
            details={"heading": chunk.heading},
        )
    if row["kind"] == "report":
        report = _report(catalog, row["ref"])
        if report is not None:
            m = report.meta
            return Item(
                **base,
                available=True,
                title=m.title or report.filename,
                report_id=report.id,
                lang=report.lang,
                details={"programme": m.programme, "period_start": m.period_start, "period_end": m.period_end},
            )
    if row["kind"] == "contact":
        found = _contact(catalog, row["ref"])
        if found is not None:
            report, contact = found
            return Item(
                **base,
                available=True,
                title=contact.name,
                report_id=report.id,
                page=contact.page,
                details={
                    "role": contact.role,
                    "organisation": contact.organisation,
                    "email": contact.email,
                    "phone": contact.phone,
                    "project": report.meta.acronym or report.meta.title or report.filename,
                },
            )
    return Item(**base, available=False)


def _published_chunks(catalog: Catalog, refs: list[str]) -> dict:
    """Passages of published reports only: a draft is seen by its uploader and admins, never through a collection."""
    return {ref: found for ref, found in catalog.chunks_with_reports(refs).items() if found[1].published}


def _report(catalog: Catalog, ref: str):
    """The published report behind a ref; None for drafts and unknown ids."""
    try:
        report = catalog.report(fields.row_id(ref, "report number"))
    except KBError:
        return None
    return report if report.published else None


def _contact(catalog: Catalog, ref: str):
    report_ref, _, who = ref.partition(":")
    report = _report(catalog, report_ref)
    if report is None:
        return None
    for contact in catalog.contacts_of(report.id):
        if who.lower() in {(contact.email or "").lower(), contact.name.lower()}:
            return report, contact
    return None


def contact_ref(report_id: int, email: str | None, name: str) -> str:
    return f"{report_id}:{email or name}"


def add_item(catalog: Catalog, collection_id: int, kind: str, ref: str, intro: str = "") -> int:
    """Append an item (or return the one already there); the target must exist."""
    summary(catalog, collection_id)
    if kind not in ITEM_KINDS:
        raise KBError(f"Unknown item kind {kind!r}; use one of {', '.join(ITEM_KINDS)}.")
    ref = ref.strip()
    exists = {
        "passage": lambda: bool(_published_chunks(catalog, [ref])),
        "report": lambda: _report(catalog, ref) is not None,
        "contact": lambda: _contact(catalog, ref) is not None,
    }[kind]
    if not exists():
        raise KBError(f"There is no {kind} {ref!r} to add; it may have been deleted. Search again.")
    return tables.add_item(catalog, collection_id, kind, ref, _clean(intro, MAX_TEXT, "introduction"))


def _item_collection(catalog: Catalog, item_id: int, collection_id: int) -> None:
    if not tables.has_item(catalog, collection_id, item_id):
        raise CollectionNotFound(f"Collection {collection_id} has no item {item_id}.")


def set_intro(catalog: Catalog, collection_id: int, item_id: int, intro: str) -> None:
    _item_collection(catalog, item_id, collection_id)
    tables.set_intro(catalog, item_id, _clean(intro, MAX_TEXT, "introduction"))


def remove_item(catalog: Catalog, collection_id: int, item_id: int) -> None:
    _item_collection(catalog, item_id, collection_id)
    tables.remove_item(catalog, item_id)


def move_item(catalog: Catalog, collection_id: int, item_id: int, step: int) -> None:
    """Move an item one place up (step -1) or down (+1); positions are renumbered 1..n."""
    _item_collection(catalog, item_id, collection_id)
    tables.move_item(catalog, collection_id, item_id, step)


def mark_read(catalog: Catalog, collection_id: int, item_id: int, reader: str, read: bool = True) -> None:
    _item_collection(catalog, item_id, collection_id)
    tables.mark_read(catalog, item_id, reader, read)


def read_items(catalog: Catalog, collection_id: int, reader: str) -> set[int]:
    return tables.read_items(catalog, collection_id, reader)


def forget_contact(catalog: Catalog, email: str) -> int:
    """Remove the items that point at a person (on erasure); returns how many."""
    return tables.forget_contact(catalog, email)
