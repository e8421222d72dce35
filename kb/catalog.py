"""The catalog: an SQLite database, the source of truth. The only module that speaks SQL."""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from kb import bm25
from kb.errors import CatalogError, ReportNotFound
from kb.models import Chunk, Contact, Filters, Partner, Report, ReportMeta
from kb.settings import Settings
from kb.terms import index_terms

SCHEMA_VERSION = 4
TERM_COLUMNS = 3  # chunk_terms: chunk_id (not indexed), stems, exact

SCHEMA = """
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
-- The partner directory (kb/directory.py). What registers say about their organisations, and when
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
"""

# Columns added after schema 1, with their definitions (added on open to older catalogs).
_ADDED_COLUMNS = {
    "status": "TEXT NOT NULL DEFAULT 'published'",  # 'draft' until a project lead publishes an upload
    "department": "TEXT",
    "contact": "TEXT",
    "kind": "TEXT NOT NULL DEFAULT 'report'",
    "external_id": "TEXT",
    "subtitle": "TEXT",
    "title_confidence": "REAL",  # how sure the reading was of the title; NULL once a person has reviewed it
}
_REPORT_COLUMNS = (
    "r.id, r.sha256, r.filename, r.title, r.acronym, r.programme, r.period_start, r.period_end, "
    "r.budget_total, r.eu_funding, r.currency, r.pages, r.lang, r.ingested_at, r.status, r.department, r.contact, "
    "r.kind, r.external_id, r.subtitle, r.title_confidence"
)


