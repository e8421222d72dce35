"""Broken, odd and hostile PDFs from public test suites (../shared/corpus/malformed), and generated attacks."""

from __future__ import annotations

import shutil
import zlib
from dataclasses import replace

import httpx
import pytest

from ingest.pipeline import analyse
from kb.errors import REJECTION_REASONS, ReportRejected
from tests.conftest import CORPUS
from tests.live_server import create_account, log_in, serve
from tests.pdfs import one_page_pdf, raw_pdf, renamed_text_file
from tests.upload_corpus import VERDICTS, search_snapshot, upload_and_wait
from web.app import create_app


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


@pytest.mark.corpus
@pytest.mark.slow
def test_a_sample_of_the_malformed_corpus_through_the_web_upload(tmp_path, indexed_settings, embedder):
    """Every eighth malformed file uploaded over HTTP gets a verdict (stored, or a listed reason), its reading
    ends within the reading limit, the server stays up, and a stored report's search results do not change."""
    folder = CORPUS / "malformed"
    if not folder.is_dir():
        pytest.skip("../shared/corpus/malformed is not available")
    data = tmp_path / "data"
    shutil.copytree(indexed_settings.data_dir, data, ignore=shutil.ignore_patterns("writer.lock"))
    query = "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?"
    settings = replace(indexed_settings, data_dir=data, uploads_per_hour=1000, cookie_secure=False)
    editor, reader = create_account(settings, "editor"), create_account(settings, "reader")
    with serve(create_app(settings, embedder)) as url:
        # The editor uploads; a reader searches, seeing published reports only (not the editor's new drafts).
        with httpx.Client(base_url=url, timeout=120) as client, httpx.Client(base_url=url, timeout=120) as staff:
            log_in(client, *editor)
            log_in(staff, *reader)
            before = search_snapshot(staff, query)
            verdicts = {path.name: upload_and_wait(client, path) for path in sorted(folder.iterdir())[::8]}
            assert client.get("/healthz").json()["status"] == "ok"
            after = search_snapshot(staff, query)
    # Stored drafts compete for the index's candidates and add their words to the lexicon (query
    # expansion), so the passages below a report's best may shift; the reports, in order, and each one's
    # best passage must not.
    assert before and [(report, hits[0]) for report, hits in after] == [(report, hits[0]) for report, hits in before]
    assert {verdict for verdict, _, _ in verdicts.values()} <= VERDICTS, verdicts
    assert max(read for _, read, _ in verdicts.values()) < indexed_settings.parse_timeout_s + 30
    assert len(verdicts) > 40


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


def test_a_page_needing_more_memory_than_allowed_is_too_large(settings, tmp_path):
    """Three million characters drawn one by one exhaust the reader's memory limit: PDFium aborts the
    child, and the report is rejected as too large, not as a crash."""
    path = tmp_path / "memory.pdf"
    path.write_bytes(one_page_pdf(b"BT /F1 12 Tf 10 10 Td (a) Tj ET\n" * 3_000_000))
    with pytest.raises(ReportRejected) as caught:
        analyse(path, replace(settings, parse_memory_mb=256))
    assert (caught.value.reason, caught.value.detail) == ("too_large", "reading it needs more memory than allowed")


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


def test_a_renamed_text_file_is_not_a_pdf(settings, tmp_path):
    """A text file renamed .pdf is refused by its content."""
    assert _outcome(renamed_text_file(tmp_path / "notes.pdf"), settings) == "not_pdf"


def test_circular_object_references_are_broken(settings, tmp_path):
    """Objects that refer to each other in a loop (a page whose contents point back at its parent) end cleanly."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 3 0 R >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 5 0 R /Resources 4 0 R >>",
        b"<< /Font << /F1 4 0 R >> /XObject << /X1 4 0 R >> /Parent 4 0 R >>",
        b"5 0 R",
    ]
    path = tmp_path / "cycle.pdf"
    path.write_bytes(raw_pdf(objects))
    assert _outcome(path, settings) in {"broken", "no_text"}
