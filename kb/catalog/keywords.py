"""The keyword index: FTS5 over each passage's stems and exact words, and BM25 scores for given passages.

Passages are indexed in the transaction that stores them (:func:`insert_terms`); a search scores only its
dense candidates (kb.catalog.bm25 computes FTS5's own bm25 for them from their stored terms and FTS5's
totals), so an English query's common words never make FTS5 score most of the collection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from kb.catalog import bm25
from kb.catalog.connection import Database
from kb.text.terms import index_terms

TERM_COLUMNS = 3  # chunk_terms: chunk_id (not indexed), stems, exact


def insert_terms(tx: sqlite3.Connection, chunks: Sequence[tuple[str, str, str, str]]) -> None:
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


def delete_terms(tx: sqlite3.Connection, report_id: int) -> None:
    tx.execute("DELETE FROM chunk_terms WHERE rowid IN (SELECT term_row FROM chunks WHERE report_id = ?)", (report_id,))


def reindex_terms(tx: sqlite3.Connection, chunk_id: str, heading: str, text: str, lang: str) -> None:
    """A passage whose text was rewritten (an erasure) is indexed again."""
    row = tx.execute("SELECT term_row FROM chunks WHERE id = ?", (chunk_id,)).fetchone()
    tx.execute("DELETE FROM chunk_terms WHERE rowid = ?", (row["term_row"],))
    insert_terms(tx, [(chunk_id, heading, text, lang)])


def rebuild_terms(tx: sqlite3.Connection) -> None:
    """Index every passage again (a migration's step)."""
    tx.execute("DELETE FROM chunk_terms")
    tx.execute("UPDATE chunks SET term_row = NULL")
    rows = tx.execute("SELECT id, heading, text, lang FROM chunks").fetchall()
    insert_terms(tx, [(r["id"], r["heading"], r["text"], r["lang"]) for r in rows])


def _fts_terms(terms: Sequence[str]) -> str:
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


class KeywordIndex(Database):
    """BM25 over the keyword index, and how common a term is."""

    def __init__(self, conn: sqlite3.Connection, path):
        super().__init__(conn, path)
        # Passages per term, from FTS5's vocabulary, which counts them by walking the term's whole
        # posting list (tens of ms for a common word at 200,000 passages). Kept until the catalog changes.
        self._term_docs: dict[tuple[str, str], dict[str, int]] = {}
        self._seen_version: int | None = None

    def _changed(self) -> None:
        super()._changed()
        self._term_docs.clear()

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
        passage that shares a word with the query; see kb.catalog.bm25).
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
        chunk_filter: list[str] = []
        chunk_params: list[object] = []
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
        return [(r[0], float(r[1])) for r in self._rows(sql, params)]

    def _keyword_scores(
        self,
        stems: Sequence[str],
        exact: Sequence[str],
        weights: tuple[float, float],
        among: Sequence[str],
        report_ids: Sequence[int] | None,
        lang: str | None,
        section: str | None,
    ) -> dict[str, float]:
        phrases = [bm25.Phrase(t, 1, weights[0]) for t in dict.fromkeys(stems)]
        phrases += [bm25.Phrase(t, 2, weights[1]) for t in dict.fromkeys(exact)]
        if not phrases or not among:
            return {}
        # The given ids pick the rows; "+" keeps SQLite from walking an index of a filter column instead
        # (the language index holds most passages).
        clauses = ["c.id IN ({})".format(",".join("?" * len(among)))]
        params: list[object] = list(among)
        if report_ids is not None:
            clauses.append(f"+c.report_id IN ({','.join('?' * len(report_ids)) or 'NULL'})")
            params += list(report_ids)
        for column, value in (("lang", lang), ("section", section)):
            if value is not None:
                clauses.append(f"+c.{column} = ?")
                params.append(value)
        with self._lock:  # the rows, their terms' counts and FTS5's totals from one state of the catalog
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
        with self._lock:
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
        row = self._row("SELECT block FROM chunk_terms_data WHERE id = 1")
        values = (bm25.read_varints(bytes(row[0])) if row else []) or [0]  # empty until a first row
        return bm25.Statistics(rows=values[0], column_tokens=values[1 : 1 + TERM_COLUMNS])

    def chunk_count(self, lang: str) -> int:
        return int(self._value("SELECT COUNT(*) FROM chunks WHERE lang = ?", (lang,)) or 0)

    def passages_mark(self, lang: str) -> str:
        """Changes whenever passages in ``lang`` are added, replaced or removed: their number and the
        last report id given (ids are never reused, so a replacement shows even at an equal count)."""
        seq = int(self._value("SELECT seq FROM sqlite_sequence WHERE name = 'reports'") or 0)
        return f"{self.chunk_count(lang)}/{seq}"

    def term_document_share(self, terms: Sequence[str], lang: str) -> dict[str, float]:
        """Share of the passages in ``lang`` that contain each term, to drop terms too common to help.

        Counted against one language's passages because a language's function words occur
        only in its own passages: against the whole collection they look rare.
        """
        if not terms:
            return {}
        total = self.chunk_count(lang) or 1
        return {term: doc / total for term, doc in self._documents_with(terms, None).items()}
