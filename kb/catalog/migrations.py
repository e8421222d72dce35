"""The catalog's schema as an ordered list of migrations, each applied once and recorded (as simonw/llm does).

A new catalog runs them all; an older one runs those it lacks, in order, each in its own transaction,
and records each in the ``migrations`` table. Catalogs written before migrations were recorded carry
their schema version in ``PRAGMA user_version`` (1 to 5): the migrations that version already held are
recorded as applied without running. ``user_version`` goes on counting (5 plus the later migrations),
so that software older than a catalog refuses it. Never reorder or change a migration that has shipped;
add a new one at the end.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kb.catalog.connection import now
from kb.errors import CatalogError


@dataclass(frozen=True)
class Migration:
    name: str
    upgrade: Callable[[sqlite3.Connection], None]
    legacy_version: int | None = None  # the schema version (before migrations were recorded) that held it


MIGRATIONS: list[Migration] = []


def migration(legacy_version: int | None = None):
    """Register the decorated function as the next migration."""

    def register(upgrade: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
        MIGRATIONS.append(Migration(upgrade.__name__, upgrade, legacy_version))
        return upgrade

    return register


def migrate(conn: sqlite3.Connection, path: Path) -> list[str]:
    """Apply the migrations the catalog lacks (call under kb.catalog.connection.schema_lock); returns their names."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    recorded = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").fetchone()
    applied = {r[0] for r in conn.execute("SELECT name FROM migrations")} if recorded else set()
    unknown = applied - {m.name for m in MIGRATIONS}
    if unknown or version > schema_version():
        raise CatalogError(
            f"The catalog {path} was written by a newer version (schema {version}); upgrade the software."
        )
    if not recorded and version:  # written before migrations were recorded: version N held these
        applied = {m.name for m in MIGRATIONS if m.legacy_version is not None and m.legacy_version <= version}
    missing = [m for m in MIGRATIONS if m.name not in applied]
    if not missing and recorded:
        return []  # no write at all: a catalog on a full disk still opens
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    conn.executemany(
        "INSERT OR IGNORE INTO migrations (name, applied_at) VALUES (?, ?)", [(name, now()) for name in applied]
    )
    conn.execute("COMMIT")
    for step in missing:
        conn.execute("BEGIN IMMEDIATE")
        try:
            step.upgrade(conn)
            conn.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (step.name, now()))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    conn.execute(f"PRAGMA user_version = {schema_version()}")
    return [m.name for m in missing]


def schema_version() -> int:
    """The last legacy schema version, plus one for each migration after it."""
    legacy = [m.legacy_version for m in MIGRATIONS if m.legacy_version is not None]
    return max(legacy, default=0) + sum(1 for m in MIGRATIONS if m.legacy_version is None)


def _add_columns(conn: sqlite3.Connection, table: str, columns: dict[str, str]) -> None:
    present = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
    for column, ddl in columns.items():
        if column not in present:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}")


def _statements(script: str) -> list[str]:
    """A script's statements one by one (executescript would commit the migration's transaction)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):  # SQLite's own tokenizer: comments and quotes are no end
            statements.append(current.strip())
            current = ""
    return statements


# -- the migrations, oldest first ---------------------------------------------------------------

SCHEMA_4 = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256 TEXT NOT NULL UNIQUE,
    filename TEXT NOT NULL,
    title TEXT,
    acronym TEXT,
    programme TEXT,
    period_start INTEGER,
    period_end INTEGER,
    budget_total REAL,
    eu_funding REAL,
    currency TEXT,
    pages INTEGER NOT NULL,
    lang TEXT NOT NULL,
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    section TEXT NOT NULL,
    heading TEXT NOT NULL,
    lang TEXT NOT NULL,
    text TEXT NOT NULL,
    term_row INTEGER,  -- the chunk's rowid in chunk_terms, to score given chunks without a full-text scan
    UNIQUE (report_id, seq)
);
CREATE INDEX IF NOT EXISTS chunks_report ON chunks(report_id);
CREATE TABLE IF NOT EXISTS partners (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    country TEXT,
    role TEXT NOT NULL,
    page INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS partners_report ON partners(report_id);
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT,
    organisation TEXT,
    email TEXT,
    phone TEXT,
    page INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS contacts_report ON contacts(report_id);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_terms USING fts5(
    chunk_id UNINDEXED, stems, exact, tokenize = 'unicode61 remove_diacritics 0'
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_terms_vocab USING fts5vocab(chunk_terms, 'row');
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_terms_columns USING fts5vocab(chunk_terms, 'col');
CREATE TABLE IF NOT EXISTS report_themes (
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    theme TEXT NOT NULL,
    score REAL,
    source TEXT NOT NULL,  -- 'auto' (suggested from the text) or 'review' (set by a person)
    PRIMARY KEY (report_id, theme)
);
CREATE INDEX IF NOT EXISTS report_themes_theme ON report_themes(theme);
CREATE TABLE IF NOT EXISTS collections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    featured INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS collection_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,  -- 'passage' (chunk id), 'report' (report id) or 'contact' (report id:e-mail or name)
    ref TEXT NOT NULL,
    intro TEXT NOT NULL DEFAULT '',
    UNIQUE (collection_id, kind, ref)
);
CREATE TABLE IF NOT EXISTS collection_reads (
    item_id INTEGER NOT NULL REFERENCES collection_items(id) ON DELETE CASCADE,
    reader TEXT NOT NULL,
    read_at TEXT NOT NULL,
    PRIMARY KEY (item_id, reader)
);
-- The partner directory (kb/directory/organisations.py). What registers say about their organisations, and when
-- an entry was last seen in its register (the date its contacts were last confirmed):
CREATE TABLE IF NOT EXISTS partner_details (
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    org_id TEXT,
    vat TEXT,
    org_type TEXT,
    PRIMARY KEY (report_id, name)
);
CREATE TABLE IF NOT EXISTS source_seen (
    report_id INTEGER PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
    seen_at TEXT NOT NULL
);
-- Organisations are derived from partners (rebuilt when partners change); their ids are kept per key.
CREATE TABLE IF NOT EXISTS organisation_ids (key TEXT PRIMARY KEY, id INTEGER NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS organisations (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    country TEXT,
    org_type TEXT,
    identifiers TEXT NOT NULL DEFAULT '[]',
    reasons TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS organisation_aliases (
    alias TEXT PRIMARY KEY,
    organisation_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    country TEXT,
    mentions INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS organisation_aliases_org ON organisation_aliases(organisation_id);
CREATE TABLE IF NOT EXISTS organisation_partners (
    partner_id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS organisation_partners_org ON organisation_partners(organisation_id);
CREATE TABLE IF NOT EXISTS organisation_contacts (
    contact_id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS organisation_contacts_org ON organisation_contacts(organisation_id);
CREATE TABLE IF NOT EXISTS organisation_decisions (
    id INTEGER PRIMARY KEY,
    action TEXT NOT NULL CHECK (action IN ('merge', 'split')),
    alias TEXT NOT NULL,
    other TEXT,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
-- term_document_share counts one language's passages per query: without this a full scan of chunks
CREATE INDEX IF NOT EXISTS chunks_lang ON chunks(lang);
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL,
    password_hash TEXT,
    source TEXT NOT NULL DEFAULT 'local',
    subject TEXT UNIQUE,
    disabled INTEGER NOT NULL DEFAULT 0,
    epoch INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
"""


