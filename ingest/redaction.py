"""A copy of a PDF with a person erased from it, made with PDFium inside the sandbox child (ingest.redact_worker).

PDFium cannot remove text from a page's content stream, so a page that shows the person is replaced by
a picture of itself with their name, e-mail address and phone number painted over; every other page
is copied as it is. Only pages travel into the copy: the document information, outline, attachments
and forms stay behind, and every annotation is removed (a link can carry a mailto: address). The copy
is then read again, and it is refused unless no page shows the person any more.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from kb.errors import ReportRejected

DPI = 150
JPEG_QUALITY = 85
# Between two characters of a name or address a line may end (PDFium marks a hyphen it joined with U+0002)
_BREAK = r"(?:\x02|-)?(?:\r?\n)?"


def person_pattern(literals: list[str], patterns: list[str]) -> re.Pattern[str]:
    """One pattern for a person: their names and addresses as written (spaces may be any whitespace, a line
    may break anywhere), and regular expressions such as their phone number's."""
    parts = []
    for literal in sorted(set(literals), key=len, reverse=True):
        words = [_BREAK.join(re.escape(c) for c in word) for word in literal.split()]
        parts.append(r"\s+".join(words))
    return re.compile("|".join(f"(?:{p})" for p in parts + patterns), re.IGNORECASE)


def redact(source: Path, target: Path, pattern: re.Pattern[str]) -> dict:
    """Write ``source`` without the person to ``target``; returns the pages painted over (1-based)."""
    import pypdfium2 as pdfium  # here: only the sandbox child loads PDFium

    try:
        original = pdfium.PdfDocument(source)
    except pdfium.PdfiumError as exc:
        raise ReportRejected("broken", str(exc)[:200]) from exc
    copy = pdfium.PdfDocument.new()
    copy.import_pages(original)
    painted = []
    for index in range(len(copy)):
        page = copy[index]
        _remove_annotations(page)
        boxes = _boxes(page, pattern)
        if boxes:
            _replace_with_picture(copy, index, page, boxes)
            painted.append(index + 1)
    copy.save(target)
    left = pages_showing(target, pattern)
    if left:
        raise ReportRejected("broken", f"pages {left} still show the person after redaction")
    return {"pages": len(copy), "painted": painted}


def pages_showing(path: Path, pattern: re.Pattern[str]) -> list[int]:
    """The pages (1-based) whose text matches ``pattern``."""
    import pypdfium2 as pdfium

    found = []
    with pdfium.PdfDocument(path) as document:
        for index in range(len(document)):
            text, _ = _page_chars(document[index])
            if pattern.search(text):
                found.append(index + 1)
    return found


def _page_chars(page) -> tuple[str, list[int]]:
    """The page's text one character per PDFium character index (a character outside the BMP counts as
    one, which a decoded text range would not keep aligned), and those indexes."""
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    count = textpage.count_chars()
    chars = [chr(raw.FPDFText_GetUnicode(textpage, i)) for i in range(count)]
    textpage.close()
    return "".join(c if c != "\x00" else " " for c in chars), list(range(count))


def _boxes(page, pattern: re.Pattern[str]) -> list[tuple[float, float, float, float]]:
    """Page-space boxes (left, bottom, right, top) of every character the pattern matches."""
    text, _ = _page_chars(page)
    matches = list(pattern.finditer(text))
    if not matches:
        return []
    textpage = page.get_textpage()
    try:
        return [textpage.get_charbox(i, loose=True) for m in matches for i in range(m.start(), m.end())]
    finally:
        textpage.close()


def _replace_with_picture(document, index: int, page, boxes) -> None:
    """Render the page, paint the boxes black, and put the picture in the page's place."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    scale = DPI / 72
    bitmap = page.render(scale=scale, may_draw_forms=False)
    convert = bitmap.get_posconv(page)
    picture = bitmap.to_pil().convert("RGB")
    draw = ImageDraw.Draw(picture)
    margin = 2 * scale
    for left, bottom, right, top in boxes:
        corners = [convert.to_bitmap(x, y) for x in (left, right) for y in (bottom, top)]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        draw.rectangle((min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin), fill="black")
    width, height = picture.width / scale, picture.height / scale
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    buffer.seek(0)
    replacement = document.new_page(width, height, index)
    image = pdfium.PdfImage.new(document)
    image.load_jpeg(buffer, inline=False)
    image.set_matrix(pdfium.PdfMatrix().scale(width, height))
    replacement.insert_obj(image)
    replacement.gen_content()
    bitmap.close()
    page.close()
    document.del_page(index + 1)


def _remove_annotations(page) -> None:
    import pypdfium2.raw as raw

    while raw.FPDFPage_GetAnnotCount(page) > 0:
        if not raw.FPDFPage_RemoveAnnot(page, 0):
            raise ReportRejected("broken", "an annotation could not be removed")
