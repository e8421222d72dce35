"""Report metadata from the text: title (ingest/title.py), acronym, programme, period, budget and EU funding."""

from __future__ import annotations

import re
from collections import Counter

from ingest.pdf import PageLayout
from ingest.title import find_title
from kb.models import ReportMeta

PROGRAMMES: tuple[tuple[str, str], ...] = (
    (r"(?i:Interreg[\s-]*(Baltic Sea Region|BSR))", "Interreg Baltic Sea Region"),
    (r"(?i:Interreg[\s-]*(Central Europe|CE)\b)", "Interreg Central Europe"),
    (r"(?i:Interreg[\s-]*North Sea)", "Interreg North Sea"),
    (r"Interreg[\s-]*(Europe|IVC)\b", "Interreg Europe"),
    (r"Interreg[\s-]*Aurora", "Interreg Aurora"),
    (r"Interreg[\s-]*(Öresund|ÖKS)", "Interreg Öresund-Kattegat-Skagerrak"),
    (r"Interreg[\s-]*Sverige[\s-]*Norge", "Interreg Sverige-Norge"),
    (r"Interreg[\s-]*Central Baltic", "Interreg Central Baltic"),
    (r"Horizon\s*2020|H2020", "Horizon 2020"),
    (r"Horizon\s*Europe", "Horizon Europe"),
    (r"\bFP7\b|Seventh Framework Programme|7th Framework Programme", "FP7"),
    (r"\bLIFE\s*(\+|Programme|programme|Environment|[0-9]{2}\s*[A-Z]{3})|LIFE\d{2}", "LIFE"),
    (r"Erasmus\s*\+|Erasmus Plus", "Erasmus+"),
    (r"\bESF\s*\+|European Social Fund|Europeiska socialfonden|Socialfonden", "ESF+"),
    (r"\bURBACT\b", "URBACT"),
    (
        r"\bERDF\b|\bERUF\b|European Regional Development Fund|Europeiska regionala utvecklingsfonden|Regionalfonden",
        "ERDF",
    ),
    (r"(?i:\bInterreg\b)", "Interreg"),
)

_AMOUNT = (
    r"(?P<cur1>EUR|€|SEK|kr|MEUR|M€)?\s*"
    r"(?P<num>\d{1,3}(?:[ ,.\u00a0]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)\s*"
    r"(?P<scale>million|miljoner|mnkr|Mkr|MSEK|MEUR|M€|tkr|k€)?\s*"
    r"(?P<cur2>EUR|euro|€|SEK|kronor|kr)?"
)
_BUDGET = re.compile(
    r"(total (project )?budget|total (eligible )?costs?|project budget|budget total|total kostnad|budget)"
    r"\s*[:\-]?\s*(\(.*?\)\s*)?" + _AMOUNT,
    re.IGNORECASE,
)
_EU_FUNDING = re.compile(
    r"(EU[- ]funding|EU[- ]contribution|EC contribution|ERDF (co-?)?financing|ERDF contribution|EU grant|"
    r"EU-stöd|EU-finansiering|beviljat (EU-)?stöd|stöd från EU|ERUF|Union contribution|grant amount)"
    r"\s*[:\-]?\s*(\(.*?\)\s*)?" + _AMOUNT,
    re.IGNORECASE,
)
_PERIOD = re.compile(
    r"(project (period|duration|dates?)|duration|period|projektperiod|projekttid|genomförandeperiod|start date|"
    r"project start)\s*[:\-]?\s*[^\n]{0,40}?(?P<start>(19|20)\d{2})[^\n]{0,30}?(?P<end>(19|20)\d{2})",
    re.IGNORECASE,
)
_ACRONYM_FIELD = re.compile(
    r"(project acronym|acronym|akronym|kortnamn)\s*[:\-]?\s*(?P<a>[A-Za-z0-9+\-]{2,20})", re.IGNORECASE
)
_ACRONYM_TOKEN = re.compile(r"\b[A-Z][A-Za-z0-9+\-]*[A-Z][A-Za-z0-9+\-]*\b")
_NOT_ACRONYMS = {
    "EU",
    "EC",
    "EUR",
    "SEK",
    "ERDF",
    "ERUF",
    "ESF",
    "LIFE",
    "FP7",
    "H2020",
    "WP",
    "PDF",
    "CO2",
    "NGO",
    "SME",
    "SMEs",
    "ICT",
    "GDP",
    "PhD",
    "UK",
    "USA",
    "DG",
    "RTD",
    "ISBN",
    "WWTP",
    "WWTPs",
    "API",
    "APIs",
    "OK",
    "II",
    "III",
    "IV",
    "URBACT",
    "TEN-T",
    "NUTS",
    "UN",
    "SDG",
    "SDGs",
    "CEO",
    "IT",
    "AI",
    "HVO",
    "LCA",
    "KPI",
    "KPIs",
    "FAQ",
    "URL",
    "VAT",
    "BSR",
    "MWh",
    "kWh",
    "GWh",
    "TWh",
    "ISO",
    "GHG",
    "DPO",
    "GDPR",
    "HTML",
    "EEA",
    "OECD",
}


