"""Small PDFs made on the fly for tests: text-less, broken, not a PDF at all."""

from __future__ import annotations

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
