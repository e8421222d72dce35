"""Broken, odd and hostile PDFs from public test suites (../shared/corpus/malformed), and generated attacks."""

from __future__ import annotations

import zlib

import pytest

from ingest.pipeline import analyse
from kb.errors import REJECTION_REASONS, ReportRejected
from tests.conftest import CORPUS
from tests.pdfs import raw_pdf


def _outcome(path, settings) -> str:
    try:
        analyse(path, settings)
    except ReportRejected as exc:
        assert exc.reason in REJECTION_REASONS
        return exc.reason
    return "ingested"


@pytest.mark.corpus
def test_a_sample_of_the_malformed_corpus_is_read_or_rejected_with_a_reason(settings):
    """Every fourth malformed file is read or rejected with a listed reason; nothing escapes as a crash."""
    folder = CORPUS / "malformed"
    if not folder.is_dir():
        pytest.skip("../shared/corpus/malformed is not available")
    files = sorted(folder.iterdir())[::4]
    outcomes = {path.name: _outcome(path, settings) for path in files}
    assert len(outcomes) == len(files) > 50
    assert "ingested" in outcomes.values() and "broken" in outcomes.values()


def test_a_decompression_bomb_is_stopped(settings, tmp_path):
    """A content stream that inflates to gigabytes is rejected within the limits, not read into memory."""
    bomb = zlib.compress(b"0" * (200 * 1024 * 1024), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        f"<< /Length {len(bomb)} /Filter /FlateDecode >>\nstream\n".encode() + bomb + b"\nendstream",
    ]
    path = tmp_path / "bomb.pdf"
    path.write_bytes(raw_pdf(objects))
    assert _outcome(path, settings) in {"no_text", "too_large", "broken", "timeout"}


def test_circular_page_tree_is_broken(settings, tmp_path):
    """A page tree that contains itself is a broken file, not an endless loop."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]
    path = tmp_path / "loop.pdf"
    path.write_bytes(raw_pdf(objects))
    assert _outcome(path, settings) in {"broken", "no_text"}


def test_a_huge_declared_length_is_handled(settings, tmp_path):
    """A stream claiming a length far beyond the file is rejected cleanly."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
        b"<< /Length 99999999999 >>\nstream\nBT /F1 12 Tf (hi) Tj ET\nendstream",
    ]
    path = tmp_path / "length.pdf"
    path.write_bytes(raw_pdf(objects))
    assert _outcome(path, settings) in {"broken", "no_text"}


def test_a_thousand_empty_pages_have_no_text(settings, tmp_path):
    """A thousand empty pages are read and rejected as text-less, within the page cap."""
    kids = " ".join(f"{n} 0 R" for n in range(3, 1003)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count 1000 >>"]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * 1000
    path = tmp_path / "empty.pdf"
    path.write_bytes(raw_pdf(objects))
    assert _outcome(path, settings) == "no_text"