def parse_amount(num: str, scale: str | None) -> float | None:
    """``3,417,378`` / ``3 417 378`` / ``2,4`` with an optional scale word -> a number."""
    digits = num.replace("\u00a0", " ")
    if re.fullmatch(r"\d{1,3}([ ,.]\d{3})+", digits):
        value = float(re.sub(r"[ ,.]", "", digits))
    elif re.fullmatch(r"\d{1,3}([ ,.]\d{3})+[.,]\d+", digits):
        if digits[-3] not in ".,":
            return None
        value = float(re.sub(r"[ ,.]", "", digits[:-3]) + "." + digits[-2:])
    else:
        value = float(digits.replace(",", "."))
    factor = {
        "million": 1e6,
        "miljoner": 1e6,
        "mnkr": 1e6,
        "mkr": 1e6,
        "msek": 1e6,
        "meur": 1e6,
        "m€": 1e6,
        "tkr": 1e3,
        "k€": 1e3,
    }.get((scale or "").lower(), 1.0)
    return value * factor


def _currency(match: re.Match[str]) -> str | None:
    raw = (match.group("cur1") or match.group("cur2") or match.group("scale") or "").lower()
    if raw in {"eur", "€", "euro", "meur", "m€", "k€"}:
        return "EUR"
    if raw in {"sek", "kr", "kronor", "mnkr", "mkr", "msek", "tkr"}:
        return "SEK"
    return None


def _money(pattern: re.Pattern[str], text: str) -> tuple[float | None, str | None]:
    for match in pattern.finditer(text):
        value = parse_amount(match.group("num"), match.group("scale"))
        currency = _currency(match)
        if value is not None and currency and value >= 1000 or (value and match.group("scale")):
            return value, currency
    return None, None


def programme_of(text: str) -> str | None:
    """The most specific EU programme named in the text, preferring the front pages."""
    for pattern, name in PROGRAMMES:
        if re.search(pattern, text):
            return name
    return None


def acronym_of(cover: str, text: str) -> str | None:
    """A field ("Acronym: X"), else the capitalised token on the cover page that recurs most in the report.

    Project acronyms sit on the cover; technical abbreviations recur too, but rarely there.
    """
    match = _ACRONYM_FIELD.search(cover) or _ACRONYM_FIELD.search(text)
    if match and match.group("a") not in _NOT_ACRONYMS and sum(c.isupper() for c in match.group("a")) >= 2:
        return match.group("a")
    counts = Counter(t for t in _ACRONYM_TOKEN.findall(text) if t not in _NOT_ACRONYMS and 3 <= len(t) <= 15)
    on_cover = {t for t in _ACRONYM_TOKEN.findall(cover) if counts[t] >= 3}
    if not on_cover:
        return None
    return max(sorted(on_cover), key=lambda t: counts[t])


def project_acronym(pages: list[str], pdf_title: str | None = None) -> str | None:
    """The project's acronym where the report prints its project (ingest.project_id), else None: the
    most frequent capitalised word of the cover (``acronym_of``) was as often a technique or a partner."""
    from ingest.project_id import project_identity

    return project_identity(pages, pdf_title).acronym


def extract_meta(pages: list[str], pdf_title: str | None = None, layout: list[PageLayout] | None = None) -> ReportMeta:
    """What the report says about itself; the title from the cover's layout when there is one (ingest/title.py)."""
    title = find_title(layout or [], pages, pdf_title)
    front = "\n".join(pages[:4])
    whole = "\n".join(pages)
    budget, currency = _money(_BUDGET, front)
    if budget is None:
        budget, currency = _money(_BUDGET, whole)
    eu, eu_currency = _money(_EU_FUNDING, front)
    if eu is None:
        eu, eu_currency = _money(_EU_FUNDING, whole)
    period = _PERIOD.search(front) or _PERIOD.search(whole)
    start = end = None
    if period:
        start, end = int(period.group("start")), int(period.group("end"))
        if not 0 <= end - start <= 15:
            start = end = None
    return ReportMeta(
        title=title.title,
        subtitle=title.subtitle,
        title_confidence=title.confidence if title.title else None,
        acronym=project_acronym(pages, pdf_title),
        programme=programme_of(front) or programme_of(whole),
        period_start=start,
        period_end=end,
        budget_total=budget,
        eu_funding=eu,
        currency=currency or eu_currency,
    )
