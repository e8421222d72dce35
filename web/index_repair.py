"""A damaged or emptied vector index is refilled from the catalog in the background; search answers 503 meanwhile.

The catalog is the source of truth, so the vectors can always be recomputed. Refilling a few
thousand passages takes minutes on a small server: the app starts at once, pages that do not
need the index keep working, and search says plainly that it is being rebuilt.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kb.errors import IndexDamaged, IndexUnavailable, KBError, VectorIndexError
from kb.store.passages import vector_metadata
from kb.store.writer import Store

log = logging.getLogger("kb.web")
BATCH = 64  # passages embedded per step; the app lock is held only to read the catalog and to write vectors


class IndexRepair:
    """Tracks whether the vector index can serve search, and refills it when it cannot."""

    def __init__(self, store: Store, lock: threading.RLock, on_ready: Callable[[], object] | None = None):
        self._store = store
        self._lock = lock
        self._on_ready = on_ready  # run under the lock each time the index is whole (e.g. work that reads vectors)
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.done = 0
        self.total = 0
        self.failure = ""

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def require(self) -> None:
        """Raise IndexUnavailable while the index is being refilled."""
        if not self._ready.is_set():
            if self.failure:
                raise IndexUnavailable(
                    f"The search index could not be rebuilt ({self.failure}); run `kb reindex` on the server."
                )
            raise IndexUnavailable(
                f"The search index is being rebuilt from the catalog ({self.done} of {self.total} passages so far); "
                "search is back in a few minutes."
            )

    def start(self) -> None:
        """At start-up: drop vectors without chunks now, refill missing ones in the background."""
        try:
            with self._lock:
                missing = self._missing_after_removing_extras()
        except VectorIndexError:
            self.failed_at_run_time()  # damaged in a way opening did not show: check and rebuild
            return
        if self._store.index_damage:
            log.warning("vector index was damaged and is rebuilt from the catalog: %s", self._store.index_damage)
        if missing:
            self._refill_in_background(missing)
        else:
            self._became_ready()

    def failed_at_run_time(self) -> None:
        """A query failed: check the index, and rebuild it if it is damaged (once at a time)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._ready.clear()
        self.done = self.total = 0
        self._thread = threading.Thread(target=self._check_and_rebuild, name="index-repair", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _missing_after_removing_extras(self) -> list[str]:
        store = self._store
        wanted = {cid for ids in store.catalog.chunk_ids_by_report().values() for cid in ids}
        present = set(store.index.iter_ids())
        store.index.delete(sorted(present - wanted))
        return sorted(wanted - present)

    def _refill_in_background(self, missing: list[str]) -> None:
        self.total, self.done = len(missing), 0
        self._thread = threading.Thread(target=self._guarded, args=(missing,), name="index-repair", daemon=True)
        self._thread.start()

    def _check_and_rebuild(self) -> None:
        store = self._store
        try:
            with self._lock:
                try:
                    store.index.check()
                except IndexDamaged as exc:
                    log.warning("vector index found damaged at run time, rebuilding it: %s", exc)
                    store.index.discard(store.settings, store.embedder.index_id, store.embedder.dim)
                missing = self._missing_after_removing_extras()
            self.total = len(missing)
            self._guarded(missing)
        except Exception as exc:  # noqa: BLE001 - the repair thread reports, it never takes the app down
            self._fail(exc)

    def _guarded(self, missing: list[str]) -> None:
        try:
            self._refill(missing)
        except Exception as exc:  # noqa: BLE001 - see above
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        log.exception("rebuilding the vector index failed")
        self.failure = str(exc) if isinstance(exc, KBError) else type(exc).__name__

    def _refill(self, missing: list[str]) -> None:
        store = self._store
        for start in range(0, len(missing), BATCH):
            if self._stopping:
                return
            with self._lock:
                rows = list(store.catalog.iter_chunks(missing[start : start + BATCH]))
            if not rows:
                continue
            vectors = store.embed_chunks([c for _, c in rows])
            with self._lock:
                store.index.add([c.id for _, c in rows], vectors, [vector_metadata(rid, c) for rid, c in rows])
            self.done += len(rows)
        with self._lock:
            store.reconcile()  # whatever changed meanwhile (uploads, deletes) is settled under the lock
        self.failure = ""
        self._became_ready()
        log.warning("vector index rebuilt: %d passages", self.total)

    def _became_ready(self) -> None:
        self._ready.set()
        if self._on_ready is None:
            return
        try:
            with self._lock:
                self._on_ready()
        except Exception:  # noqa: BLE001 - follow-up work must not take search down again
            log.exception("work after the vector index became whole failed")
