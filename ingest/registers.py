"""Project registers imported as searchable projects with their organisations and contacts.

Each register entry becomes a catalog entry of kind "register" keyed by its register id
(e.g. ``projektbanken:20200940``): its description is embedded like report text but marked
as a register entry, not a lesson. Re-importing updates changed entries and never duplicates.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kb.catalog import directory as directory_tables
from kb.directory import organisations as directory
from kb.errors import KBError
from kb.models import Chunk, Contact, NewReport, Partner, ReportMeta
from kb.store.jobs import Job
from kb.store.writer import Store
from kb.text.language import detect

FORMATS = ("projektbanken", "interreg-se", "cordis", "csv")
EMBED_BATCH = 64


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


class ImportStopped(KBError):
    """A register import ended early because the app is shutting down."""


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


def read_register(path: Path, fmt: str, mapping: dict[str, str] | None = None) -> list[RegisterEntry]:
    """Every entry of a register file; a wrong format, a bad mapping or an empty file is a clear KBError."""
    from ingest.register_csv import read_mapped_csv

    if fmt not in FORMATS:
        raise KBError(f"Unknown register format {fmt!r}; supported: {', '.join(FORMATS)}.")
    try:
        entries = list(read_mapped_csv(path, mapping or {}) if fmt == "csv" else READERS[fmt](path))
    except (TypeError, AttributeError, ValueError, KeyError, EOFError, OSError, csv.Error) as exc:
        # a field of an unexpected type, a truncated gzip file, a broken CSV row
        raise KBError(f"{path.name} does not read as {fmt}: {type(exc).__name__}: {str(exc)[:200]}") from exc
    if not entries:
        raise KBError(f"{path.name} holds no {fmt} projects; check that the format matches the file.")
    return entries


def import_register(path: Path, fmt: str, store: Store, mapping: dict[str, str] | None = None) -> ImportSummary:
    """Import a register file; ``mapping`` (column -> field) is required for ``csv`` and ignored otherwise."""
    return import_entries(read_register(path, fmt, mapping), store)


def import_entries(
    entries: Sequence[RegisterEntry],
    store: Store,
    *,
    progress: Callable[[int, int], object] | None = None,  # what it returns is ignored
    stopped: Callable[[], bool] = lambda: False,
) -> ImportSummary:
    """Store new and changed entries, embedding and indexing up to EMBED_BATCH of them at a time, then
    build the partner directory once (searches meanwhile keep the one from before).

    The model runs while the store is free (it locks only its writes), so searches go on while a large
    register is embedded. ``progress(done, total)`` is called after each batch. ``stopped()`` is asked
    before each batch (the app is shutting down): the import then ends with ImportStopped, and importing
    the file again finishes it.
    """
    summary = ImportSummary()
    with store.batch(), directory.deferred(store.catalog):  # the lexicon file is written once, at the end
        done = 0
        for part in _batches(entries):
            if stopped():
                raise ImportStopped(
                    f"The import stopped after {done:,} of {len(entries):,} projects; import the file again "
                    "to finish it (the projects already stored count as unchanged)."
                )
            todo = _changed(store, part, summary)
            chunks = [_chunk(e) for e in todo]
            vectors = store.embed_chunks(chunks) if chunks else np.zeros((0, store.embedder.dim), np.float32)
            _store(store, todo, chunks, vectors, summary)
            done += len(part)
            if progress is not None:
                progress(done, len(entries))
    directory.build(store.catalog)
    return summary


def _batches(entries: Sequence[RegisterEntry]) -> Iterator[list[RegisterEntry]]:
    """Runs of at most EMBED_BATCH entries in which no register id comes twice (a later duplicate
    updates the entry stored before it, as if imported one by one)."""
    part: list[RegisterEntry] = []
    for entry in entries:
        if len(part) == EMBED_BATCH or any(e.external_id == entry.external_id for e in part):
            yield part
            part = []
        part.append(entry)
    if part:
        yield part


def _changed(store: Store, part: list[RegisterEntry], summary: ImportSummary) -> list[RegisterEntry]:
    """The entries that are new or differ from the stored ones; unchanged ones are counted and seen today."""
    changed, seen = [], {}
    for entry in part:
        existing = store.catalog.report_by_external_id(entry.external_id)
        if existing is None or existing.sha256 != entry.sha256:
            changed.append(entry)
        else:
            summary.unchanged += 1
            seen[existing.id] = entry.details
    directory_tables.record_sources(store.catalog, seen)
    return changed


def _chunk(entry: RegisterEntry) -> Chunk:
    text = entry.description or entry.title
    return Chunk(
        id=f"{entry.sha256[:16]}-00000",
        seq=0,
        page_start=0,
        page_end=0,
        section="register",
        heading=entry.title,
        lang=detect(text)[0],
        text=text,
    )


def _store(
    store: Store, entries: Sequence[RegisterEntry], chunks: list[Chunk], vectors: np.ndarray, summary: ImportSummary
) -> None:
    existing = [store.catalog.report_by_external_id(e.external_id) for e in entries]
    reports = [
        NewReport(
            sha256=entry.sha256,
            filename=entry.external_id,
            meta=entry.meta,
            pages=0,
            lang=chunk.lang,
            chunks=[chunk],
            vectors=vectors[row : row + 1],
            replace=old,
            partners=entry.partners,
            contacts=entry.contacts,
            kind="register",
            external_id=entry.external_id,
        )
        for row, (entry, chunk, old) in enumerate(zip(entries, chunks, existing, strict=True))
    ]
    seen = {}
    for report_id, entry, old in zip(store.add_many(reports), entries, existing, strict=True):
        seen[report_id] = entry.details
        if old is None:
            summary.added += 1
        else:
            summary.updated += 1
    directory_tables.record_sources(store.catalog, seen)


def import_job(store: Store, job: Job) -> None:
    """A register upload's background work (kb.store.jobs): import the file, audited, with progress."""
    who, fmt = job.details["actor"], job.details["format"]
    job.state = "reading"
    try:
        entries = read_register(job.path, fmt, job.details["columns"])
        job.total, job.state = len(entries), "embedding"
        summary = import_entries(
            entries, store, progress=lambda done, total: _progress(job, done, total), stopped=job.stopping.is_set
        )
    except Exception as exc:
        store.catalog.audit(who, "import register", job.filename, f"failed: {type(exc).__name__}")
        if isinstance(exc, KBError):
            exc.args = (named(str(exc), job.path, job.filename),)  # keeps its kind (an index failure is repaired)
        raise
    store.catalog.audit(who, "import register", f"{job.filename} ({fmt})", summary.line())
    job.result = {"added": summary.added, "updated": summary.updated, "unchanged": summary.unchanged}
    job.message = summary.line()


def _progress(job: Job, done: int, total: int) -> None:
    job.done = done
    if done == total:
        job.state = "storing"  # the partner directory is built once all entries are stored


def named(message: str, path: Path, name: str) -> str:
    """A message about a stored upload, naming it as the user did (the generated path is not shown)."""
    return message.replace(str(path), name).replace(path.name, name)
