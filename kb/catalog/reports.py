"""Reports: stored with their passages, partners and contacts in one transaction; read, corrected, published,
deleted; the state of their original PDF; and the settings kept with the data (meta)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from kb.catalog.connection import Database, now
from kb.catalog.keywords import delete_terms, insert_terms
from kb.catalog.people import insert_people
from kb.catalog.references import remap_passages
from kb.errors import CatalogError, ReportNotFound
from kb.models import Contact, NewReport, Partner, Report, ReportMeta

ORIGINAL_STATES = ("kept", "redacted", "withheld")  # reports.original: see kb.store.people
_COLUMNS = (
    "r.id, r.sha256, r.filename, r.title, r.acronym, r.programme, r.period_start, r.period_end, "
    "r.budget_total, r.eu_funding, r.currency, r.pages, r.lang, r.ingested_at, r.status, r.department, r.contact, "
    "r.kind, r.external_id, r.uploaded_by, r.original, r.subtitle, r.title_confidence, r.reviewed_at"
)


class Reports(Database):
    # -- settings kept with the data -------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        value = self._value("SELECT value FROM meta WHERE key = ?", (key,))
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        if self.get_meta(key) == value:
            return  # no write: opening a catalog on a full disk must not need one
        self._write(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- storing -------------------------------------------------------------------------
    def add_report(self, report_id: int, report: NewReport) -> None:
        """Store a report, its passages (and their keywords), partners and contacts in one transaction;
        the report it replaces goes in the same one."""
        with self._transaction() as tx:
            if report.replace is not None:
                delete_terms(tx, report.replace.id)
                tx.execute("DELETE FROM reports WHERE id = ?", (report.replace.id,))
            tx.execute(
                "INSERT INTO reports (id, sha256, filename, title, acronym, programme, period_start, period_end, "
                "budget_total, eu_funding, currency, pages, lang, ingested_at, status, kind, external_id, uploaded_by, "
                "subtitle, title_confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report_id,
                    report.sha256,
                    report.filename,
                    *_meta_values(report.meta),
                    report.pages,
                    report.lang,
                    now(),
                    report.status,
                    report.kind,
                    report.external_id,
                    report.uploaded_by,
                    report.meta.subtitle,
                    report.meta.title_confidence,
                ),
            )
            tx.executemany(
                "INSERT INTO chunks (id, report_id, seq, page_start, page_end, section, heading, lang, text) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (c.id, report_id, c.seq, c.page_start, c.page_end, c.section, c.heading, c.lang, c.text)
                    for c in report.chunks
                ],
            )
            insert_terms(tx, [(c.id, c.heading, c.text, c.lang) for c in report.chunks])
            insert_people(tx, report_id, report.partners, report.contacts)

    def next_report_id(self) -> int:
        """The id the next report will get; ids are never reused (AUTOINCREMENT).

        Only meaningful under the writer lock, which makes this process the only inserter.
        """
        return int(self._value("SELECT seq FROM sqlite_sequence WHERE name = 'reports'") or 0) + 1

    # -- correcting ----------------------------------------------------------------------
    def review_report(
        self,
        report_id: int,
        meta: ReportMeta,
        department: str | None,
        contact: str | None,
        sections: dict[str, str],
        partners: Sequence[Partner],
        contacts: Sequence[Contact],
        themes: Sequence[str] | None,
        publish: bool,
    ) -> list[str]:
        """What a person corrected in the review form, and publishing it, in one transaction; returns the
        chunk ids whose section kind changed (their index metadata follows)."""
        with self._transaction() as tx:
            if tx.execute("SELECT 1 FROM reports WHERE id = ?", (report_id,)).fetchone() is None:
                raise ReportNotFound(f"No report has id {report_id}; `kb reports` lists them.")
            tx.execute(
                "UPDATE reports SET title = ?, acronym = ?, programme = ?, period_start = ?, period_end = ?, "
                "budget_total = ?, eu_funding = ?, currency = ?, department = ?, contact = ?, title_confidence = ?, "
                "reviewed_at = ? WHERE id = ?",
                (*_meta_values(meta), department, contact, meta.title_confidence, now(), report_id),
            )
            current = dict(tx.execute("SELECT id, section FROM chunks WHERE report_id = ?", (report_id,)).fetchall())
            changed = [cid for cid, kind in sections.items() if cid in current and current[cid] != kind]
            tx.executemany("UPDATE chunks SET section = ? WHERE id = ?", [(sections[cid], cid) for cid in changed])
            tx.execute("DELETE FROM partners WHERE report_id = ?", (report_id,))
            tx.execute("DELETE FROM contacts WHERE report_id = ?", (report_id,))
            insert_people(tx, report_id, partners, contacts)
            if themes is not None:
                old = dict(
                    tx.execute("SELECT theme, score FROM report_themes WHERE report_id = ?", (report_id,)).fetchall()
                )
                tx.execute("DELETE FROM report_themes WHERE report_id = ?", (report_id,))
                tx.executemany(
                    "INSERT INTO report_themes (report_id, theme, score, source) VALUES (?, ?, ?, 'review')",
                    [(report_id, key, old.get(key)) for key in dict.fromkeys(themes)],
                )
            if publish:
                tx.execute("UPDATE reports SET status = 'published' WHERE id = ?", (report_id,))
        return changed

    def reread_report(self, report_id: int, report: NewReport, keep_reviewed: bool, renamed: dict[str, str]) -> None:
        """What a new reading of a stored report's original found, stored in place (the report keeps its id,
        status, owner and original) in one transaction: its passages and their keywords, and, unless a person
        reviewed it (``keep_reviewed``), its metadata, partners and contacts. ``renamed`` maps old passage ids
        to the new ones: what points at a passage (a collection item) follows it."""
        with self._transaction() as tx:
            if tx.execute("SELECT 1 FROM reports WHERE id = ?", (report_id,)).fetchone() is None:
                raise ReportNotFound(f"No report has id {report_id}; `kb reports` lists them.")
            delete_terms(tx, report_id)
            tx.execute("DELETE FROM chunks WHERE report_id = ?", (report_id,))
            tx.executemany(
                "INSERT INTO chunks (id, report_id, seq, page_start, page_end, section, heading, lang, text) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (c.id, report_id, c.seq, c.page_start, c.page_end, c.section, c.heading, c.lang, c.text)
                    for c in report.chunks
                ],
            )
            insert_terms(tx, [(c.id, c.heading, c.text, c.lang) for c in report.chunks])
            tx.execute("UPDATE reports SET pages = ?, lang = ? WHERE id = ?", (report.pages, report.lang, report_id))
            if not keep_reviewed:
                tx.execute(
                    "UPDATE reports SET title = ?, acronym = ?, programme = ?, period_start = ?, period_end = ?, "
                    "budget_total = ?, eu_funding = ?, currency = ?, subtitle = ?, title_confidence = ? WHERE id = ?",
                    (*_meta_values(report.meta), report.meta.subtitle, report.meta.title_confidence, report_id),
                )
                tx.execute("DELETE FROM partners WHERE report_id = ?", (report_id,))
                tx.execute("DELETE FROM contacts WHERE report_id = ?", (report_id,))
                insert_people(tx, report_id, report.partners, report.contacts)
            remap_passages(tx, renamed)

    def update_report(self, report_id: int, meta: ReportMeta, department: str | None, contact: str | None) -> None:
        """Correct what extraction got wrong. The subtitle stays as read; the title's confidence is the one
        given (None: a person has seen the title)."""
        self.report(report_id)
        self._write(
            "UPDATE reports SET title = ?, acronym = ?, programme = ?, period_start = ?, period_end = ?, "
            "budget_total = ?, eu_funding = ?, currency = ?, department = ?, contact = ?, title_confidence = ? "
            "WHERE id = ?",
            (*_meta_values(meta), department, contact, meta.title_confidence, report_id),
        )

    def publish(self, report_id: int) -> None:
        self.report(report_id)
        self._write("UPDATE reports SET status = 'published' WHERE id = ?", (report_id,))

    def delete_report(self, report_id: int) -> list[str]:
        """Remove a report and its chunks; returns the removed chunk ids."""
        with self._transaction() as tx:
            ids = [r[0] for r in tx.execute("SELECT id FROM chunks WHERE report_id = ?", (report_id,))]
            delete_terms(tx, report_id)
            if tx.execute("DELETE FROM reports WHERE id = ?", (report_id,)).rowcount == 0:
                raise ReportNotFound(f"No report has id {report_id}; `kb reports` lists them.")
        return ids

    # -- originals -----------------------------------------------------------------------
    def withhold_originals(self, report_ids: Sequence[int]) -> None:
        """The original PDFs of these reports are not served until a redacted copy replaces them."""
        with self._transaction() as tx:
            tx.executemany(
                "UPDATE reports SET original = 'withheld' WHERE id = ? AND kind = 'report'",
                [(rid,) for rid in report_ids],
            )

    def set_original(self, report_id: int, state: str) -> None:
        """Record the state of a report's original PDF: 'kept', 'redacted' or 'withheld'."""
        if state not in ORIGINAL_STATES:
            raise CatalogError(f"Unknown state of an original {state!r}; use one of {', '.join(ORIGINAL_STATES)}.")
        self._write("UPDATE reports SET original = ? WHERE id = ?", (state, report_id))

    # -- reading -------------------------------------------------------------------------
    def _one_report(self, where: str, params: tuple) -> Report | None:
        row = self._row(
            f"SELECT {_COLUMNS}, (SELECT COUNT(*) FROM chunks c WHERE c.report_id = r.id) AS n "
            f"FROM reports r WHERE {where} ORDER BY r.id DESC LIMIT 1",
            params,
        )
        return _report(row) if row else None

    def report(self, report_id: int) -> Report:
        found = self._one_report("r.id = ?", (report_id,))
        if found is None:
            raise ReportNotFound(f"No report has id {report_id}; `kb reports` lists them.")
        return found

    def report_by_id(self, report_id: int) -> Report | None:
        """The report, or None where :meth:`report` raises ReportNotFound."""
        return self._one_report("r.id = ?", (report_id,))

    def report_by_sha(self, sha256: str) -> Report | None:
        return self._one_report("r.sha256 = ?", (sha256,))

    def report_by_external_id(self, external_id: str) -> Report | None:
        return self._one_report("r.external_id = ?", (external_id,))

    def report_by_filename(self, filename: str) -> Report | None:
        return self._one_report("r.filename = ?", (filename,))

    def reports(self) -> list[Report]:
        rows = self._rows(
            f"SELECT {_COLUMNS}, COUNT(c.id) AS n FROM reports r "
            "LEFT JOIN chunks c ON c.report_id = r.id GROUP BY r.id ORDER BY r.id"
        )
        return [_report(r) for r in rows]

    def unpublished_report_ids(self) -> list[int]:
        return [r[0] for r in self._rows("SELECT id FROM reports WHERE status != 'published'")]

    def programmes(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT DISTINCT programme FROM reports WHERE programme IS NOT NULL")]

    def stats(self) -> dict[str, object]:
        with self._lock:
            return {
                "reports": self._value("SELECT COUNT(*) FROM reports"),
                "chunks": self._value("SELECT COUNT(*) FROM chunks"),
                "pages": self._value("SELECT COALESCE(SUM(pages), 0) FROM reports"),
                "chunks_by_lang": {r[0]: r[1] for r in self._rows("SELECT lang, COUNT(*) FROM chunks GROUP BY lang")},
                "chunks_by_section": {
                    r[0]: r[1] for r in self._rows("SELECT section, COUNT(*) FROM chunks GROUP BY section")
                },
            }

    def integrity_check(self) -> str:
        return str(self._value("PRAGMA integrity_check"))


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
        uploaded_by=row["uploaded_by"],
        original=row["original"],
        reviewed_at=row["reviewed_at"],
    )
