"""Keyword scores for given chunks (kb.catalog.bm25) are SQLite FTS5's bm25() for those chunks."""

from __future__ import annotations

import sqlite3

import pytest

from kb.catalog.database import Catalog
from kb.models import Chunk, NewReport, ReportMeta
from kb.text.terms import stems, tokens

QUERIES = [
    ("en", "joint procurement of electric buses took longer than planned"),
    ("en", "pharmaceutical residues ozonation wastewater treatment"),
    ("sv", "gemensam upphandling av elbussar och laddning"),
    ("en", "CWPharma partners lessons"),
]


def _terms(query: str, lang: str) -> tuple[list[str], list[str]]:
    words = [w for w in tokens(query) if len(w) > 2]
    return sorted(set(stems(words, lang))), sorted(set(words))


def _assert_same_scores(catalog: Catalog) -> int:
    compared = 0
    for lang, query in QUERIES:
        stem_terms, words = _terms(query, lang)
        full = dict(catalog.keyword_search(stem_terms, words, 10_000))
        assert full, query
        among = sorted(full) + ["no-such-chunk"]
        ours = dict(catalog.keyword_search(stem_terms, words, 10_000, among=among))
        assert set(ours) == set(among) - {"no-such-chunk"}
        for cid, score in ours.items():
            assert score == pytest.approx(full[cid], rel=1e-9, abs=1e-12), (query, cid)
        compared += len(ours)
    return compared


def test_scores_of_given_chunks_equal_fts5s_over_the_sample_reports(reader):
    """Over the real sample reports, each given chunk gets exactly the score FTS5 gives it."""
    assert _assert_same_scores(reader.catalog) >= 25


def test_only_given_chunks_of_the_filtered_kind_are_scored(reader):
    """Filters still apply: a language filter leaves out given chunks in another language."""
    stem_terms, words = _terms("procurement electric buses upphandling", "en")
    full = dict(reader.catalog.keyword_search(stem_terms, words, 10_000))
    english = dict(reader.catalog.keyword_search(stem_terms, words, 10_000, lang="en"))
    ours = dict(reader.catalog.keyword_search(stem_terms, words, 10_000, lang="en", among=sorted(full)))
    assert set(ours) == set(english)
    assert len(ours) < len(full)


def _add(catalog: Catalog, report_id: int, texts: list[str]) -> None:
    chunks = [
        Chunk(f"r{report_id}-{i}", i, i + 1, i + 1, "lessons", "Lessons", "en", text) for i, text in enumerate(texts)
    ]
    catalog.add_report(
        report_id,
        NewReport(
            sha256=str(report_id) * 64,
            filename=f"{report_id}.pdf",
            meta=ReportMeta(title=f"Report {report_id}"),
            pages=len(texts),
            lang="en",
            chunks=chunks,
        ),
    )


def test_term_counts_follow_what_another_process_writes(settings):
    """Document counts are cached per term; a write through another connection (the writer beside
    the web app) makes the reader count again, so its scores stay FTS5's."""
    writer, reader = Catalog.open(settings), Catalog.open(settings)
    try:
        _add(writer, 1, ["Electric buses were procured jointly.", "Charging at the depot.", "Nothing here."])
        stem_terms, words = _terms("electric buses procured", "en")
        first = dict(reader.keyword_search(stem_terms, words, 100, among=["r1-0"]))
        _add(writer, 2, ["Electric buses again.", "More electric buses.", "Buses and electric charging."])
        full = dict(reader.keyword_search(stem_terms, words, 100))
        ours = dict(reader.keyword_search(stem_terms, words, 100, among=["r1-0"]))
        assert ours["r1-0"] == pytest.approx(full["r1-0"]) and ours["r1-0"] != pytest.approx(first["r1-0"])
        assert reader.term_document_share(["electr"], "en")["electr"] == pytest.approx(4 / 6)
    finally:
        writer.close()
        reader.close()


def test_a_catalog_without_passages_scores_nothing(settings):
    """Before the first passage FTS5's totals are empty; scoring given ids finds nothing, without error."""
    catalog = Catalog.open(settings)
    try:
        assert catalog.keyword_search(["bus"], ["bus"], 10, among=["no-such-chunk"]) == []
    finally:
        catalog.close()


def test_older_catalogs_are_renumbered_and_keep_deleting_cleanly(settings):
    """A schema-3 catalog (keyword rows numbered on their own) is renumbered when opened; then
    given-chunk scores match FTS5 and deleting a report leaves no keyword rows behind."""
    catalog = Catalog.open(settings)
    texts = [
        "Joint procurement of electric buses took longer than planned.",
        "Ozonation removed pharmaceutical residues from wastewater; procurement was slow.",
        "Electric buses need charging at the depot; planned procurement helped.",
    ]
    for report_id in (1, 2):
        _add(catalog, report_id, texts)
    catalog.close()
    with sqlite3.connect(settings.catalog_path) as old:  # as schema 3 left it
        rows = old.execute("SELECT chunk_id, stems, exact FROM chunk_terms ORDER BY rowid DESC").fetchall()
        old.execute("DELETE FROM chunk_terms")
        old.executemany("INSERT INTO chunk_terms (chunk_id, stems, exact) VALUES (?, ?, ?)", rows)
        old.execute("UPDATE chunks SET term_row = NULL")
        old.execute("DROP TABLE migrations")  # schema 3 recorded none
        old.execute("PRAGMA user_version = 3")

    catalog = Catalog.open(settings)
    try:
        stem_terms, words = _terms("procurement of electric buses", "en")
        full = dict(catalog.keyword_search(stem_terms, words, 100))
        ours = dict(catalog.keyword_search(stem_terms, words, 100, among=sorted(full)))
        assert ours == pytest.approx(full)
        catalog.delete_report(1)
        with sqlite3.connect(settings.catalog_path) as direct:  # what the keyword index itself holds
            left = direct.execute("SELECT chunk_id FROM chunk_terms").fetchall()
        assert sorted(r[0] for r in left) == ["r2-0", "r2-1", "r2-2"]
    finally:
        catalog.close()
