"""Reading PDFs in the sandbox: page texts, and every failure as a listed reason."""

from __future__ import annotations

import pytest

from ingest.pdf import LAYOUT_MAX_LINES, LAYOUT_PAGES
from ingest.sandbox import read_pdf
from kb.errors import ReportRejected
from tests.conftest import sample
from tests.pdfs import (
    bullets_without_mapping_pdf,
    encrypted_pdf,
    one_page_pdf,
    renamed_text_file,
    text_pdf,
    textless_pdf,
    truncated_pdf,
)


def test_pages_keep_their_numbers(settings):
    """The lessons of the GreenFleet sample are on its 4th page, and are read there."""
    text = read_pdf(sample("example_greenfleet_final_report_en.pdf"), settings)
    assert len(text.pages) == 5
    assert "Lessons learned" in text.pages[3]
    assert "Lessons learned" not in text.pages[2]


def test_a_renamed_text_file_is_not_a_pdf(settings, tmp_path):
    """Content is checked by signature, not by the .pdf extension."""
    with pytest.raises(ReportRejected) as caught:
        read_pdf(renamed_text_file(tmp_path / "notes.pdf"), settings)
    assert caught.value.reason == "not_pdf"


def test_a_truncated_pdf_is_broken(settings, tmp_path):
    """A file cut off after its header is rejected as broken, not raised as a PDFium error."""
    with pytest.raises(ReportRejected) as caught:
        read_pdf(truncated_pdf(sample("example_greenfleet_final_report_en.pdf"), tmp_path / "cut.pdf"), settings)
    assert caught.value.reason == "broken"


def test_a_textless_pdf_reads_as_empty_pages(settings, tmp_path):
    """Drawings without text give empty pages; the pipeline turns that into 'no text layer'."""
    text = read_pdf(textless_pdf(tmp_path / "scan.pdf"), settings)
    assert [p.strip() for p in text.pages] == ["", ""]


def test_words_hyphenated_at_a_line_end_are_joined_as_printed(settings, tmp_path):
    """PDFium's mark for a hyphen at a line end becomes nothing inside a word and a hyphen in a compound."""
    path = text_pdf(tmp_path / "wrapped.pdf", ["Lessons on the im-\nprovement of the FREE-\nELECTRON laser."])
    assert read_pdf(path, settings).pages == ["Lessons on the improvement of the FREE-ELECTRON laser."]


def test_bullets_of_a_font_without_character_mapping_are_bullets(settings, tmp_path):
    """Symbol-font bullets PDFium cannot map to Unicode come out as bullets that start list items."""
    text = read_pdf(bullets_without_mapping_pdf(tmp_path / "bullets.pdf"), settings)
    assert text.pages == ["Our lessons:\n• first point\n• second point"]


def test_a_pdf_that_needs_a_password_is_encrypted(settings, tmp_path):
    """A report locked with a password to open it is rejected as encrypted, with the reason."""
    with pytest.raises(ReportRejected) as caught:
        read_pdf(encrypted_pdf(tmp_path / "locked.pdf", "Hidden lessons", user_password="secret"), settings)
    assert (caught.value.reason, caught.value.detail) == ("encrypted", "the PDF needs a password")


def test_a_pdf_encrypted_without_an_opening_password_is_read(settings, tmp_path):
    """AES encryption that only restricts editing (no password to open) does not stop reading."""
    text = read_pdf(encrypted_pdf(tmp_path / "restricted.pdf", "Hidden lessons", user_password=""), settings)
    assert text.pages == ["Hidden lessons"]


def test_too_many_pages_is_rejected(tmp_path):
    """A page cap protects the server from page bombs."""
    from kb.settings import Settings

    small = Settings(data_dir=tmp_path, max_pages=3)
    with pytest.raises(ReportRejected) as caught:
        read_pdf(sample("example_greenfleet_final_report_en.pdf"), small)
    assert caught.value.reason == "too_many_pages"


def test_the_reader_runs_below_the_priority_of_its_parent(settings):
    """The sandboxed reader lowers its own CPU priority, so the model and searches keep their cores."""
    import json
    import os
    import subprocess
    import sys

    from ingest.sandbox import READER_NICENESS

    request = {
        "path": str(sample("example_greenfleet_final_report_en.pdf")),
        "max_pages": 50,
        "max_chars": 1_000_000,
        "memory_mb": settings.parse_memory_mb,
        "cpu_s": 30,
        "niceness": READER_NICENESS,
    }
    done = subprocess.run(
        [sys.executable, "-m", "ingest.pdf_worker"], input=json.dumps(request), capture_output=True, text=True
    )
    answer = json.loads(done.stdout)
    assert answer["status"] == "ok" and answer["pages"]
    assert answer["niceness"] == min(19, os.nice(0) + READER_NICENESS) and READER_NICENESS > 0


def test_the_first_pages_come_with_their_layout(settings):
    """The reader gives the cover's lines with their printed size and weight: the project name is large and bold."""
    text = read_pdf(sample("example_greenfleet_final_report_en.pdf"), settings)
    largest = max(text.layout[0].lines, key=lambda line: line.size)
    assert len(text.layout) == LAYOUT_PAGES
    assert (largest.text, largest.bold) == ("GreenFleet BSR", True) and largest.size > 2 * text.layout[1].lines[-1].size


def test_a_page_of_many_lines_gives_a_bounded_layout(settings, tmp_path):
    """However many lines a page prints, its layout answer holds at most LAYOUT_MAX_LINES of them."""
    lines = b" ".join(b"(Line %d of a long list) Tj 0 -1.9 Td" % n for n in range(400))
    path = tmp_path / "long.pdf"
    path.write_bytes(one_page_pdf(b"BT /F1 2 Tf 20 780 Td " + lines + b" ET"))
    assert len(read_pdf(path, settings).layout[0].lines) == LAYOUT_MAX_LINES


def test_a_malformed_layout_answer_costs_only_the_layout():
    """Layout the reader could not describe properly is dropped; the page texts are kept."""
    from ingest.sandbox import _layout

    assert _layout([{"w": 595, "h": 842, "lines": [{"t": "x"}]}]) == [] and _layout("nonsense") == []
