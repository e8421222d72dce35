"""The writable knowledge base: catalog, vector index, lexicon and themes kept in agreement.

Order of writes: vectors first, then the catalog in one transaction. A crash in between
leaves vectors without catalog rows, which search ignores and :meth:`Store.reconcile`
removes; a report is visible only once its catalog transaction has committed.

Every report is stored by :meth:`Store.add` (CLI ingest, web upload) or :meth:`Store.add_many` (register
entries, in batches). The store serialises its writes with a lock of its own, held only while it writes
(never while the model embeds), so searches and uploads from other threads need no lock of theirs.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.catalog.database import Catalog
from kb.catalog.disk import writing_to
from kb.catalog.index import VectorIndex
from kb.catalog.lock import WriterLock
from kb.errors import DiskFull, IndexDamaged
from kb.library.themes import ThemeSuggester, store_suggestion
from kb.model.embedder import Embedder
from kb.models import APPARATUS_KINDS, Chunk, NewReport, Report
from kb.search.lexicon import LANG as LEXICON_LANG
from kb.search.lexicon import Lexicon
from kb.settings import Settings
from kb.store.passages import passage_text, vector_metadata

log = logging.getLogger("kb")
MODEL_KEY = "embedding_model"
LEXICON_SAVE_SECONDS = 60.0  # during a batch, readers see new words at least this often
WORD_BATCH = 64  # lexicon words per model call (kb.model.quantise: same vectors in any batch)


@dataclass(frozen=True)
class Stored:
    report_id: int
    status: str  # "added", "replaced", or "unchanged" (its content was stored already)


@dataclass(frozen=True)
class Reconciliation:
    removed_vectors: int
    restored_vectors: int

    @property
    def changed(self) -> bool:
        return bool(self.removed_vectors or self.restored_vectors)


class Store:
    """Open with :meth:`open` (takes the writer lock); close when done."""

    def __init__(self, settings: Settings, lock: WriterLock, catalog: Catalog, index: VectorIndex, embedder: Embedder):
        self.settings = settings
        self._lock = lock
        self.catalog = catalog
        self.index = index
        self.embedder = embedder
        self.embed_seconds = 0.0  # time spent in the model, for ingestion reports
        self.index_damage: str | None = None  # why the index was found damaged and replaced by an empty one
        self.partial_files_discarded = 0  # files cut short by an earlier run (a full disk, a kill), deleted
        self.lexicon = Lexicon.load(settings.lexicon_path, embedder.words_id)
        self._lexicon_unsaved = False
        self._lexicon_saved_at = time.monotonic()
        self._batch_depth = 0
        self.themes = ThemeSuggester(embedder)
        self._writing = threading.RLock()

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None, *, check_model: bool = True) -> Store:
        settings.check()
        lock = WriterLock(settings.lock_path).acquire()
        try:
            discarded = _discard_partial(settings)
            embedder = embedder or Embedder.load(settings, bulk=True)  # the web app passes its searching one
            catalog = Catalog.open(settings)
            index, damage = _open_index(settings, embedder.index_id if check_model else None, embedder.dim)
            store = cls(settings, lock, catalog, index, embedder)
            store.index_damage = damage
            store.partial_files_discarded = discarded
            if check_model:
                catalog.set_meta(MODEL_KEY, embedder.index_id)
                if not store.lexicon.loaded:
                    store.rebuild_lexicon()
                elif store.lexicon.mark != catalog.passages_mark(LEXICON_LANG):
                    store.rebuild_lexicon(keep_vectors=True)  # stopped before it saved: count again
        except BaseException:
            lock.release()
            raise
        return store

    def close(self) -> None:
        self._save_lexicon()
        self.index.close()
        self.catalog.close()
        self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def batch(self) -> Iterator[Store]:
        """Many reports in a row: the lexicon file (megabytes) is written at the end, and at most
        every LEXICON_SAVE_SECONDS, rather than after each report."""
        self._batch_depth += 1
        try:
            yield self
        finally:
            self._batch_depth -= 1
            if not self._batch_depth:
                self._save_lexicon()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store's write lock (for the domain operations of kb.store that write in several steps)."""
        with self._writing:
            yield

    def stored(self, sha256: str) -> Report | None:
        """The report already stored with this content, if any: the one duplicate check."""
        return self.catalog.report_by_sha(sha256)

    def add(self, report: NewReport) -> Stored:
        """Store one report: keep its original, index its vectors (embedded here when it brings none), commit
        its catalog rows. A file whose content is stored already is not stored twice, unless it replaces."""
        if report.replace is None and (existing := self.stored(report.sha256)) is not None:
            return Stored(existing.id, "unchanged")
        if report.vectors is None:
            report = report.with_vectors(self._embed([passage_text(c) for c in report.chunks]))
        with self._writing:
            if report.replace is None and (existing := self.stored(report.sha256)) is not None:
                return Stored(existing.id, "unchanged")  # stored meanwhile by another thread
            report_id = self.add_many([report])[0]
        return Stored(report_id, "added" if report.replace is None else "replaced")

    def add_many(self, reports: Sequence[NewReport]) -> list[int]:
        """Store several embedded reports, their vectors indexed in one write: a chroma write costs about
        10 ms however few vectors it holds, and a register entry has one. A replaced report's rows go in its
        successor's transaction; its vectors are removed after it."""
        with self._writing:
            return self._add_many(reports)

    def _add_many(self, reports: Sequence[NewReport]) -> list[int]:
        first_id = self.catalog.next_report_id()
        ids = list(range(first_id, first_id + len(reports)))
        old_ids: dict[int, list[str]] = {}
        old_english: dict[int, list[str]] = {}
        for report in reports:
            if report.source is not None:
                self.keep_original(report.source, report.sha256)
            if (old := report.replace) is not None:
                old_chunks = self.catalog.chunks_of(old.id)
                old_ids[old.id] = sorted(c.id for c in old_chunks)
                old_english[old.id] = [c.text for c in old_chunks if c.lang == LEXICON_LANG]
        rows = [(report_id, c) for report_id, report in zip(ids, reports, strict=True) for c in report.chunks]
        if rows:
            dim = self.embedder.dim
            vectors = np.concatenate([np.asarray(r.vectors, np.float32).reshape(-1, dim) for r in reports])
            self.index.add([c.id for _, c in rows], vectors, [vector_metadata(rid, c) for rid, c in rows])
        for report_id, report in zip(ids, reports, strict=True):
            self.catalog.add_report(report_id, report)
            if len(report.chunks) and report.vectors is not None:
                self._suggest_themes(report_id, report.vectors)
            if (old := report.replace) is not None:
                self.index.delete(sorted(set(old_ids.get(old.id, ())) - {c.id for c in report.chunks}))
                if old.sha256 != report.sha256:
                    self.original_path(old.sha256).unlink(missing_ok=True)
            self._learn_words(report.chunks, replaced=old_english.get(old.id, []) if old else [])
        return ids

    def reread(self, report: Report, new: NewReport, renamed: dict[str, str]) -> None:
        """Store a new reading of a stored report's original in place (kb reanalyse): ``new`` holds every
        passage with its vector; ``renamed`` maps each old passage id to the one that took its place. What a
        person corrected in the review form (metadata, people, themes, section kinds) stays when they did."""
        assert new.vectors is not None
        reviewed = report.reviewed_at is not None
        with self._writing:
            old = self.catalog.chunks_of(report.id)
            self.index.add(
                [c.id for c in new.chunks], new.vectors, [vector_metadata(report.id, c) for c in new.chunks]
            )
            self.catalog.reread_report(report.id, new, keep_reviewed=reviewed, renamed=renamed)
            self.index.delete(sorted({c.id for c in old} - {c.id for c in new.chunks}))
            english = [c.text for c in old if c.lang == LEXICON_LANG]
            self._learn_words([c for c in new.chunks if c.section not in APPARATUS_KINDS], replaced=english)
            if not reviewed and len(new.chunks):
                self._suggest_themes(report.id, new.vectors)

    def _suggest_themes(self, report_id: int, vectors: np.ndarray) -> None:
        """Themes for a report just committed. On a full disk the report stays stored without them (the web
        app suggests them for such reports when it starts), rather than reported as failed."""
        try:
            store_suggestion(self.catalog, report_id, self.themes.suggest(vectors))
        except DiskFull as exc:
            log.warning("report %s stored without themes: %s", report_id, exc)

    def sections_changed(self, report_id: int, chunk_ids: Sequence[str]) -> None:
        """The index's filter fields follow section kinds corrected in the catalog (kb.store.review)."""
        changed = set(chunk_ids)
        updated = [c for c in self.catalog.chunks_of(report_id) if c.id in changed]
        if updated:
            self.index.update_metadata([c.id for c in updated], [vector_metadata(report_id, c) for c in updated])

    def delete_report(self, report_id: int) -> int:
        """Remove the report, its chunks, vectors and original; returns the chunks removed."""
        with self._writing:
            report = self.catalog.report(report_id)
            english = [c.text for c in self.catalog.chunks_of(report_id) if c.lang == LEXICON_LANG]
            chunk_ids = self.catalog.delete_report(report_id)
            self._learn_words((), replaced=english)
            self.index.delete(chunk_ids)
            self.original_path(report.sha256).unlink(missing_ok=True)
        return len(chunk_ids)

    def original_path(self, sha256: str) -> Path:
        return self.settings.files_dir / f"{sha256}.pdf"

    def keep_original(self, source: Path, sha256: str) -> Path:
        target = self.original_path(sha256)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".part")
            try:
                with writing_to(self.settings.data_dir):
                    shutil.copyfile(source, tmp)
                tmp.replace(target)
            finally:
                tmp.unlink(missing_ok=True)
        return target

    def replace_original(self, report_id: int, copy: Path, state: str) -> None:
        """A report's original PDF is replaced by ``copy`` (moved, not copied), e.g. a redacted one."""
        with self._writing:
            target = self.original_path(self.catalog.report(report_id).sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(copy, target)
            self.catalog.set_original(report_id, state)

    def reconcile(
        self,
        progress: Callable[[int, int], None] | None = None,
        stopped: Callable[[], bool] = lambda: False,
        batch: int = 64,
    ) -> Reconciliation:
        """Make the vector index hold exactly the catalog's chunks: drop vectors without one, embed the
        missing ones ``batch`` at a time (the write lock is held only while writing, so the web app goes on
        meanwhile), then settle what changed during it. ``progress(done, total)`` follows each batch."""
        with self._writing:
            extra, missing = self.index_difference()
            self.index.delete(extra)
        restored = 0
        for start in range(0, len(missing), batch):
            if stopped():
                return Reconciliation(len(extra), restored)
            rows = list(self.catalog.iter_chunks(missing[start : start + batch]))
            if rows:
                vectors = self._embed([passage_text(c) for _, c in rows])
                with self._writing:
                    self.index.add([c.id for _, c in rows], vectors, [vector_metadata(rid, c) for rid, c in rows])
            restored += len(rows)
            if progress is not None:
                progress(restored, len(missing))
        with self._writing:  # uploads and deletes while it ran
            late_extra, late_missing = self.index_difference()
            self.index.delete(late_extra)
            restored += self._embed_and_add(late_missing)
        return Reconciliation(removed_vectors=len(extra) + len(late_extra), restored_vectors=restored)

    def index_difference(self) -> tuple[list[str], list[str]]:
        """(vectors without a chunk, chunks without a vector), sorted."""
        wanted = {cid for ids in self.catalog.chunk_ids_by_report().values() for cid in ids}
        present = set(self.index.iter_ids())
        return sorted(present - wanted), sorted(wanted - present)

    def reindex(self) -> int:
        """Rebuild the vector index from the catalog with the configured model."""
        with self._writing:
            self.index.recreate(self.embedder.index_id, self.embedder.dim)
            added = self._embed_and_add(None)
            self.catalog.set_meta(MODEL_KEY, self.embedder.index_id)
            self.lexicon.model_id = self.embedder.words_id
            self.rebuild_lexicon()
        return added

    def relearn_words(self, before: Sequence[Chunk], after: Sequence[Chunk]) -> None:
        """Passages whose text was rewritten (a person erased): count their words again."""
        with self._writing:
            self._learn_words(after, replaced=[c.text for c in before if c.lang == LEXICON_LANG])

    def rebuild_lexicon(self, keep_vectors: bool = False) -> None:
        """Count the English words of every stored passage again and embed those not yet known
        (all of them after a model change or when the file is missing)."""
        self.lexicon.clear(keep_vectors)
        english = (c.text for _, c in self.catalog.iter_chunks() if c.lang == LEXICON_LANG)
        self.lexicon.learn(english, self._embed_words)
        self.lexicon.forget(())  # vectors kept for words no longer in enough passages go
        self._lexicon_unsaved = True
        self._save_lexicon()  # also when there is nothing to learn, so the next open does not scan again

    def _learn_words(self, chunks: Iterable[Chunk], replaced: Sequence[str] = ()) -> None:
        """Count the English words of stored passages, and uncount those of ``replaced`` ones (after
        learning, so that words in both versions keep their vectors); called once the catalog committed."""
        texts = [c.text for c in chunks if c.lang == LEXICON_LANG]
        if texts:
            self.lexicon.learn(texts, self._embed_words)
        if replaced:
            self.lexicon.forget(replaced)
        if texts or replaced:
            self._lexicon_unsaved = True
            self._save_lexicon_soon()

    def _embed_words(self, words: list[str]) -> np.ndarray:
        # A word is a few tokens: large batches cost less per word, and give each word the vector it
        # gets alone, so a lexicon rebuilt from the catalog (a restore, a reindex) comes out the same.
        return self.embedder.words(words, batch_size=WORD_BATCH)

    def _save_lexicon_soon(self) -> None:
        if not self._batch_depth or time.monotonic() - self._lexicon_saved_at > LEXICON_SAVE_SECONDS:
            self._save_lexicon()

    def _save_lexicon(self) -> None:
        """Write the lexicon file. On a full disk it stays unsaved (and in use, in memory) until the next save
        or close; a process that ends before then counts the words again when the next one opens."""
        if self._lexicon_unsaved:
            self.lexicon.mark = self.catalog.passages_mark(LEXICON_LANG)
            try:
                with writing_to(self.settings.data_dir):
                    self.lexicon.save()
            except DiskFull as exc:
                log.warning("the lexicon was not saved: %s", exc)
                return
            self._lexicon_unsaved = False
            self._lexicon_saved_at = time.monotonic()

    def _embed_and_add(self, chunk_ids: Sequence[str] | None, batch: int = 256) -> int:
        """Embed and index the given chunks (all when None), a batch at a time; returns how many."""
        rows = self.catalog.iter_chunks(chunk_ids)
        added = 0
        while part := list(itertools.islice(rows, batch)):
            vectors = self._embed([passage_text(c) for _, c in part])
            self.index.add([c.id for _, c in part], vectors, [vector_metadata(rid, c) for rid, c in part])
            added += len(part)
        return added

    def embed_chunks(self, chunks: Sequence[Chunk]) -> np.ndarray:
        """Vectors for chunks, computed apart from storing them (no lock needed)."""
        return self._embed([passage_text(c) for c in chunks])

    def _embed(self, texts: list[str]) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self.embedder.passages(texts)
        finally:
            self.embed_seconds += time.perf_counter() - started


def _discard_partial(settings: Settings) -> int:
    """Delete what an earlier run left behind: files its writes cut short (a copy of an original, a redaction,
    the lexicon's next version; a full disk or a killed process) and uploads it queued and never read (their
    jobs died with it). Called by the writer, once it holds the lock."""
    partial = list(settings.files_dir.glob("*.part")) if settings.files_dir.is_dir() else []
    partial += list(settings.data_dir.glob("*.part.npz"))
    partial += [p for p in settings.uploads_dir.iterdir() if p.is_file()] if settings.uploads_dir.is_dir() else []
    for path in partial:
        path.unlink(missing_ok=True)
    return len(partial)


def _open_index(settings: Settings, model_id: str | None, dim: int) -> tuple[VectorIndex, str | None]:
    """Open the vector index; a damaged embedded one is moved aside and replaced by an empty one,
    which :meth:`Store.reconcile` (or the web app's repair) fills again from the catalog."""
    index = None
    try:
        index = VectorIndex.open(settings, model_id, dim)
        index.check()
        return index, None
    except IndexDamaged as exc:
        if settings.chroma_url:
            raise
        if index is not None:
            index.close()
        return VectorIndex.open_fresh(settings, model_id, dim), str(exc)
