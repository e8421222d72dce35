"""Chunks: 150-300 words, inside one section, with the pages they span."""

from __future__ import annotations

from ingest.chunk import chunk_sections
from ingest.sections import Line, Section


def _section(kind: str, sentences: int, first_page: int, per_page: int) -> Section:
    lines = []
    for i in range(sentences):
        page = first_page + i // per_page
        lines.append(Line(page, f"Sentence number {i} tells the reader one more useful thing about the project."))
    return Section(kind=kind, heading=kind.title(), lines=lines)


def test_long_sections_are_split_within_the_word_limits():
    """A 1,200-word section becomes chunks of at most 300 words and none below 150 but the last."""
    chunks = chunk_sections([_section("lessons", 100, 1, 30)], "k")
    sizes = [len(c.text.split()) for c in chunks]
    assert len(chunks) >= 4
    assert max(sizes) <= 300
    assert min(sizes[:-1]) >= 150


def test_chunks_never_cross_sections():
    """Each chunk belongs to exactly one section, even when sections are short."""
    sections = [_section("lessons", 12, 1, 50), _section("recommendations", 12, 1, 50)]
    chunks = chunk_sections(sections, "k")
    assert [c.section for c in chunks] == ["lessons", "recommendations"]
    assert all("Sentence number 11" in c.text for c in chunks)


def test_page_spans_follow_the_text():
    """A chunk that starts on page 2 and runs onto page 3 says so."""
    chunks = chunk_sections([_section("results", 20, 2, 10)], "k")
    assert (chunks[0].page_start, chunks[-1].page_end) == (2, 3)


def test_hyphenated_line_breaks_are_joined():
    """'procure-' + 'ment' across lines reads as 'procurement'."""
    lines = [
        Line(1, "The joint procure-"),
        Line(1, "ment of buses took a long time, longer than any partner expected."),
    ]
    chunk = chunk_sections([Section("lessons", "Lessons", lines)], "k")[0]
    assert "joint procurement of buses" in chunk.text


def test_chunk_ids_are_stable():
    """The same input gives the same ids, so a rebuilt index lines up with the catalog."""
    first = chunk_sections([_section("lessons", 40, 1, 20)], "abc")
    second = chunk_sections([_section("lessons", 40, 1, 20)], "abc")
    assert [c.id for c in first] == [c.id for c in second]
    assert first[0].id == "abc-00000"
