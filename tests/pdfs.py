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


def slow_pdf(path: Path, operators: int = 300_000, salt: str = "") -> Path:
    """A 24 KB page whose compressed content stream holds hundreds of thousands of text operators:
    reading it keeps the reader busy for many seconds (a hang as far as the server can tell)."""
    content = zlib.compress(b"BT /F1 12 Tf 10 10 Td (a) Tj ET\n" * operators, 9)
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page + b" /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode() + content + b"\nendstream",
        f"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Salt ({salt}) >>".encode(),
    ]
    path.write_bytes(raw_pdf(objects))
    return path
