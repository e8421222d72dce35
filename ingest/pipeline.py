"""From PDF files to stored reports: read (sandboxed), cut into sections and chunks, embed, store."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.chunk import chunk_sections
from ingest.metadata import extract_meta
from ingest.partners import extract as extract_partners
from ingest.project_id import ProjectIdentity, project_identity
from ingest.sandbox import read_pdf
from ingest.sections import split_sections
from kb.catalog.files import sha256_file
from kb.errors import KBError, ReportRejected
from kb.models import Chunk, Contact, NewReport, Partner, Report, ReportMeta
from kb.settings import Settings
from kb.store.jobs import Job
from kb.store.writer import Store

MIN_TEXT_CHARS = 200  # less text than this in a whole file means scanned images, not a report
# Readers run niced and get little CPU while the model embeds: a heavy file (POWERSTEP D5.2, 14 s of
# CPU) drained a queue of one spare file and the model waited for it (benchmarks/throughput.py).
SPARE_READS = 3


@dataclass(frozen=True)
class Analysis:
    """Everything read from one PDF, before it is stored."""

    sha256: str
    filename: str
    pages: int
    lang: str
    meta: ReportMeta
    chunks: list[Chunk]
    partners: list[Partner] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    project: ProjectIdentity = field(default_factory=ProjectIdentity)  # grouped by ingest.project_id.group_projects

    def new_report(
        self,
        *,
        source: Path,
        status: str = "published",
        replace: Report | None = None,
        vectors: np.ndarray | None = None,
        uploaded_by: str | None = None,
    ) -> NewReport:
        """What kb.store.writer.Store.add stores from this analysis of ``source``."""
        return NewReport(
            sha256=self.sha256,
            filename=self.filename,
            meta=self.meta,
            pages=self.pages,
            lang=self.lang,
            chunks=self.chunks,
            vectors=vectors,
            source=source,
            replace=replace,
            status=status,
            partners=self.partners,
            contacts=self.contacts,
            uploaded_by=uploaded_by,
        )


@dataclass
class Outcome:
    file: Path
    status: str  # "added", "replaced", "unchanged", "rejected"
    report_id: int | None = None
    chunks: int = 0
    reason: str = ""


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    embed_seconds: float = 0.0

    def count(self, *statuses: str) -> int:
        return sum(1 for o in self.outcomes if o.status in statuses)

    @property
    def rejected(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "rejected"]

    def line(self) -> str:
        """``26 reports, 3104 chunks, 1 skipped: x.pdf (no text layer)``."""
        stored = [o for o in self.outcomes if o.status in ("added", "replaced")]
        text = f"{len(stored)} reports, {sum(o.chunks for o in stored)} chunks"
        unchanged = self.count("unchanged")
        if unchanged:
            text += f", {unchanged} already in the catalog"
        if self.rejected:
            text += f", {len(self.rejected)} skipped: " + ", ".join(
                f"{o.file.name} ({o.reason})" for o in self.rejected
            )
        return text


def find_pdfs(paths: Iterable[Path]) -> list[Path]:
    """The PDF files named, and those inside named folders (recursively), in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
        elif path.is_file():
            found.append(path)
        else:
            raise KBError(f"No such file or folder: {path}")
    return list(dict.fromkeys(found))


def analyse(path: Path, settings: Settings, sha256: str | None = None, filename: str | None = None) -> Analysis:
    """Read and cut one PDF; raises ReportRejected with a listed reason."""
    sha256 = sha256 or sha256_file(path)
    text = read_pdf(path, settings)
    if sum(len(p.strip()) for p in text.pages) < MIN_TEXT_CHARS:
        raise ReportRejected("no_text", "the pages hold no extractable text (scanned images?)")
    sections = split_sections(text.pages)
    chunks = chunk_sections(sections, sha256[:16], settings.chunk_min_words, settings.chunk_max_words)
    if not chunks:
        raise ReportRejected("no_text", "no passage long enough to index")
    words: Counter[str] = Counter()
    for c in chunks:
        words[c.lang] += len(c.text.split())
    partners, contacts = extract_partners(text.pages)
    return Analysis(
        partners=partners,
        contacts=contacts,
        project=project_identity(text.pages, text.title),
        sha256=sha256,
        filename=filename or path.name,
        pages=len(text.pages),
        lang=words.most_common(1)[0][0],
        meta=extract_meta(text.pages, text.title, text.layout),
        chunks=chunks,
    )


