"""Erasing a person everywhere we keep them: the catalog and index (kb.store.people), then the original PDFs.

Each original that named the person is withheld at once and replaced by a redacted copy made in the
sandboxed child (ingest.redaction); one that cannot be redacted stays withheld, and the report page
says so until an admin uploads a redacted copy (:func:`replace_original`). Redaction runs while the store
is free (it locks only its own writes), so that searches and uploads go on meanwhile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from ingest.sandbox import read_pdf, run_child
from kb.errors import KBError, ReportRejected
from kb.store.people import erase_person as erase_from_catalog
from kb.store.writer import Store

log = logging.getLogger("kb.ingest")


@dataclass
class ErasureResult:
    key: str  # the person's pseudonymous key
    passages_redacted: int
    originals_redacted: list[int] = field(default_factory=list)  # report ids
    originals_withheld: list[int] = field(default_factory=list)  # could not be redacted: an admin replaces them

    def as_json(self) -> dict:
        return {
            "erased": True,
            "person": self.key,
            "passages_redacted": self.passages_redacted,
            "originals_redacted": self.originals_redacted,
            "originals_withheld": self.originals_withheld,
        }


def erase_person(store: Store, email: str, actor: str) -> ErasureResult:
    """Erase the person with this e-mail address from catalog, index and the original PDFs."""
    erasure = erase_from_catalog(store, email, actor)
    result = ErasureResult(erasure.key, erasure.passages)
    for report_id in erasure.reports:
        report = store.catalog.report_by_id(report_id)
        if report is None or report.kind != "report":
            continue
        original = store.original_path(report.sha256)
        if not original.exists():
            continue
        copy = original.with_name(f"{original.stem}.redacting.part")
        request = {
            "path": str(original),
            "target": str(copy),
            "literals": erasure.literals,
            "patterns": erasure.patterns,
        }
        try:
            done = run_child("ingest.redact_worker", request, store.settings)
        except ReportRejected as exc:
            copy.unlink(missing_ok=True)
            log.warning("report %s: the original could not be redacted (%s); it stays withheld", report_id, exc)
            store.catalog.audit(actor, "redact original", f"report {report_id}", f"failed, withheld: {exc}")
            result.originals_withheld.append(report_id)
            continue
        store.replace_original(report_id, copy, "redacted")
        store.catalog.audit(actor, "redact original", f"report {report_id}", f"ok: pages {done['painted']}")
        result.originals_redacted.append(report_id)
    return result


def replace_original(store: Store, report_id: int, upload: Path, actor: str) -> None:
    """An admin's redacted copy of a withheld original takes its place (it must read as a PDF)."""
    report = store.catalog.report(report_id)
    if report.kind != "report":
        raise KBError(f"Report {report_id} is a register entry and has no original PDF.")
    read_pdf(upload, store.settings)  # refuses what the sandboxed reader cannot open
    store.replace_original(report_id, upload, "redacted")
    store.catalog.audit(actor, "replace original", f"report {report_id}", "ok: a redacted copy")
