"""The catalog: one SQLite file, the source of truth for reports, passages, people and what editors build.

Open it with :meth:`Catalog.open` (it upgrades an older file, see kb.catalog.migrations) and close it, or
use it as a context manager. Its core tables are its methods (kb.catalog.reports, chunks, keywords,
people, audit, jobs); accounts are ``catalog.accounts``; the SQL of collections, themes, the follow-up
figures and the partner directory is in kb.catalog.<feature>, called by kb.library and kb.directory.
Safe to share between threads: kb.catalog.connection serialises every statement and transaction.
"""

from __future__ import annotations

import sqlite3

from kb.catalog.accounts import Accounts
from kb.catalog.audit import AuditLog
from kb.catalog.chunks import Chunks
from kb.catalog.connection import connect, schema_lock
from kb.catalog.jobs import UploadJobs
from kb.catalog.keywords import KeywordIndex
from kb.catalog.migrations import migrate
from kb.catalog.people import People
from kb.errors import CatalogError
from kb.settings import Settings


class Catalog(Chunks, KeywordIndex, People, AuditLog, UploadJobs):
    """Reports, their passages and everything stored beside them. Open one per process with :meth:`open`."""

    def __init__(self, conn: sqlite3.Connection, path):
        super().__init__(conn, path)
        self.accounts = Accounts(self)

    @classmethod
    def open(cls, settings: Settings) -> Catalog:
        path = settings.catalog_path
        try:
            conn = connect(settings)
            with schema_lock(path):
                migrate(conn, path)
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"Cannot open the catalog {path}: {exc}. Restore it from a backup.") from exc
        return cls(conn, path)

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
