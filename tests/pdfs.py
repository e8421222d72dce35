"""Small PDFs made on the fly for tests: text-less, broken, hostile, not a PDF at all."""

from __future__ import annotations

import zlib
from pathlib import Path

from fpdf import FPDF


def textless_pdf(path: Path, pages: int = 2) -> Path:
    """Pages with drawings only, like a scanned report without OCR."""
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))
    return path


def text_pdf(path: Path, pages: list[str]) -> Path:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def cover_pdf(path: Path, cover: list[tuple[str, int, bool]], body: str = "", title: str | None = None) -> Path:
    """A cover page of (text, font size, bold) lines, top to bottom, and a body page of 11-point text.

    A line wider than the page wraps, as a long title does on a real cover.
    """
    pdf = FPDF(unit="pt")
    if title:
        pdf.set_title(title)
    pdf.add_page()
    for text, size, bold in cover:
        pdf.set_font("Helvetica", "B" if bold else "", size)
        pdf.multi_cell(0, size * 1.2, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(size * 0.4)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    text = body or "1 Introduction\n" + "The project ran for three years in four cities and learned a lot. " * 12
    pdf.multi_cell(0, 14, text, new_x="LMARGIN")
    pdf.output(str(path))
    return path


def encrypted_pdf(path: Path, text: str, user_password: str) -> Path:
    """One page of ``text``, AES-128 encrypted; an empty user password opens it without asking."""
    from fpdf.enums import EncryptionMethod

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password=user_password, encryption_method=EncryptionMethod.AES_128)
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.cell(0, 6, text)
    pdf.output(str(path))
    return path


def bullets_without_mapping_pdf(path: Path) -> Path:
    """A list whose bullets are glyphs of a font that maps them to no Unicode character (codes 1 and 3)."""
    content = (
        b"BT /F1 12 Tf 72 700 Td (Our lessons:) Tj 0 -14 Td (\\001 first point) Tj 0 -14 Td (\\003 second point) Tj ET"
    )
    path.write_bytes(one_page_pdf(content, b"/Encoding << /Differences [1 /bullet1 3 /bullet3] >>"))
    return path


def one_page_pdf(content: bytes, font_entries: bytes = b"") -> bytes:
    """A page drawing ``content`` (compressed) with Helvetica as /F1, plus ``font_entries`` in its font."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            flate_stream(b"", content),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica " + font_entries + b" >>",
        ]
    )


def truncated_pdf(source: Path, path: Path) -> Path:
    """The first few hundred bytes of a real PDF: the header is right, the rest is gone."""
    path.write_bytes(source.read_bytes()[:400])
    return path


def renamed_text_file(path: Path) -> Path:
    path.write_text("This is a plain text file that someone renamed to .pdf\n" * 20)
    return path


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF file with the given objects (1-based), a correct cross-reference table and trailer."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def slow_pdf(path: Path, repeats: int = 100, salt: str = "") -> Path:
    """A 1 KB page that keeps the reader busy for about ``repeats`` x 0.8 s of CPU (a hang as far as the
    server can tell): it draws a form ``repeats`` x 100 times, and that form holds 100,000 operators that
    PDFium parses again at every drawing."""
    form = b"/Type /XObject /Subtype /Form /BBox [0 0 612 792]"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        + f" /Resources << /XObject << /B 5 0 R >> >> /Salt ({salt}) >>".encode(),
        flate_stream(b"", b"/B Do\n" * repeats),
        flate_stream(form + b" /Resources << /XObject << /A 6 0 R >> >>", b"/A Do\n" * 100),
        flate_stream(form, b"q Q\n" * 100_000),
    ]
    path.write_bytes(raw_pdf(objects))
    return path


def flate_stream(entries: bytes, content: bytes) -> bytes:
    data = zlib.compress(content, 9)
    return f"<< /Length {len(data)} /Filter /FlateDecode ".encode() + entries + b" >>\nstream\n" + data + b"\nendstream"
