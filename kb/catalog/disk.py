"""A full disk, recognised wherever it shows (SQLite, the file system, chromadb) and said plainly.

A write that fails for want of space becomes :class:`kb.errors.DiskFull` naming the data directory and
the fix, instead of a 500, "broken file" or "restore it from a backup". Reads need no space and go on.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.errors import DiskFull

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_FULL_WORDS = ("database or disk is full", "no space left on device", "disk quota exceeded")


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) says the disk or the quota is full."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DiskFull):
            return True
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return True
        if isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        if any(words in str(exc).lower() for words in _FULL_WORDS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def disk_full(data_dir: Path) -> DiskFull:
    return DiskFull(
        f"The disk holding KB_DATA_DIR ({data_dir}) is full: nothing can be saved until space is freed there or "
        "the data directory is moved to a larger disk. Searching and reading go on."
    )


@contextmanager
def writing_to(data_dir: Path) -> Iterator[None]:
    """Turn a full-disk failure of the writes inside into DiskFull; other errors pass unchanged."""
    try:
        yield
    except DiskFull:
        raise
    except Exception as exc:
        if is_disk_full(exc):
            raise disk_full(data_dir) from exc
        raise


class DiskAwareConnection(sqlite3.Connection):
    """An SQLite connection whose writes raise DiskFull when the disk is full (``sqlite3.connect(factory=…)``)."""

    data_dir: Path = Path(".")

    def execute(self, *args, **kwargs):
        with writing_to(self.data_dir):
            return super().execute(*args, **kwargs)

    def executemany(self, *args, **kwargs):
        with writing_to(self.data_dir):
            return super().executemany(*args, **kwargs)

    def executescript(self, *args, **kwargs):
        with writing_to(self.data_dir):
            return super().executescript(*args, **kwargs)

    def commit(self) -> None:
        with writing_to(self.data_dir):
            super().commit()
