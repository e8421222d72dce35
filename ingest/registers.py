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

FORMATS = ("projektbanken", "interreg-se", "cordis", "csv")


@dataclass(frozen=True)
class RegisterEntry:
    external_id: str
    title: str
    description: str
    meta: ReportMeta
    partners: list[Partner] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    # per partner name: {"org_id", "vat", "org_type"} where the register gives them (for the directory)
    details: dict[str, dict] = field(default_factory=dict, compare=False)

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


def _json_list(path: Path, what: str) -> list:
    """A JSON file holding a list of records, or a clear error naming what was expected."""
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KBError(f"{path} is not {what}: {exc}") from exc
    if not isinstance(records, list):
        raise KBError(f"{path} is not {what} (expected a list of records).")
    return records


def read_projektbanken(path: Path) -> Iterator[RegisterEntry]:
    """Tillväxtverket's Projektbanken export: a JSON list of projects with Swedish descriptions."""
    for record in _json_list(path, "a Projektbanken JSON export"):
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


def _year(text: object) -> int | None:
    head = str(text or "")[:4]
    return int(head) if head.isdigit() else None


def read_interreg_se(path: Path) -> Iterator[RegisterEntry]:
    """The Swedish partners of Interreg 2021-2027: one row per partner, grouped into projects."""
    rows = _json_list(path, "an Interreg partner export")
    projects: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        if isinstance(row, dict) and row.get("projektnamn") and row.get("organisationsnamn"):
            projects.setdefault((str(row.get("program") or ""), str(row["projektnamn"]).strip()), []).append(row)
    for (programme, name), members in projects.items():
        first = members[0]
        by_name: dict[str, dict] = {}
        for m in members:  # a partner may appear once per project year
            by_name.setdefault(str(m["organisationsnamn"]).strip(), m)
        members = list(by_name.values())
        partners = [
            Partner(
                str(m["organisationsnamn"]).strip(),
                "SE",
                "lead partner" if m.get("organisationsroll") == "LP" else "partner",
                0,
            )
            for m in members
        ]
        kinds = sorted({str(m.get("organisationstyp") or "") for m in members} - {""})
        places = sorted({str(m.get("nuts3") or "") for m in members} - {""})
        description = f"{name}. Interreg {programme}. " + ", ".join(p.name for p in partners)
        if kinds or places:
            description += ". " + ", ".join(kinds + places)
        yield RegisterEntry(
            external_id=f"interreg-se:{programme}:{name}",
            title=name,
            description=description,
            meta=ReportMeta(
                title=name,
                programme=f"Interreg {programme.title()}",
                period_start=_year(first.get("startdatum")),
                period_end=_year(first.get("slutdatum")),
                budget_total=float(sum(m.get("partnerbudget") or 0 for m in members)) or None,
                currency="EUR",
            ),
            partners=partners,
            details={
                str(m["organisationsnamn"]).strip(): {"org_type": m.get("organisationstyp")}
                for m in members
                if m.get("organisationstyp")
            },
        )


def read_cordis(path: Path) -> Iterator[RegisterEntry]:
    """CORDIS organisation tables (organization.csv, optionally gzipped): rows grouped by project."""
    import csv
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    projects: dict[str, list[dict]] = {}
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("projectID") and row.get("name"):
                    projects.setdefault(row["projectID"], []).append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise KBError(f"{path} is not a CORDIS organisation table: {exc}") from exc
    if not projects:
        raise KBError(f"{path} holds no CORDIS organisation rows (projectID, name, country, role, ...).")
    for project_id, members in projects.items():
        acronym = (members[0].get("projectAcronym") or project_id).strip()
        partners = [
            Partner(
                m["name"].strip(),
                (m.get("country") or None),
                "lead partner"
                if m.get("role") == "coordinator"
                else "associated"
                if m.get("role") in ("associatedPartner", "thirdParty")
                else "partner",
                0,
            )
            for m in members
        ]
        cities = sorted({(m.get("city") or "").title() for m in members} - {""})
        yield RegisterEntry(
            external_id=f"cordis:{project_id}",
            title=acronym,
            description=f"{acronym}: Horizon Europe project with "
            + ", ".join(p.name for p in partners)
            + (f" ({', '.join(cities)})" if cities else ""),
            meta=ReportMeta(
                title=acronym,
                acronym=acronym,
                programme="Horizon Europe",
                eu_funding=sum(float(m.get("ecContribution") or 0) for m in members) or None,
                currency="EUR",
            ),
            partners=partners,
            details={
                m["name"].strip(): {
                    "org_id": m.get("organisationID") or None,
                    "vat": m.get("vatNumber") or None,
                    "org_type": m.get("activityType") or None,
                }
                for m in members
            },
        )


READERS = {"projektbanken": read_projektbanken, "interreg-se": read_interreg_se, "cordis": read_cordis}


def import_register(path: Path, fmt: str, store: Store, mapping: dict[str, str] | None = None) -> ImportSummary:
    """Import a register file; ``mapping`` (column -> field) is required for ``csv`` and ignored otherwise."""
    from ingest.register_csv import read_mapped_csv

    if fmt not in FORMATS:
        raise KBError(f"Unknown register format {fmt!r}; supported: {', '.join(FORMATS)}.")
    if fmt == "csv":
        entries = list(read_mapped_csv(path, mapping or {}))
    else:
        entries = list(READERS[fmt](path))
    if not entries:
        raise KBError(f"{path.name} holds no {fmt} projects; check that the format matches the file.")
    summary = ImportSummary()
    seen: dict[int, dict[str, dict]] = {}
    for entry in entries:
        existing = store.catalog.report_by_external_id(entry.external_id)
        sha = entry.sha256
        if existing is not None and existing.sha256 == sha:
            summary.unchanged += 1
            seen[existing.id] = entry.details
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
        report_id = store.add_report(
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
        seen[report_id] = entry.details
        if existing is None:
            summary.added += 1
        else:
            summary.updated += 1
    store.catalog.record_sources(seen)
    return summary