@migration(legacy_version=4)
def m001_schema_4(conn: sqlite3.Connection) -> None:
    """Everything up to schema 4 (the last unrecorded one): tables, later columns, and the keyword index
    rebuilt with stems and numbered rows (chunks.term_row)."""
    for statement in _statements(SCHEMA_4):
        conn.execute(statement)
    _add_columns(
        conn,
        "reports",
        {
            "status": "TEXT NOT NULL DEFAULT 'published'",  # 'draft' until a project lead publishes an upload
            "department": "TEXT",
            "contact": "TEXT",
            "kind": "TEXT NOT NULL DEFAULT 'report'",  # or 'register': an entry of a project register
            "external_id": "TEXT",
        },
    )
    _add_columns(conn, "chunks", {"term_row": "INTEGER"})
    conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS chunks_term_row ON chunks(term_row)")
    # every search asks for the drafts (few): without this a scan of every report
    conn.execute("CREATE INDEX IF NOT EXISTS reports_unpublished ON reports(id) WHERE status != 'published'")
    from kb.catalog.keywords import rebuild_terms

    rebuild_terms(conn)


@migration(legacy_version=5)
def m002_owners_jobs_originals(conn: sqlite3.Connection) -> None:
    """Who uploaded a report is kept on the report (it was kept per file hash in a table of its own and never
    cleared); upload jobs outlive the process; an erasure can withhold or redact a report's original."""
    _add_columns(
        conn,
        "reports",
        {
            "uploaded_by": "TEXT",  # the account that uploaded it: it may edit the report, and see it as a draft
            "original": "TEXT NOT NULL DEFAULT 'kept'",  # the original PDF: 'kept', 'redacted' or 'withheld'
        },
    )
    conn.execute(
        """CREATE TABLE IF NOT EXISTS upload_jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    owner TEXT,
    state TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    report_id INTEGER,
    result TEXT,
    updated_at TEXT NOT NULL
)"""
    )
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'uploaders'").fetchone():
        conn.execute(
            "UPDATE reports SET uploaded_by = (SELECT account FROM uploaders u WHERE u.sha256 = reports.sha256) "
            "WHERE uploaded_by IS NULL"
        )
        conn.execute("DROP TABLE uploaders")


@migration()
def m003_title_subtitle_confidence(conn: sqlite3.Connection) -> None:
    """A report's subtitle is kept apart from its title, and how sure the reading was of the title (NULL once
    a person has reviewed it), so that the review form can flag a doubtful one."""
    _add_columns(conn, "reports", {"subtitle": "TEXT", "title_confidence": "REAL"})


@migration()
def m006_reviewed_at(conn: sqlite3.Connection) -> None:
    """When a person last reviewed a report: re-reading its original (kb reanalyse) keeps what they corrected.
    Reports reviewed before are found in the audit log."""
    _add_columns(conn, "reports", {"reviewed_at": "TEXT"})
    conn.execute(
        "UPDATE reports SET reviewed_at = (SELECT MAX(at) FROM audit_log a "
        "WHERE a.action = 'review' AND a.target = 'report ' || reports.id)"
    )
