"""The catalog's one SQLite connection, guarded by its own lock: the only way SQL reaches the database.

Every statement and every transaction of every thread passes through :class:`Database`, which holds a
re-entrant lock for it, so callers never take a lock of their own. A transaction holds the lock from
BEGIN to COMMIT: no other thread's statement can slip into it on the shared connection. The helpers
are for the modules of this package only (kb.catalog.*); nothing outside runs SQL.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from kb.catalog.disk import DiskAwareConnection
from kb.settings import Settings

Params = Sequence[object] | dict[str, object]
SQLValue = int | float | str | bytes | None  # what one SQLite column holds


def connect(settings: Settings) -> sqlite3.Connection:
    """The catalog file's connection: autocommit unless in a transaction, WAL, foreign keys, full sync."""
    path = settings.catalog_path
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10, factory=DiskAwareConnection)
    conn.data_dir = settings.data_dir  # names the disk when it is full
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


@contextmanager
def schema_lock(path: Path) -> Iterator[None]:
    """Processes opening one catalog migrate it one at a time: two that both saw an old schema would
    otherwise both alter it, and the second would fail half-way."""
    with open(path.with_name(path.name + ".schema-lock"), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Database:
    """A connection and its lock; the catalog's tables build on it (kb.catalog.database.Catalog)."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self._lock = threading.RLock()
        self.path = path
        self._own_writes = 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _rows(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _row(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        with self._lock:
            return self._conn.execute(sql, params).fetchone()

    def _value(self, sql: str, params: Params = ()) -> SQLValue:
        """The first column of the first row, or None."""
        row = self._row(sql, params)
        return row[0] if row is not None else None

    def _write(self, sql: str, params: Params = ()) -> int:
        """One statement that changes something, committed on its own; returns the rows it changed."""
        with self._lock:
            changed = self._conn.execute(sql, params).rowcount
            self._changed()
        return changed

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any error), with the lock held throughout."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                self._changed()  # what was read inside may have seen the rolled-back writes
                raise
            self._conn.execute("COMMIT")
            self._changed()

    def state(self) -> tuple[int, int]:
        """Changes whenever the catalog's content may have: a write through this connection or another
        (SQLite's data_version). What is derived from the content can be kept until it changes."""
        with self._lock:
            return self._conn.execute("PRAGMA data_version").fetchone()[0], self._own_writes

    def _changed(self) -> None:
        """Called after each write: tables that cache what they read forget it (kb.catalog.keywords)."""
        self._own_writes += 1