class Catalog:
    """Reports and their chunks. Open one per process with :meth:`open`."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self.path = path
        # Passages per term, from FTS5's vocabulary, which counts them by walking the term's whole
        # posting list (tens of ms for a common word at 200,000 passages). Kept until the catalog changes.
        self._term_docs: dict[tuple[str, str], dict[str, int]] = {}
        self._seen_version: int | None = None

    @classmethod
    def open(cls, settings: Settings) -> Catalog:
        path = settings.catalog_path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=FULL")
            with _schema_lock(path):
                catalog = cls._checked(conn, path)
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"Cannot open the catalog {path}: {exc}. Restore it from a backup.") from exc
        return catalog

    @classmethod
    def _checked(cls, conn: sqlite3.Connection, path: Path) -> Catalog:
        """Bring the schema up to date (one process at a time: see _schema_lock)."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise CatalogError(
                f"The catalog {path} was written by a newer version (schema {version}); upgrade the software."
            )
        conn.executescript(SCHEMA)
        catalog = cls(conn, path)
        columns = {r[1] for r in conn.execute("PRAGMA table_info(reports)")}
        for column, ddl in _ADDED_COLUMNS.items():
            if column not in columns:
                conn.execute(f"ALTER TABLE reports ADD COLUMN {column} {ddl}")
        if "term_row" not in {r[1] for r in conn.execute("PRAGMA table_info(chunks)")}:
            conn.execute("ALTER TABLE chunks ADD COLUMN term_row INTEGER")
        conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS chunks_term_row ON chunks(term_row)")
        # every search asks for the drafts (few): without this a scan of every report
        conn.execute("CREATE INDEX IF NOT EXISTS reports_unpublished ON reports(id) WHERE status != 'published'")
        if version < 4:
            catalog._rebuild_terms()  # stems since schema 2; rows numbered by chunks.term_row since 4
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        return catalog

    def _rebuild_terms(self) -> None:
        with self.transaction() as tx:
            tx.execute("DELETE FROM chunk_terms")
            tx.execute("UPDATE chunks SET term_row = NULL")
            rows = tx.execute("SELECT id, heading, text, lang FROM chunks").fetchall()
            _insert_terms(tx, [(r["id"], r["heading"], r["text"], r["lang"]) for r in rows])

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            self._term_docs.clear()  # counts read inside the transaction may have seen its writes
            raise
        self._conn.execute("COMMIT")
        self._term_docs.clear()

    # -- settings kept with the data -------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- reports ----------------------------------------------------------------------
    def add_report(
        self,
        *,
        report_id: int,
        sha256: str,
        filename: str,
        meta: ReportMeta,
        pages: int,
        lang: str,
        chunks: Sequence[Chunk],
        replace_id: int | None = None,
        status: str = "published",
        kind: str = "report",
        external_id: str | None = None,
        partners: Sequence[Partner] = (),
        contacts: Sequence[Contact] = (),
    ) -> None:
        """Store a report and all its chunks in one transaction (deleting ``replace_id``)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.transaction() as tx:
            if replace_id is not None:
                _delete_terms(tx, replace_id)
                tx.execute("DELETE FROM reports WHERE id = ?", (replace_id,))
            tx.execute(
                "INSERT INTO reports (id, sha256, filename, title, acronym, programme, period_start, period_end, "
                "budget_total, eu_funding, currency, pages, lang, ingested_at, status, kind, external_id, "
                "subtitle, title_confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report_id,
                    sha256,
                    filename,
                    *_meta_values(meta),
                    pages,
                    lang,
                    now,
                    status,
                    kind,
                    external_id,
                    meta.subtitle,
                    meta.title_confidence,
                ),
            )
            tx.executemany(
                "INSERT INTO chunks (id, report_id, seq, page_start, page_end, section, heading, lang, text) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (c.id, report_id, c.seq, c.page_start, c.page_end, c.section, c.heading, c.lang, c.text)
                    for c in chunks
                ],
            )
            _insert_terms(tx, [(c.id, c.heading, c.text, c.lang) for c in chunks])
            _insert_people(tx, report_id, partners, contacts)

    def next_report_id(self) -> int:
        """The id the next report will get; ids are never reused (AUTOINCREMENT).

        Only meaningful under the writer lock, which makes this process the only inserter.
        """
        row = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'reports'").fetchone()
        return (row[0] if row else 0) + 1

    def update_report(self, report_id: int, meta: ReportMeta, department: str | None, contact: str | None) -> None:
        """Correct what extraction got wrong (the review form). The subtitle stays as read; the title's
        confidence is the one given (None from the form: a person has seen the title)."""
        self.report(report_id)
        with self.transaction() as tx:
            tx.execute(
                "UPDATE reports SET title = ?, acronym = ?, programme = ?, period_start = ?, period_end = ?, "
                "budget_total = ?, eu_funding = ?, currency = ?, department = ?, contact = ?, title_confidence = ? "
                "WHERE id = ?",
                (*_meta_values(meta), department, contact, meta.title_confidence, report_id),
            )

    def partners_of(self, report_id: int) -> list[Partner]:
        rows = self._conn.execute(
            "SELECT name, country, role, page FROM partners WHERE report_id = ? ORDER BY role != 'lead partner', id",
            (report_id,),
        )
        return [Partner(r["name"], r["country"], r["role"], r["page"]) for r in rows]

    def contacts_of(self, report_id: int) -> list[Contact]:
        rows = self._conn.execute(
            "SELECT name, role, organisation, email, phone, page FROM contacts WHERE report_id = ? ORDER BY id",
            (report_id,),
        )
        return [Contact(r["name"], r["role"], r["organisation"], r["email"], r["phone"], r["page"]) for r in rows]

    def replace_people(self, report_id: int, partners: Sequence[Partner], contacts: Sequence[Contact]) -> None:
        """Replace a report's partners and contacts with corrected lists (the review form)."""
        self.report(report_id)
        with self.transaction() as tx:
            tx.execute("DELETE FROM partners WHERE report_id = ?", (report_id,))
            tx.execute("DELETE FROM contacts WHERE report_id = ?", (report_id,))
            _insert_people(tx, report_id, partners, contacts)

    # -- personal data ------------------------------------------------------------------
    def contacts_by_email(self, email: str) -> list[tuple[int, Contact]]:
        rows = self._conn.execute(
            "SELECT report_id, name, role, organisation, email, phone, page FROM contacts "
            "WHERE lower(email) = lower(?) ORDER BY id",
            (email,),
        )
        return [(r[0], Contact(r[1], r[2], r[3], r[4], r[5], r[6])) for r in rows]

    def chunks_mentioning(self, needles: Sequence[str]) -> list[tuple[int, Chunk]]:
        """Chunks whose text contains any of ``needles`` (case-insensitive)."""
        found: dict[str, tuple[int, Chunk]] = {}
        for needle in needles:
            if not needle:
                continue
            for row in self._conn.execute(
                "SELECT * FROM chunks WHERE instr(lower(text), lower(?)) > 0 OR instr(lower(heading), lower(?)) > 0",
                (needle, needle),
            ):
                found[row["id"]] = (row["report_id"], _chunk(row))
        return list(found.values())

    def erase_contact(self, email: str, redactions: dict[str, str]) -> None:
        """Remove a person's contact rows and write redacted texts for the chunks that named them."""
        with self.transaction() as tx:
            tx.execute("DELETE FROM contacts WHERE lower(email) = lower(?)", (email,))
            for chunk_id, text in redactions.items():
                row = tx.execute("SELECT heading, lang, term_row FROM chunks WHERE id = ?", (chunk_id,)).fetchone()
                tx.execute("UPDATE chunks SET text = ? WHERE id = ?", (text, chunk_id))
                tx.execute("DELETE FROM chunk_terms WHERE rowid = ?", (row["term_row"],))
                _insert_terms(tx, [(chunk_id, row["heading"], text, row["lang"])])

    def audit(self, actor: str, action: str, target: str, outcome: str = "ok") -> None:
        """Append to the audit log: who did what to what, when, and how it went."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._conn.execute(
            "INSERT INTO audit_log (at, actor, action, target, outcome) VALUES (?, ?, ?, ?, ?)",
            (now, actor, action, target, outcome),
        )

    def audit_entries(self, limit: int = 200) -> list[dict]:
        rows = self._conn.execute(
            "SELECT at, actor, action, target, outcome FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [dict(r) for r in rows]

    def set_section(self, chunk_id: str, section: str) -> None:
        with self.transaction() as tx:
            tx.execute("UPDATE chunks SET section = ? WHERE id = ?", (section, chunk_id))

    def publish(self, report_id: int) -> None:
        self.report(report_id)
        with self.transaction() as tx:
            tx.execute("UPDATE reports SET status = 'published' WHERE id = ?", (report_id,))

    def delete_report(self, report_id: int) -> list[str]:
        """Remove a report and its chunks; returns the removed chunk ids."""
        with self.transaction() as tx:
            ids = [r[0] for r in tx.execute("SELECT id FROM chunks WHERE report_id = ?", (report_id,))]
            _delete_terms(tx, report_id)
            if tx.execute("DELETE FROM reports WHERE id = ?", (report_id,)).rowcount == 0:
                raise ReportNotFound(f"No report has id {report_id}; `kb reports` lists them.")
        return ids

    def _one_report(self, where: str, params: tuple) -> Report | None:
        row = self._conn.execute(
            f"SELECT {_REPORT_COLUMNS}, (SELECT COUNT(*) FROM chunks c WHERE c.report_id = r.id) AS n "
            f"FROM reports r WHERE {where} ORDER BY r.id DESC LIMIT 1",
            params,
        ).fetchone()
        return _report(row) if row else None

    def report(self, report_id: int) -> Report:
        row = self._one_report("r.id = ?", (report_id,))
        if row is None:
            raise ReportNotFound(f"No report has id {report_id}; `kb reports` lists them.")
        return row

    def report_by_sha(self, sha256: str) -> Report | None:
        return self._one_report("r.sha256 = ?", (sha256,))

    def report_by_external_id(self, external_id: str) -> Report | None:
        return self._one_report("r.external_id = ?", (external_id,))

    def report_by_filename(self, filename: str) -> Report | None:
        return self._one_report("r.filename = ?", (filename,))

    def reports(self) -> list[Report]:
        rows = self._conn.execute(
            f"SELECT {_REPORT_COLUMNS}, COUNT(c.id) AS n FROM reports r "
            "LEFT JOIN chunks c ON c.report_id = r.id GROUP BY r.id ORDER BY r.id"
        ).fetchall()
        return [_report(r) for r in rows]

    # -- chunks -----------------------------------------------------------------------
    def chunks_of(self, report_id: int) -> list[Chunk]:
        rows = self._conn.execute("SELECT * FROM chunks WHERE report_id = ? ORDER BY seq", (report_id,))
        return [_chunk(r) for r in rows]

    def chunks_with_reports(self, chunk_ids: Sequence[str]) -> dict[str, tuple[Chunk, Report]]:
        """Look up chunks by id together with their reports; unknown ids are left out."""
        found: dict[str, tuple[Chunk, Report]] = {}
        reports: dict[int, Report] = {}
        for start in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[start : start + 500])
            marks = ",".join("?" * len(part))
            for row in self._conn.execute(f"SELECT * FROM chunks WHERE id IN ({marks})", part):
                rid = row["report_id"]
                if rid not in reports:
                    reports[rid] = self.report(rid)
                found[row["id"]] = (_chunk(row), reports[rid])
        return found

    def chunk_ids_by_report(self) -> dict[int, set[str]]:
        result: dict[int, set[str]] = {}
        for rid, cid in self._conn.execute("SELECT report_id, id FROM chunks"):
            result.setdefault(rid, set()).add(cid)
        return result

    def iter_chunks(self, chunk_ids: Sequence[str] | None = None) -> Iterator[tuple[int, Chunk]]:
        """Every chunk (or the given ones) with its report id, in a stable order, read 500 at a time
        (200,000 passages do not fit comfortably in memory at once)."""
        if chunk_ids is None:
            last = (-1, -1)
            while True:
                rows = self._conn.execute(
                    "SELECT * FROM chunks WHERE (report_id, seq) > (?, ?) ORDER BY report_id, seq LIMIT 500", last
                ).fetchall()
                if not rows:
                    return
                last = (rows[-1]["report_id"], rows[-1]["seq"])
                for row in rows:
                    yield row["report_id"], _chunk(row)
        ids = list(chunk_ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            for row in self._conn.execute(f"SELECT * FROM chunks WHERE id IN ({marks})", part).fetchall():
                yield row["report_id"], _chunk(row)

    # -- keyword index ------------------------------------------------------------------
    def report_ids(self, filters: Filters) -> list[int]:
        """Reports that pass the report-level filters (programme, year, report, theme)."""
        sql, params = "SELECT id FROM reports WHERE 1", []
        if filters.programme:
            sql += " AND programme = ?"
            params.append(filters.programme)
        if filters.year is not None:
            sql += " AND period_start <= ? AND COALESCE(period_end, period_start) >= ?"
            params += [filters.year, filters.year]
        if filters.report_id is not None:
            sql += " AND id = ?"
            params.append(filters.report_id)
        if filters.theme:
            sql += " AND id IN (SELECT report_id FROM report_themes WHERE theme = ?)"
            params.append(filters.theme)
        return [r[0] for r in self._conn.execute(sql, params)]

    def unpublished_chunk_ids(self) -> set[str]:
        """Passages of drafts awaiting their review (few: search leaves them out of its candidates)."""
        rows = self._conn.execute(
            "SELECT id FROM chunks WHERE report_id IN (SELECT id FROM reports WHERE status != 'published')"
        )
        return {r[0] for r in rows}

    def unpublished_report_ids(self) -> list[int]:
        return [r[0] for r in self._conn.execute("SELECT id FROM reports WHERE status != 'published'")]

    def programmes(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT DISTINCT programme FROM reports WHERE programme IS NOT NULL")]

    def keyword_search(
        self,
        stems: Sequence[str],
        exact: Sequence[str],
        k: int,
        weights: tuple[float, float] = (1.0, 0.5),
        report_ids: Sequence[int] | None = None,
        lang: str | None = None,
        section: str | None = None,
        among: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """BM25 over stems and exact words; higher scores are better.

        With ``among``, only those chunks are scored (the same scores, without FTS5 scoring every
        passage that shares a word with the query; see kb.bm25).
        """
        if among is not None:
            found = self._keyword_scores(stems, exact, weights, among, report_ids, lang, section)
            return sorted(found.items(), key=lambda item: (-item[1], item[0]))[:k]
        parts = []
        if stems:
            parts.append(f"stems : ({_fts_terms(stems)})")
        if exact:
            parts.append(f"exact : ({_fts_terms(exact)})")
        if not parts or k <= 0:
            return []
        sql = "SELECT chunk_id, -bm25(chunk_terms, 0, ?, ?) AS score FROM chunk_terms WHERE chunk_terms MATCH ?"
        params: list[object] = [weights[0], weights[1], " OR ".join(parts)]
        chunk_filter, chunk_params = [], []
        if report_ids is not None:
            chunk_filter.append(f"report_id IN ({','.join('?' * len(report_ids)) or 'NULL'})")
            chunk_params += list(report_ids)
        if lang is not None:
            chunk_filter.append("lang = ?")
            chunk_params.append(lang)
        if section is not None:
            chunk_filter.append("section = ?")
            chunk_params.append(section)
        if chunk_filter:
            sql += f" AND chunk_id IN (SELECT id FROM chunks WHERE {' AND '.join(chunk_filter)})"
            params += chunk_params
        sql += " ORDER BY score DESC LIMIT ?"
        params.append(k)
        return [(r[0], float(r[1])) for r in self._conn.execute(sql, params)]

    def _keyword_scores(self, stems, exact, weights, among, report_ids, lang, section) -> dict[str, float]:
        phrases = [bm25.Phrase(t, 1, weights[0]) for t in dict.fromkeys(stems)]
        phrases += [bm25.Phrase(t, 2, weights[1]) for t in dict.fromkeys(exact)]
        if not phrases or not among:
            return {}
        # The given ids pick the rows; "+" keeps SQLite from walking an index of a filter column instead
        # (the language index holds most passages).
        clauses, params = ["c.id IN ({})".format(",".join("?" * len(among)))], list(among)
        if report_ids is not None:
            clauses.append(f"+c.report_id IN ({','.join('?' * len(report_ids)) or 'NULL'})")
            params += list(report_ids)
        for column, value in (("lang", lang), ("section", section)):
            if value is not None:
                clauses.append(f"+c.{column} = ?")
                params.append(value)
        rows = self._conn.execute(
            f"SELECT c.id, t.stems, t.exact FROM chunks c JOIN chunk_terms t ON t.rowid = c.term_row "
            f"WHERE {' AND '.join(clauses)}",
            params,
        ).fetchall()
        if not rows:
            return {}
        documents = {r[0]: ((), r[1].split(), r[2].split()) for r in rows}
        terms = sorted({p.term for p in phrases})
        hits = {(term, 1): n for term, n in self._documents_with(terms, "stems").items()}
        hits.update({(term, 2): n for term, n in self._documents_with(terms, "exact").items()})
        return bm25.scores(phrases, documents, hits, self._term_statistics())

    def _documents_with(self, terms: Sequence[str], column: str | None) -> dict[str, int]:
        """Passages containing each term (in ``column``, or in any column when None); cached."""
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]  # changes when another process writes
        if version != self._seen_version:
            self._term_docs.clear()
            self._seen_version = version
        cache = self._term_docs.setdefault(("row", "") if column is None else ("col", column), {})
        missing = sorted(set(terms) - cache.keys())
        if missing:
            marks = ",".join("?" * len(missing))
            if column is None:
                sql, params = f"SELECT term, doc FROM chunk_terms_vocab WHERE term IN ({marks})", missing
            else:
                sql = f"SELECT term, doc FROM chunk_terms_columns WHERE term IN ({marks}) AND col = ?"
                params = [*missing, column]
            cache.update(dict.fromkeys(missing, 0))
            cache.update(dict(self._conn.execute(sql, params).fetchall()))
        return {term: cache[term] for term in terms if cache[term]}

    def _term_statistics(self) -> bm25.Statistics:
        """Rows and tokens per column of chunk_terms, from FTS5's own totals (its "averages" record)."""
        row = self._conn.execute("SELECT block FROM chunk_terms_data WHERE id = 1").fetchone()
        values = (bm25.read_varints(bytes(row[0])) if row else []) or [0]  # empty until a first row
        return bm25.Statistics(rows=values[0], column_tokens=values[1 : 1 + TERM_COLUMNS])

    def chunk_count(self, lang: str) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM chunks WHERE lang = ?", (lang,)).fetchone()[0]

    def passages_mark(self, lang: str) -> str:
        """Changes whenever passages in ``lang`` are added, replaced or removed: their number and the
        last report id given (ids are never reused, so a replacement shows even at an equal count)."""
        seq = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'reports'").fetchone()
        return f"{self.chunk_count(lang)}/{seq[0] if seq else 0}"

    def term_document_share(self, terms: Sequence[str], lang: str) -> dict[str, float]:
        """Share of the passages in ``lang`` that contain each term, to drop terms too common to help.

        Counted against one language's passages because a language's function words occur
        only in its own passages: against the whole collection they look rare.
        """
        if not terms:
            return {}
        total = self.chunk_count(lang) or 1
        return {term: doc / total for term, doc in self._documents_with(terms, None).items()}

    def stats(self) -> dict[str, object]:
        one = self._conn.execute
        return {
            "reports": one("SELECT COUNT(*) FROM reports").fetchone()[0],
            "chunks": one("SELECT COUNT(*) FROM chunks").fetchone()[0],
            "pages": one("SELECT COALESCE(SUM(pages), 0) FROM reports").fetchone()[0],
            "chunks_by_lang": dict(one("SELECT lang, COUNT(*) FROM chunks GROUP BY lang").fetchall()),
            "chunks_by_section": dict(one("SELECT section, COUNT(*) FROM chunks GROUP BY section").fetchall()),
        }

    def integrity_check(self) -> str:
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0]

    # -- for the modules that keep their own tables (kb.themes, kb.collections, kb.followup) --
    def read(self, sql: str, params: Sequence = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, params).fetchall()

    # -- the partner directory's sources (its own tables: kb/directory_catalog.py) ----------
    @property
    def connection(self) -> sqlite3.Connection:
        """For kb.directory_catalog, which keeps the directory's SQL out of this module."""
        return self._conn

    def record_sources(self, seen: dict[int, dict[str, dict]]) -> None:
        """Register entries seen today, with what the register says about each organisation."""
        today = datetime.now(UTC).date().isoformat()
        with self.transaction() as tx:
            for report_id, details in seen.items():
                tx.execute(
                    "INSERT INTO source_seen (report_id, seen_at) VALUES (?, ?) "
                    "ON CONFLICT(report_id) DO UPDATE SET seen_at = excluded.seen_at",
                    (report_id, today),
                )
                tx.execute("DELETE FROM partner_details WHERE report_id = ?", (report_id,))
                tx.executemany(
                    "INSERT OR REPLACE INTO partner_details (report_id, name, org_id, vat, org_type) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(report_id, n, d.get("org_id"), d.get("vat"), d.get("org_type")) for n, d in details.items()],
                )


