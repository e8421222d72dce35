"""Read PDFs in a child process with memory, CPU and wall-clock limits.

Parsing untrusted PDFs can hang, exhaust memory or crash; the child absorbs all of it and
the parent only ever sees a list of page texts or a ReportRejected with a listed reason.
The child is a fresh interpreter (``python -m ingest.pdf_worker``) that sets its own limits
before it loads PDFium, and answers in JSON, so nothing it sends can run code here.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from ingest.pdf import PageLayout, PdfText
from kb.errors import REJECTION_REASONS, ReportRejected
from kb.settings import Settings

PDF_SIGNATURE = b"%PDF-"
_LEADING = b" \t\r\n\x0c\x00"  # whitespace a PDF may start with before its header
_BOM = b"\xef\xbb\xbf"
# The reader runs at a lower CPU priority than the process that started it, so searches answered while
# an upload is read keep their cores (benchmarks/search_under_attack.py: p50 about 48 ms against 60).
# At 5 it still gets a quarter of a core against a busy one: a report needing 20 s of CPU stays within
# the 90 s wall-clock limit. (It does not speed up `kb ingest`: there both cores are the model's.)
READER_NICENESS = 5


def starts_like_pdf(head: bytes) -> bool:
    """Whether a file's first bytes are a PDF header: ``%PDF-`` at the very start, after at most
    whitespace or a byte-order mark. Readers also accept it anywhere in the first KiB, which lets an
    HTML page that carries a PDF further down (a polyglot) pass as one; we do not."""
    return head.removeprefix(_BOM).lstrip(_LEADING).startswith(PDF_SIGNATURE)


def check_signature(path: Path) -> None:
    """Reject files that do not start with the PDF signature."""
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if not starts_like_pdf(head):
        raise ReportRejected("not_pdf", "the file does not start with %PDF-")


def read_pdf(path: Path, settings: Settings) -> PdfText:
    """Page texts of ``path``, read in a sandboxed child process."""
    size = path.stat().st_size
    if size > settings.max_file_mb * 1024 * 1024:
        raise ReportRejected("too_large", f"{size / 1048576:.0f} MiB, the limit is {settings.max_file_mb} MiB")
    check_signature(path)
    request = {
        "path": str(path),
        "max_pages": settings.max_pages,
        "max_chars": settings.max_pages * 20_000,
    }
    answer = run_child("ingest.pdf_worker", request, settings)
    return PdfText(
        pages=[str(p) for p in answer["pages"]], title=answer.get("title"), layout=_layout(answer.get("layout"))
    )


def run_child(module: str, request: dict, settings: Settings) -> dict:
    """Run ``python -m module`` on ``request`` under the reader's limits (memory, CPU, wall clock,
    niceness); its JSON answer, or ReportRejected with a listed reason."""
    limits = {
        "memory_mb": settings.parse_memory_mb,
        "cpu_s": int(settings.parse_timeout_s) + 1,
        "niceness": READER_NICENESS,
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", module],
            input=json.dumps({**request, **limits}).encode(),
            capture_output=True,
            timeout=settings.parse_timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ReportRejected("timeout", f"no result within {settings.parse_timeout_s:.0f} s") from None
    if done.returncode != 0:
        raise _death(done.returncode)
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        raise ReportRejected("broken", "the reader gave no usable answer") from None
    if answer.get("status") == "ok":
        return answer
    reason = answer.get("reason")
    if reason not in REJECTION_REASONS:
        reason = "broken"
    raise ReportRejected(reason, str(answer.get("detail", ""))[:300])


def _layout(pages) -> list[PageLayout]:
    """The child's layout answer as dataclasses; a malformed one costs only the layout, never the report."""
    try:
        return [PageLayout.from_json(page) for page in pages or []]
    except (TypeError, KeyError, ValueError, AttributeError):
        return []


def _death(code: int) -> ReportRejected:
    if code == -signal.SIGXCPU or code == -signal.SIGKILL:
        return ReportRejected("timeout", "the reader used up its CPU time")
    # 3 is the worker's own exit code for a MemoryError in Python; PDFium aborts, silently, when an
    # allocation fails under the child's memory limit
    if code == 3 or code == -signal.SIGABRT:
        return ReportRejected("too_large", "reading it needs more memory than allowed")
    return ReportRejected("broken", f"the reader crashed (exit code {code})")
