"""Text per page with PDFium (pypdfium2): the only module that imports it. Runs inside the sandbox child.

Besides the text, the first pages come with their layout (lines with font size, position and weight),
from which ingest/title.py finds the title as a reader sees it: the largest text near the top.

PDFium is Chrome's PDF engine, in C++: it reads our reports about ten times faster than pure-Python pypdf
did (README, "Ingestion throughput"), and the sandbox child absorbs what a C library can do on a hostile
file (a crash, a runaway allocation) as it did pypdf's hangs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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


LAYOUT_PAGES = 3  # the cover and the pages after it: where titles, deliverable numbers and authors are
LAYOUT_MAX_CHARS = 6000  # per page: a cover holds a few hundred; a page of tiny print costs no more than this
LAYOUT_MAX_LINES = 120  # per page, to keep the child's JSON answer small


@dataclass(frozen=True)
class LayoutLine:
    """One printed line: its text, font size in points (as drawn, after scaling), left edge and top
    (from the page's top edge, in points), right edge, and whether most of it is bold."""

    text: str
    size: float
    x: float
    top: float
    right: float
    bold: bool

    def as_json(self) -> dict:
        return {"t": self.text, "s": self.size, "x": self.x, "y": self.top, "r": self.right, "b": self.bold}

    @classmethod
    def from_json(cls, data: dict) -> LayoutLine:
        size, x, top, right = (float(data[key]) for key in ("s", "x", "y", "r"))
        return cls(str(data["t"]), size, x, top, right, bool(data["b"]))


@dataclass(frozen=True)
class PageLayout:
    width: float
    height: float
    lines: list[LayoutLine]

    def as_json(self) -> dict:
        return {"w": self.width, "h": self.height, "lines": [line.as_json() for line in self.lines]}

    @classmethod
    def from_json(cls, data: dict) -> PageLayout:
        return cls(float(data["w"]), float(data["h"]), [LayoutLine.from_json(d) for d in data["lines"]])


@dataclass(frozen=True)
class PdfText:
    pages: list[str]
    title: str | None
    layout: list[PageLayout] = field(default_factory=list)  # the first LAYOUT_PAGES pages


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
        layout: list[PageLayout] = []
        total = 0
        for index in range(count):
            text, lines = _read_page(document, index, with_layout=index < LAYOUT_PAGES)
            total += len(text)
            if total > limits.max_chars:
                raise ReportRejected("too_large", f"more than {limits.max_chars:,} characters of text")
            pages.append(text)
            if lines is not None:
                layout.append(lines)
        return PdfText(pages=pages, title=_title(document), layout=layout)


def _read_page(document, index: int, with_layout: bool) -> tuple[str, PageLayout | None]:
    """One page's text with plain newlines, and its layout if asked; a page PDFium cannot load must not
    lose the others."""
    import pypdfium2 as pdfium

    try:
        page = document[index]
    except pdfium.PdfiumError:
        return "", PageLayout(0.0, 0.0, []) if with_layout else None
    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_bounded()
            layout = _safe_layout(page, textpage) if with_layout else None
        finally:
            textpage.close()
    except pdfium.PdfiumError:
        return "", PageLayout(0.0, 0.0, []) if with_layout else None
    finally:
        page.close()
    return _plain(text), layout


def _safe_layout(page, textpage) -> PageLayout:
    """The page's layout, or none: a page whose characters PDFium cannot describe still gives its text."""
    try:
        return _layout(page, textpage)
    except Exception:  # noqa: BLE001 - the layout only helps find the title; it must never cost the report
        return PageLayout(0.0, 0.0, [])


def _layout(page, textpage) -> PageLayout:
    """The page's printed lines, from PDFium's characters.

    PDFium does not always mark a line end in its character stream (a title wrapped inside one text
    object comes out as one line), so lines are cut where the baseline moves by half a character or
    more, and where a wide gap separates two columns on one baseline.
    """
    import ctypes

    import pypdfium2.raw as raw

    height = float(page.get_height())
    handle = textpage.raw
    count = min(raw.FPDFText_CountChars(handle), LAYOUT_MAX_CHARS)
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    matrix = raw.FS_MATRIX()
    bold_of: dict[int | None, bool] = {}
    lines: list[LayoutLine] = []
    # characters of the current line: (char, size, left, right, top, bold); spaces have size 0
    current: list[tuple[str, float, float, float, float, bool]] = []
    baseline = None

    def flush() -> None:
        drawn = [c for c in current if c[1] > 0]
        if drawn:
            text = " ".join(_plain("".join(c[0] for c in current)).split())
            sizes = sorted(c[1] for c in drawn)
            if text:
                lines.append(
                    LayoutLine(
                        text=text[:300],
                        size=round(sizes[len(sizes) // 2], 1),
                        x=round(min(c[2] for c in drawn), 1),
                        top=round(height - max(c[4] for c in drawn), 1),
                        right=round(max(c[3] for c in drawn), 1),
                        bold=2 * sum(c[5] for c in drawn) > len(drawn),
                    )
                )
        current.clear()

    for index in range(count):
        code = raw.FPDFText_GetUnicode(handle, index)
        if code in (0x0A, 0x0D):
            flush()
            baseline = None
            continue
        char = chr(code) if code else ""
        if not char or char.isspace():
            current.append((" ", 0.0, 0.0, 0.0, 0.0, False))
            continue
        raw.FPDFText_GetMatrix(handle, index, matrix)
        size = raw.FPDFText_GetFontSize(handle, index) * abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
        raw.FPDFText_GetCharOrigin(handle, index, origin_x, origin_y)
        raw.FPDFText_GetCharBox(handle, index, left, right, bottom, top)
        drawn = [c for c in current if c[1] > 0]
        if drawn and baseline is not None:
            scale = max(size, drawn[-1][1], 1.0)
            if abs(origin_y.value - baseline) > 0.5 * scale or left.value - drawn[-1][3] > 3 * scale:
                flush()
                baseline = None
        if baseline is None:
            baseline = origin_y.value
        current.append((char, size, left.value, right.value, top.value, _bold(raw, handle, index, bold_of)))
        if len(lines) >= LAYOUT_MAX_LINES:
            break
    flush()
    return PageLayout(round(float(page.get_width()), 1), round(height, 1), lines[:LAYOUT_MAX_LINES])


def _bold(raw, handle, index: int, known: dict[int | None, bool]) -> bool:
    """Whether the character's font is bold: by its weight, else by its name ("Arial-BoldMT")."""
    weight = raw.FPDFText_GetFontWeight(handle, index)
    if weight > 0:
        return weight >= 600
    import ctypes

    key = ctypes.cast(raw.FPDFText_GetTextObject(handle, index), ctypes.c_void_p).value
    if key not in known:
        buffer = ctypes.create_string_buffer(128)
        flags = ctypes.c_int()
        raw.FPDFText_GetFontInfo(handle, index, buffer, len(buffer), flags)
        name = buffer.value.decode("utf-8", "replace").lower()
        known[key] = any(word in name for word in ("bold", "black", "heavy", "semibold"))
    return known[key]


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
