"""The municipality's own project list: any CSV file, read through a column -> field mapping.

A mapping is written ``Column=field`` pairs, separated by commas or new lines (a mapping file holds
one pair per line, ``#`` starts a comment), e.g. ``Projektnamn=title,Beskrivning=description``.
``title`` is required; ``id`` keys the entry (``csv:<id>``, else ``csv:<title>``) so that importing
the list again updates entries instead of adding them twice.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from kb.errors import KBError
from kb.models import Contact, Partner, ReportMeta

FIELDS = {
    "id": "the project's own id in the list (keys the entry on re-import)",
    "title": "the project's name (required)",
    "acronym": "short name",
    "description": "what the project did (embedded and searchable)",
    "programme": "funding programme",
    "start": "start year or date",
    "end": "end year or date",
    "budget": "total budget",
    "eu_funding": "EU funding",
    "currency": "currency code (SEK, EUR)",
    "lead_partner": "the lead organisation",
    "partners": "other organisations, separated by ';'",
    "country": "the lead organisation's country (ISO code)",
    "contact_name": "contact person",
    "contact_role": "the contact person's role",
    "contact_email": "the contact person's e-mail",
    "contact_phone": "the contact person's phone",
}


def parse_mapping(text: str) -> dict[str, str]:
    """``Column=field`` pairs (comma- or line-separated) as {field: column}; unknown fields are an error."""
    mapping: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        for pair in line.split(","):
            if not pair.strip():
                continue
            column, sep, name = pair.rpartition("=")
            column, name = column.strip(), name.strip().lower()
            if not sep or not column:
                raise KBError(f"Mapping entry {pair.strip()!r} is not Column=field, e.g. Projektnamn=title.")
            if name not in FIELDS:
                raise KBError(f"Unknown field {name!r} in the mapping; fields: {', '.join(FIELDS)}.")
            mapping[name] = column
    if "title" not in mapping:
        raise KBError("The mapping names no column for title, e.g. Projektnamn=title.")
    return mapping


def read_mapped_csv(path: Path, mapping: dict[str, str]) -> Iterator:
    """Register entries from a CSV file (comma or semicolon separated, UTF-8) through ``mapping``."""
    from ingest.registers import RegisterEntry

    if not mapping:
        raise KBError("A csv register needs a mapping (column -> field), e.g. --map 'Projektnamn=title'.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KBError(f"{path.name} is not UTF-8 text; save the list as CSV UTF-8 and try again.") from exc
    except OSError as exc:
        raise KBError(f"Cannot read {path.name}: {exc}") from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = csv.DictReader(text.splitlines(), dialect=dialect)
    columns = [c.strip() for c in rows.fieldnames or []]
    missing = [c for c in mapping.values() if c not in columns]
    if missing:
        raise KBError(
            f"{path.name} has no column {', '.join(repr(c) for c in missing)}; its columns are: "
            f"{', '.join(columns) or 'none (is it a CSV file?)'}."
        )
    for row in rows:
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}

        def get(name: str, row: dict[str, str] = row) -> str:
            return row.get(mapping[name], "") if name in mapping else ""

        title = get("title")
        if not title:
            continue
        lead, country = get("lead_partner"), (get("country").upper()[:2] or None)
        partners = [Partner(lead, country, "lead partner", 0)] if lead else []
        partners += [Partner(p.strip(), None, "partner", 0) for p in get("partners").split(";") if p.strip()]
        contacts = []
        if get("contact_name"):
            contacts.append(
                Contact(
                    get("contact_name"),
                    get("contact_role") or None,
                    lead or None,
                    get("contact_email") or None,
                    get("contact_phone") or None,
                    0,
                )
            )
        yield RegisterEntry(
            external_id=f"csv:{get('id') or title}",
            title=title,
            description=" ".join(get("description").split()),
            meta=ReportMeta(
                title=title,
                acronym=get("acronym") or None,
                programme=get("programme") or None,
                period_start=_year(get("start")),
                period_end=_year(get("end")),
                budget_total=_amount(get("budget")),
                eu_funding=_amount(get("eu_funding")),
                currency=get("currency").upper() or None,
            ),
            partners=partners,
            contacts=contacts,
        )


def _year(text: str) -> int | None:
    match = re.search(r"\b(19|20)\d\d\b", text)
    return int(match.group(0)) if match else None


def _amount(text: str) -> float | None:
    cleaned = re.sub(r"[\s\u00a0]", "", text).replace(",", ".")
    try:
        return float(cleaned) if cleaned else None
    except ValueError:
        return None
