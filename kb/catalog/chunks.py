"""Passages (chunks): read by report, by id or all of them in order, and which ones search may see."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

from kb.catalog.reports import Reports
from kb.models import Chunk, Filters, Report

PAGE = 500  # rows per query: 200,000 passages do not fit comfortably in memory at once


class Chunks(Reports):
    def chunks_of(self, report_id: int) -> list[Chunk]:
        return [_chunk(r) for r in self._rows("SELECT * FROM chunks WHERE report_id = ? ORDER BY seq", (report_id,))]

    def chunks_with_reports(self, chunk_ids: Sequence[str]) -> dict[str, tuple[Chunk, Report]]:
        """Look up chunks by id together with their reports; unknown ids are left out."""
        found: dict[str, tuple[Chunk, Report]] = {}
        reports: dict[int, Report] = {}
        for start in range(0, len(chunk_ids), PAGE):
            part = list(chunk_ids[start : start + PAGE])
            for row in self._rows(f"SELECT * FROM chunks WHERE id IN ({','.join('?' * len(part))})", part):
                rid = row["report_id"]
                if rid not in reports:
                    reports[rid] = self.report(rid)
                found[row["id"]] = (_chunk(row), reports[rid])
        return found

    def chunk_ids_by_report(self) -> dict[int, set[str]]:
        result: dict[int, set[str]] = {}
        for rid, cid in self._rows("SELECT report_id, id FROM chunks"):
            result.setdefault(rid, set()).add(cid)
        return result

    def iter_chunks(self, chunk_ids: Sequence[str] | None = None) -> Iterator[tuple[int, Chunk]]:
        """Every chunk (or the given ones) with its report id, in a stable order, read PAGE at a time."""
        if chunk_ids is None:
            last = (-1, -1)
            while True:
                rows = self._rows(
                    "SELECT * FROM chunks WHERE (report_id, seq) > (?, ?) ORDER BY report_id, seq LIMIT ?",
                    (*last, PAGE),
                )
                if not rows:
                    return
                last = (rows[-1]["report_id"], rows[-1]["seq"])
                for row in rows:
                    yield row["report_id"], _chunk(row)
        ids = list(chunk_ids)
        for start in range(0, len(ids), PAGE):
            part = ids[start : start + PAGE]
            for row in self._rows(f"SELECT * FROM chunks WHERE id IN ({','.join('?' * len(part))})", part):
                yield row["report_id"], _chunk(row)

    def chunks_mentioning(self, needles: Sequence[str]) -> list[tuple[int, Chunk]]:
        """Chunks whose text contains any of ``needles`` (case-insensitive)."""
        found: dict[str, tuple[int, Chunk]] = {}
        for needle in filter(None, needles):
            for row in self._rows(
                "SELECT * FROM chunks WHERE instr(lower(text), lower(?)) > 0 OR instr(lower(heading), lower(?)) > 0",
                (needle, needle),
            ):
                found[row["id"]] = (row["report_id"], _chunk(row))
        return list(found.values())

    def set_section(self, chunk_id: str, section: str) -> None:
        self._write("UPDATE chunks SET section = ? WHERE id = ?", (section, chunk_id))

    def report_ids(self, filters: Filters) -> list[int]:
        """Reports that pass the report-level filters (programme, year, report, theme)."""
        sql, params = "SELECT id FROM reports WHERE 1", list[object]()
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
        return [r[0] for r in self._rows(sql, params)]

    def unpublished_chunk_ids(self) -> set[str]:
        """Passages of drafts awaiting their review (few: search leaves them out of its candidates)."""
        rows = self._rows(
            "SELECT id FROM chunks WHERE report_id IN (SELECT id FROM reports WHERE status != 'published')"
        )
        return {r[0] for r in rows}


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
