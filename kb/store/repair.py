"""A damaged or emptied vector index is refilled from the catalog in the background; search says so meanwhile.

The catalog is the source of truth, so the vectors can always be recomputed. Refilling a few thousand
passages takes minutes on a small server: the app starts at once, pages that do not need the index
keep working, and search raises IndexUnavailable (503 on the web) until the index is whole again.
The refilling itself is :meth:`kb.store.writer.Store.reconcile`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kb.errors import IndexDamaged, IndexUnavailable, KBError, VectorIndexError
from kb.store.writer import Store

log = logging.getLogger("kb")


class IndexRepair:
    """Tracks whether the vector index can serve search, and refills it when it cannot."""

    def __init__(self, store: Store, on_ready: Callable[[], object] | None = None):
        self._store = store
        self._on_ready = on_ready  # run each time the index is whole (e.g. work that reads vectors)
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
        """At start-up: drop vectors without passages now; refill missing ones in the background (the index
        is ready at once when none are missing)."""
        store = self._store
        if store.index_damage:
            log.warning("vector index was damaged and is rebuilt from the catalog: %s", store.index_damage)
        try:
            with store.writing():
                extra, missing = store.index_difference()
                store.index.delete(extra)
        except VectorIndexError:
            self.failed_at_run_time()  # damaged in a way opening did not show: check and rebuild
            return
        if missing:
            self.total = len(missing)
            self._run(check_first=False)
        else:
            self._became_ready()

    def failed_at_run_time(self) -> None:
        """A query or a write failed: check the index, and rebuild it if it is damaged (once at a time)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._ready.clear()
        self.done = self.total = 0
        self._run(check_first=True)

    def stop(self) -> None:
        self._stopping = True
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self, check_first: bool) -> None:
        self._thread = threading.Thread(target=self._repair, args=(check_first,), name="index-repair", daemon=True)
        self._thread.start()

    def _repair(self, check_first: bool) -> None:
        store = self._store
        try:
            if check_first:
                with store.writing():
                    try:
                        store.index.check()
                    except IndexDamaged as exc:
                        log.warning("vector index found damaged at run time, rebuilding it: %s", exc)
                        store.index.discard(store.settings, store.embedder.index_id, store.embedder.dim)
            store.reconcile(progress=self._progress, stopped=lambda: self._stopping)
        except Exception as exc:  # noqa: BLE001 - the repair thread reports, it never takes the app down
            log.exception("rebuilding the vector index failed")
            self.failure = str(exc) if isinstance(exc, KBError) else type(exc).__name__
            return
        if not self._stopping:
            self.failure = ""
            self._became_ready()

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def _became_ready(self) -> None:
        if self.total:
            log.warning("vector index rebuilt: %d passages", self.total)
        self._ready.set()
        if self._on_ready is None:
            return
        try:
            self._on_ready()
        except Exception:  # noqa: BLE001 - follow-up work must not take search down again
            log.exception("work after the vector index became whole failed")