def _meta_values(meta: ReportMeta) -> tuple:
    """The metadata columns in the order the reports table lists them (title ... currency)."""
    return (
        meta.title,
        meta.acronym,
        meta.programme,
        meta.period_start,
        meta.period_end,
        meta.budget_total,
        meta.eu_funding,
        meta.currency,
    )


@contextmanager
def _schema_lock(path: Path) -> Iterator[None]:
    """Processes opening one catalog check and migrate its schema one at a time: two that both saw an
    old schema would otherwise both alter it, and the second would fail half-way."""
    with open(path.with_name(path.name + ".schema-lock"), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _insert_people(
    tx: sqlite3.Connection, report_id: int, partners: Sequence[Partner], contacts: Sequence[Contact]
) -> None:
    tx.executemany(
        "INSERT INTO partners (report_id, name, country, role, page) VALUES (?, ?, ?, ?, ?)",
        [(report_id, p.name, p.country, p.role, p.page) for p in partners],
    )
    tx.executemany(
        "INSERT INTO contacts (report_id, name, role, organisation, email, phone, page) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(report_id, c.name, c.role, c.organisation, c.email, c.phone, c.page) for c in contacts],
    )


def _delete_terms(tx: sqlite3.Connection, report_id: int) -> None:
    tx.execute("DELETE FROM chunk_terms WHERE rowid IN (SELECT term_row FROM chunks WHERE report_id = ?)", (report_id,))


def _insert_terms(tx: sqlite3.Connection, chunks: Sequence[tuple[str, str, str, str]]) -> None:
    """Index (id, heading, text, lang) chunks for keyword search, numbering their rows in chunks.term_row."""
    last = tx.execute("SELECT rowid FROM chunk_terms ORDER BY rowid DESC LIMIT 1").fetchone()
    top = tx.execute("SELECT MAX(term_row) FROM chunks").fetchone()[0]
    first = max(last[0] if last else 0, top or 0) + 1
    rows = [
        (first + i, cid, *index_terms(f"{heading}\n{text}", lang))
        for i, (cid, heading, text, lang) in enumerate(chunks)
    ]
    tx.executemany("INSERT INTO chunk_terms (rowid, chunk_id, stems, exact) VALUES (?, ?, ?, ?)", rows)
    tx.executemany("UPDATE chunks SET term_row = ? WHERE id = ?", [(row[0], row[1]) for row in rows])


def _fts_terms(terms: Sequence[str]) -> str:
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _report(row: sqlite3.Row) -> Report:
    meta = ReportMeta(
        title=row["title"],
        acronym=row["acronym"],
        programme=row["programme"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        budget_total=row["budget_total"],
        eu_funding=row["eu_funding"],
        currency=row["currency"],
        subtitle=row["subtitle"],
        title_confidence=row["title_confidence"],
    )
    return Report(
        id=row["id"],
        sha256=row["sha256"],
        filename=row["filename"],
        meta=meta,
        pages=row["pages"],
        lang=row["lang"],
        ingested_at=row["ingested_at"],
        chunk_count=row["n"],
        status=row["status"],
        department=row["department"],
        contact=row["contact"],
        kind=row["kind"],
        external_id=row["external_id"],
    )


def _chunk(row: sqlite3.Row) -> Chunk:
    return Chunk(
        id=row["id"],
        seq=row["seq"],
        page_start=row["page_start"],
        page_end=row["page_end"],
        section=row["section"],
        heading=row["heading"],
        lang=row["lang"],
        text=row["text"],
    )
