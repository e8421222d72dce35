"""A collection as a PDF to hand out (fpdf2, offline, no font files).

fpdf2's built-in Helvetica covers Windows-1252, which holds every Swedish letter (å ä ö é) and the
usual typography (– “ ” …); any other character is replaced by "?" rather than failing the export.
"""

from __future__ import annotations

from fpdf import FPDF

from web.i18n import SECTION_LABELS, translate

ENCODING = "windows-1252"


def _text(value: object) -> str:
    return str(value or "").encode(ENCODING, errors="replace").decode(ENCODING)


def collection_pdf(view: dict, lang: str) -> bytes:
    """Title, description and every item with its introduction, source and text."""

    def _(text: str) -> str:
        return translate(text, lang)

    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_title(_text(view["name"]))
    pdf.set_author(_text(_("Lärdomsbanken")))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 9, _text(view["name"]), new_x="LMARGIN", new_y="NEXT")
    if view["description"]:
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 5.5, _text(view["description"]), new_x="LMARGIN", new_y="NEXT")
    for number, item in enumerate(view["items"], start=1):
        pdf.ln(5)
        pdf.set_font("Helvetica", "B", 13)
        pdf.multi_cell(
            0, 7, _text(f"{number}. {item['title'] or _('Inte längre tillgänglig')}"), new_x="LMARGIN", new_y="NEXT"
        )
        if item["intro"]:
            pdf.set_font("Helvetica", "I", 11)
            pdf.multi_cell(0, 5.5, _text(item["intro"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(0, 5, _text(_source(item, _)), new_x="LMARGIN", new_y="NEXT")
        if item["text"]:
            pdf.set_font("Helvetica", "", 10.5)
            pdf.multi_cell(0, 5.2, _text(item["text"]), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _source(item: dict, _) -> str:
    details = item["details"]
    if item["kind"] == "passage":
        label = _(SECTION_LABELS.get(item["section"] or "", item["section"] or ""))
        return f"{_('Lärdom')} · {label} · {_('s.')} {item['page']}"
    if item["kind"] == "report":
        period = f"{details.get('period_start') or ''}–{details.get('period_end') or ''}"
        return f"{_('Rapport')} · {details.get('programme') or '–'} · {period}"
    if item["kind"] == "contact":
        parts = [details.get("role"), details.get("organisation"), details.get("email"), details.get("phone")]
        return f"{_('Kontaktperson')} · " + " · ".join(p for p in parts if p)
    return ""