def _store_file(store: Store, path: Path, sha: str, reading: Future | None, replace: bool) -> Outcome:
    """Store one file, using the analysis read ahead in ``reading`` when there is one."""
    existing = store.stored(sha)
    if existing is not None and not replace:
        return Outcome(path, "unchanged", existing.id, existing.chunk_count)
    previous = existing or (store.catalog.report_by_filename(path.name) if replace else None)
    try:
        analysis = reading.result() if reading is not None else analyse(path, store.settings, sha)
    except ReportRejected as exc:
        return Outcome(path, "rejected", reason=exc.label)
    stored = store.add(analysis.new_report(source=path, replace=previous))
    return Outcome(path, stored.status, stored.report_id, len(analysis.chunks))


def ingest_upload(store: Store, job: Job) -> None:
    """An uploaded PDF's background work (kb.store.jobs): read and embed it while the store is free, then
    store it as a draft owned by its uploader (or find it stored already)."""
    job.state = "reading"
    analysis = analyse(job.path, store.settings, job.sha256, job.filename)
    job.state = "embedding"
    vectors = store.embed_chunks(analysis.chunks)
    job.state = "storing"
    new = analysis.new_report(source=job.path, status="draft", vectors=vectors, uploaded_by=job.owner)
    job.report_id = store.add(new).report_id


class ReadAhead:
    """Reads the next files (sandboxed parse, sections, chunks) while the caller embeds and stores earlier ones.

    Each of ``workers`` threads waits on its own sandboxed child process (see ingest.sandbox), so the
    CPU-heavy parsing runs outside this interpreter; at most ``workers + SPARE_READS`` files are read
    ahead. Files the caller already holds (``wanted`` is false) are not read at all.
    """

    def __init__(self, files: Iterable[Path], settings: Settings, wanted: Callable[[Path, str], bool], workers: int):
        self._files = iter(files)
        self._settings = settings
        self._wanted = wanted
        self._ahead = workers + SPARE_READS
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kb-read")
        self._queue: deque[tuple[Path, str, Future | None]] = deque()

    def __iter__(self) -> Iterator[tuple[Path, str, Future | None]]:
        """``(path, sha256, reading)`` in the files' order; ``reading`` is None for files not wanted."""
        self._fill()
        while self._queue:
            item = self._queue.popleft()
            self._fill()
            yield item

    def _fill(self) -> None:
        while sum(1 for _, _, f in self._queue if f is not None) < self._ahead:
            path = next(self._files, None)
            if path is None:
                return
            sha = sha256_file(path)
            reading = self._pool.submit(analyse, path, self._settings, sha) if self._wanted(path, sha) else None
            self._queue.append((path, sha, reading))

    def close(self) -> None:
        for _, _, reading in self._queue:
            if reading is not None:
                reading.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def ingest_paths(
    paths: Iterable[Path],
    settings: Settings,
    *,
    replace: bool = False,
    store: Store | None = None,
    on_file: Callable[[Outcome], None] | None = None,
) -> Summary:
    """Ingest every PDF under ``paths``; one bad file never stops the batch.

    The next files are read in parallel (``settings.parse_workers``) while this thread embeds
    and stores the earlier ones in order, one report at a time.
    """
    files = find_pdfs(paths)
    if not files:
        raise KBError("No PDF files in " + ", ".join(str(p) for p in paths))
    own = store is None
    store = store or Store.open(settings)
    summary = Summary()
    started, embedded = time.perf_counter(), store.embed_seconds

    def wanted(path: Path, sha: str) -> bool:
        return replace or store.stored(sha) is None

    try:
        if own:
            store.reconcile()
        with store.batch(), ReadAhead(files, settings, wanted, max(1, settings.parse_workers)) as ahead:
            for path, sha, reading in ahead:
                outcome = _store_file(store, path, sha, reading, replace)
                summary.outcomes.append(outcome)
                if on_file:
                    on_file(outcome)
    finally:
        summary.seconds = time.perf_counter() - started
        summary.embed_seconds = store.embed_seconds - embedded
        if own:
            store.close()
    return summary
