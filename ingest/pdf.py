"""Text per page with PDFium (pypdfium2): the only module that imports it. Runs inside the sandbox child.

PDFium is Chrome's PDF engine, in C++: it reads our reports about ten times faster than pure-Python pypdf
did (README, "Ingestion throughput"), and the sandbox child absorbs what a C library can do on a hostile
file (a crash, a runaway allocation) as it did pypdf's hangs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kb.errors import ReportRejected

_LINE_END_HYPHEN = re.compile(r"\x02(?=(.?))", re.DOTALL)
_C0 = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"  # control characters other than tab and line ends
_BULLET_AT_LINE_START = re.compile(rf"(?m)^{_C0}(?= )")
_CONTROL = re.compile(_C0)
# PDFium's FPDF_GetLastError codes that mean a password or an unsupported security handler
_PASSWORD_ERRORS = {4: "the PDF needs a password", 5: "the PDF uses an unsupported security handler"}


@dataclass(frozen=True)
class Limits:
    max_pages: int
    max_chars: int


@dataclass(frozen=True)
class PdfText:
    pages: list[str]
    title: str | None


def extract_pages(path: Path, limits: Limits) -> PdfText:
    """Every page's text (1-based page N is ``pages[N-1]``); any PDFium failure becomes ReportRejected."""
    import pypdfium2 as pdfium  # here, not above: the parent imports this module, only the child loads PDFium

    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if exc.err_code in _PASSWORD_ERRORS:
            raise ReportRejected("encrypted", _PASSWORD_ERRORS[exc.err_code]) from exc
        if exc.err_code == 0:  # it opened, but its page tree holds no page: the pipeline says "no text"
            return PdfText(pages=[], title=None)
        raise ReportRejected("broken", str(exc)[:200]) from exc
    with document:
        count = len(document)
        if count > limits.max_pages:
            raise ReportRejected("too_many_pages", f"{count} pages, the limit is {limits.max_pages}")
        pages: list[str] = []
        total = 0
        for index in range(count):
            text = _page_text(document, index)
            total += len(text)
            if total > limits.max_chars:
                raise ReportRejected("too_large", f"more than {limits.max_chars:,} characters of text")
            pages.append(text)
        return PdfText(pages=pages, title=_title(document))


def _page_text(document, index: int) -> str:
    """One page's text with plain newlines; a page PDFium cannot load must not lose the others."""
    import pypdfium2 as pdfium

    try:
        page = document[index]
    except pdfium.PdfiumError:
        return ""
    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_bounded()
        finally:
            textpage.close()
    except pdfium.PdfiumError:
        return ""
    finally:
        page.close()
    return _plain(text)


def _plain(text: str) -> str:
    """PDFium's text as the sections expect it: plain newlines, hyphenation undone, bullets as bullets.

    PDFium joins a word hyphenated across a line break and marks the hyphen with U+0002: it is dropped
    before a lower-case letter ("im-provement") and kept before anything else ("FREE-ELECTRON"), as
    ingest/chunk.py does for a hyphen left at a line end. A symbol-font bullet without a Unicode
    mapping comes out as another C0 control character.
    """
    text = _LINE_END_HYPHEN.sub(lambda m: "" if m.group(1).islower() else "-", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _BULLET_AT_LINE_START.sub("•", text)
    return _CONTROL.sub(" ", text)


def _title(document) -> str | None:
    try:
        title = document.get_metadata_dict(skip_empty=True).get("Title")
    except Exception:  # noqa: BLE001 - a broken info dictionary only costs us the title
        return None
    return (title or "").strip() or None
