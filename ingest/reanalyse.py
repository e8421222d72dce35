"""Re-reading stored reports with today's extraction (kb reanalyse): an installation upgraded to better
reading (titles, people, passage kinds) gets it for the reports it already holds, without uploading again.

Each report's stored original is read again in the sandbox. A passage whose embedded text is unchanged keeps
its id and vector; a changed or new one gets a new id (so that a crash between the index and the catalog
leaves nothing stale: kb.store.writer.Store.reconcile settles it) and is embedded. What pointed at an old
passage (a collection item) follows the new passage that holds most of its words. A report a person reviewed
keeps their corrections: metadata, partners and contacts, themes, and the section kind of every passage whose
text is unchanged. Originals redacted after an erasure are not re-read: their pages showing the person are
pictures now, and reading them would lose those pages' passages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ingest.pipeline import analyse
from kb.errors import ReportRejected
from kb.models import Chunk, Report
from kb.store.passages import passage_text
from kb.store.writer import Store
from kb.text.terms import tokens


@dataclass
class Reread:
    report_id: int
    status: str  # "reread", or "skipped" with a reason
    passages: int = 0
    embedded: int = 0  # passages whose text was new, embedded again
    reason: str = ""


@dataclass
class RereadSummary:
    outcomes: list[Reread] = field(default_factory=list)

    def line(self) -> str:
        done = [o for o in self.outcomes if o.status == "reread"]
        skipped = [o for o in self.outcomes if o.status == "skipped"]
        text = f"{len(done)} reports read again, {sum(o.passages for o in done)} passages"
        text += f" ({sum(o.embedded for o in done)} embedded anew)"
        if skipped:
            text += f", {len(skipped)} skipped: " + ", ".join(f"report {o.report_id} ({o.reason})" for o in skipped)
        return text


def reanalyse(
    store: Store, report_ids: list[int] | None = None, on_report: Callable[[Reread], None] | None = None
) -> RereadSummary:
    """Read the stored originals of these reports (all PDF reports when None) again and store what is found."""
    summary = RereadSummary()
    reports = [r for r in store.catalog.reports() if r.kind == "report"]
    if report_ids is not None:
        wanted = set(report_ids)
        reports = [r for r in reports if r.id in wanted]
    for report in reports:
        outcome = reread(store, report)
        summary.outcomes.append(outcome)
        if on_report is not None:
            on_report(outcome)
    return summary


def reread(store: Store, report: Report) -> Reread:
    original = store.original_path(report.sha256)
    if report.original != "kept":
        return Reread(report.id, "skipped", reason=f"its original is {report.original} after an erasure")
    if not original.exists():
        return Reread(report.id, "skipped", reason="its original PDF is missing")
    try:
        analysis = analyse(original, store.settings, report.sha256, report.filename)
    except ReportRejected as exc:
        return Reread(report.id, "skipped", reason=exc.label)
    old = store.catalog.chunks_of(report.id)
    chunks, renamed = _carry_over(old, analysis.chunks, reviewed=report.reviewed_at is not None)
    kept = store.index.vectors([c.id for c in chunks if c.id in {o.id for o in old}])
    todo = [c for c in chunks if c.id not in kept]
    fresh = store.embed_chunks(todo) if todo else np.zeros((0, store.embedder.dim), np.float32)
    by_id = {**kept, **{c.id: v for c, v in zip(todo, fresh, strict=True)}}
    vectors = np.vstack([by_id[c.id] for c in chunks]) if chunks else np.zeros((0, store.embedder.dim), np.float32)
    new = analysis.new_report(source=original, vectors=vectors)
    store.reread(report, replace(new, chunks=chunks), renamed)
    return Reread(report.id, "reread", passages=len(chunks), embedded=len(todo))


def _carry_over(old: list[Chunk], read: list[Chunk], reviewed: bool) -> tuple[list[Chunk], dict[str, str]]:
    """The new passages with their ids (an unchanged one keeps its old id, and, in a reviewed report, the section
    kind the person chose), and where each old passage went."""
    old_by_text: dict[str, Chunk] = {}
    for chunk in old:
        old_by_text.setdefault(passage_text(chunk), chunk)
    taken = {c.id for c in old}
    chunks: list[Chunk] = []
    for chunk in read:
        same = old_by_text.pop(passage_text(chunk), None)
        if same is not None:
            chunks.append(replace(chunk, id=same.id, section=same.section if reviewed else chunk.section))
            continue
        new_id = chunk.id if chunk.id not in taken else f"{chunk.id}-{_digest(passage_text(chunk))}"
        taken.add(new_id)
        chunks.append(replace(chunk, id=new_id))
    return chunks, {c.id: _successor(c, chunks) for c in old}


def _successor(chunk: Chunk, chunks: list[Chunk]) -> str:
    """The new passage holding most of an old passage's words (its own id when it was kept)."""
    if any(c.id == chunk.id for c in chunks):
        return chunk.id
    words = set(tokens(chunk.text))
    best = max(chunks, key=lambda c: len(words & set(tokens(c.text))), default=None)
    return best.id if best is not None else chunk.id


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=3).hexdigest()
