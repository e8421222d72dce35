"""Project registers imported as searchable projects with their organisations and contacts.

Each register entry becomes a catalog entry of kind "register" keyed by its register id
(e.g. ``projektbanken:20200940``): its description is embedded like report text but marked
as a register entry, not a lesson. Re-importing updates changed entries and never duplicates.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import KBError
from kb.language import detect
from kb.models import Chunk, Contact, Partner, ReportMeta
from kb.store import Store

FORMATS = ("projektbanken",)


@dataclass(frozen=True)
class RegisterEntry:
    external_id: str
    title: str
    description: str
    meta: ReportMeta
    partners: list[Partner] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        payload = json.dumps(
            [self.external_id, self.title, self.description, repr(self.meta), repr(self.partners), repr(self.contacts)],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def line(self) -> str:
        return f"{self.added} projects added, {self.updated} updated, {self.unchanged} unchanged"


def read_projektbanken(path: Path) -> Iterator[RegisterEntry]:
    """Tillväxtverket's Projektbanken export: a JSON list of projects with Swedish descriptions."""
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KBError(f"{path} is not a Projektbanken JSON export: {exc}") from exc
    if not isinstance(records, list):
        raise KBError(f"{path} is not a Projektbanken JSON export (expected a list of projects).")
    for record in records:
        if not isinstance(record, dict) or not record.get("ärende-id") or not record.get("projektnamn"):
            continue
        start, end = str(record.get("projekt_starttid") or "")[:4], str(record.get("projekt_sluttid") or "")[:4]
        amount = record.get("beviljat_belopp_sek") or None
        beneficiary = (record.get("stödmottagare") or "").strip()
        leader = (record.get("projektledare") or "").strip()
        yield RegisterEntry(
            external_id=f"projektbanken:{record['ärende-id']}",
            title=record["projektnamn"].strip(),
            description=" ".join(str(record.get("projektbeskrivning") or "").split()),
            meta=ReportMeta(
                title=record["projektnamn"].strip(),
                programme="ERDF",
                period_start=int(start) if start.isdigit() else None,
                period_end=int(end) if end.isdigit() else None,
                eu_funding=float(amount) if amount else None,
                currency="SEK" if amount else None,
            ),
            partners=[Partner(beneficiary, "SE", "lead partner", 0)] if beneficiary else [],
            contacts=[
                Contact(
                    leader,
                    "Projektledare",
                    beneficiary or None,
                    record.get("e-post") or None,
                    record.get("telnr") or None,
                    0,
                )
            ]
            if leader
            else [],
        )


READERS = {"projektbanken": read_projektbanken}


def import_register(path: Path, fmt: str, store: Store) -> ImportSummary:
    if fmt not in READERS:
        raise KBError(f"Unknown register format {fmt!r}; supported: {', '.join(FORMATS)}.")
    summary = ImportSummary()
    for entry in READERS[fmt](path):
        existing = store.catalog.report_by_external_id(entry.external_id)
        sha = entry.sha256
        if existing is not None and existing.sha256 == sha:
            summary.unchanged += 1
            continue
        text = entry.description or entry.title
        chunk = Chunk(
            id=f"{sha[:16]}-00000",
            seq=0,
            page_start=0,
            page_end=0,
            section="register",
            heading=entry.title,
            lang=detect(text)[0],
            text=text,
        )
        store.add_report(
            source=None,
            sha256=sha,
            filename=entry.external_id,
            meta=entry.meta,
            pages=0,
            lang=chunk.lang,
            chunks=[chunk],
            replace=existing,
            partners=entry.partners,
            contacts=entry.contacts,
            kind="register",
            external_id=entry.external_id,
        )
        if existing is None:
            summary.added += 1
        else:
            summary.updated += 1
    return summary
