"""What a line on a report's cover is, when it is not (part of) the title.

Covers print the publisher, the programme and grant, the document type, addresses, authors, dates and
copyright around the title, often as large or larger. ``line_role`` names such a line's role, or gives
None for a line that may belong to a title. English, German and Swedish, as the reports come.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE
_NUMBER = r"\d{1,2}(?:\.\d{1,2}){0,3}"
DELIVERABLE_NUMBER = (
    r"(?:(?i:deliverable|leverans|livrable|lieferbericht)\s*:?\s*(?i:n°|no\.?|nr\.?)?\s*(?:D\s?\.?\s?)?"
    r"(?:[A-Z]{1,2}\d?\.)?" + _NUMBER + r"|D\s?\.?\s?(?:[A-Z]{1,2}\d?\.)?" + _NUMBER + r")"
)
# "Deliverable D4.1", "D 1.1", "Deliverable 5.4.2": the number alone, the title comes below
DELIVERABLE_LABEL = re.compile(r"^(?:[A-Z][\w-]+[,:]?\s+)?" + DELIVERABLE_NUMBER + r"\s*[.:]?$")
# "Chapter I", "Annex 2", "Part B": a part's number alone, its title comes below
PART_LABEL = re.compile(
    r"^(?i:chapter|kapitel|part|teil|del|annex|appendix|anhang|bilaga|section|volume|band)\s+([IVXLC]+|\d{1,2}|[A-H])\.?$"
)
# "D 5.4: Technology dossiers ...", "D6.2. Completion of ...", "POWERSTEP Deliverable D5.1: ..."
DELIVERABLE_TITLE = re.compile(r"^(?:[A-Z][\w-]+\s+)?" + DELIVERABLE_NUMBER + r"\s*[.:\-–]?\s+[^\W\d_]{2,}")

_MONTHS = (
    r"(jan(uary|uar|uari)?|feb(ruary|ruar|ruari)?|m(ar(ch)?|ärz|ars)|apr(il)?|ma(y|i|j)|june?|juni|july?|juli|"
    r"aug(ust|usti)?|sep(t(ember)?)?|o[ck]t(ober)?|nov(ember)?|de[cz](ember)?)"
)
_DATE = (
    r"^((date|datum|dated?|stand|version)\s*:?\s*)?"
    r"(\d{1,2}[./-]\d{1,2}[./-](19|20)?\d\d|(19|20)\d\d-\d\d(-\d\d)?|(\d{1,2}\.?\s*)?" + _MONTHS + r"\.?\s*(19|20)\d\d|"
    r"(19|20)\d\d)$"
)
_PLACE_AND_DATE = (
    r"^[\w .-]{2,30},\s*(\d{1,2}[./]\d{1,2}[./]\d{2,4}|" + _MONTHS + r"\s+(19|20)\d\d|"
    r"\d{1,2}\.?\s+" + _MONTHS + r"\s+(19|20)\d\d)$"
)
# Each role's alternatives, checked in this order; the first that matches names the line.
_ROLE_PATTERNS: dict[str, list[str]] = {
    "copyright": [
        r"©|\(c\)\s*(19|20)\d\d|copyright|all rights reserved|disclaimer|legal notice",
        r"rechtlicher hinweis|haftungsausschluss|upphovsrätt|alla rättigheter",
    ],
    "funding": [
        r"has received funding|received funding|co-?funded|co-?financed|funded by|financed (by|through|in)",
        r"financial support|finanzielle unterstützung|finanziert|gefördert|medfinansier|finansierat",
        r"grant agreement|\bgrant\s*(no|n°|number)|\bGA\s*(no\.?|n°)|project (number|no\.?)\b",
        r"contract\s*(:|no|n°|number)",
        r"horizon\s*2020|horizon europe|framework programme|rahmenprogramm",
        r"research and innovation (action|programme)|innovation actions?\b",
        r"\bLIFE\s*\+?\s*\d\d|\bFP7\b|interreg\b|\b(erdf|eruf|esf)\b",
        r"european (union|commission|regional development)|europeiska (unionen|regionala)",
    ],
    "address": [
        r"\b(tel|telefon|phone|fax|e-?mail|mail)\b\.?\s*[:+(\d]|www\.|https?://|\S@\S",
        r"(str\.|straße|strasse|gatan|vägen|weg|allee)\s*\d|\b(street|road)\s*\d|\bD-\d{5}\b",
        r"(?-i:\b\d{3}\s\d{2}\s+[A-ZÅÄÖ][a-zåäö]+|\b\d{5}\s+[A-ZÄÖÜ][a-zäöüß]+)|^(cicerostr|postfach|box)\b",
    ],
    "person": [
        # "by Christian Remy and Boris Lesjean", not "von Patienten in Krankenhäusern": names are capitalised
        r"^(by|von|av|par)(\s*:)?$|"
        r"^(by|von|av|par)\s+(?-i:(\w\.\s?)*[A-ZÄÖÜ][\w'-]+(\s+[A-ZÄÖÜ][\w'-]+)*)\s*(,|\(|and\b|und\b|och\b|&|$)",
        r"^(written by|prepared by|edited by|authors?|author\(s\)|autor(en)?|författare)\b",
        r"^(contact( person)?|ansprechpartner|kontaktperson|reviewed by)\b",
        r"\b(dr\.|prof\.|dipl\.-?|ing\.|m\.\s?sc\.?|ph\.?d\b|mr\.|mrs\.|ms\.)",
    ],
    "date": [
        _DATE,
        _PLACE_AND_DATE,
        r"^[\w .-]{2,30},[\w .]{0,15}\b(19|20)\d\d$",
        r"^((final|draft)\s+)?(version|draft|endversion|entwurf)\b[\w\s]*,?\s*(date|datum)?\s*:?\s*\d",
    ],
    "file": [r"\.(docx?|pdf|indd|odt|xlsx?|pptx?)\b|^\S+_\S+$"],
    "web": [
        r"see discussions, stats|researchgate|\bcitations\b|^reads$|see profile|uploaded by|^article\s*·",
        r"^doi\s*:|\bdoi\.org\b|view project",
    ],
    "label": [
        r"^((full )?project (acronym|name|title|number|no\.?|id|coordinator)|work ?package|related work package)\b",
        r"^(deliverable (number|no\.?|lead|title|type|details|version)|lead (partner|beneficiary|participant))\b",
        r"^((start|end|due|submission|delivery) date|date of (issue|delivery|submission)|dissemination level)\b",
        r"^(document (type|id|number|title|version)|revision (number|track|history)|reporting (date|period))\b",
        r"^(project|projekt|acronym|akronym|contract|version|status|nature|keywords?|website|programme|program|call|"
        r"instrument|coordinator|duration|revision)(\s*:|\s+(no\.?\s*|n°\s*|nr\.?\s*)?[\dA-Z][\w./-]*$)",
        r"^wp\s?\d+\b",
    ],
    "generic": [
        r"^(the\s+)?((final|progress|interim|technical|annual|periodic|activity|short|extended|executive|public|"
        r"slut|del|läges)?\s*(report|rapport|bericht|summary|sammanfattning|zusammenfassung|kurzfassung|"
        r"abschlussbericht|slutrapport|zwischenbericht|deliverable|abstract|draft|final( version| draft)?|"
        r"confidential|contents|table of contents|inhalt|inhaltsverzeichnis|innehåll)|publishable summary)"
        r"(\s+(no\.?|nr\.?)?\s*\d{1,4})?\W*$",
    ],
    "organisation": [
        r"^[\w\s&.,'-]{0,60}\b(g?gmbh|ag|ab|ltd|e\.\s?v|s\.\s?l|b\.\s?v|oy|a/s|s\.\s?a|s\.\s?p\.\s?a|inc)\.?"
        r"(\s*\(\w+\))?$",
        r"^(?=(\S+\s+){0,5}\S+$).*\b\w*(universit(y|ät|et|é|a|at)|institut(e|et)?|department|faculty|fakultät|"
        r"fachgebiet|kompetenzzentrum|centre of competence)\b",
    ],
    "number": [r"^[\divxlc.\-– ]{1,8}$|^page\s+\d+|^sida\s+\d+|^seite\s+\d+"],
    "heading": [r"^\d{1,2}(\.\d{1,2})+\.?\s"],  # "1.1. Notion of ...": a section heading of a contents list
}
_ROLES = tuple(
    (role, re.compile("|".join(f"(?:{p})" for p in patterns), _I)) for role, patterns in _ROLE_PATTERNS.items()
)
_LETTERS = re.compile(r"[^\W\d_]")
_COUNTRIES = re.compile(
    r",\s*(germany|deutschland|sweden|sverige|schweden|denmark|danmark|finland|suomi|norway|norge|estonia|latvia|"
    r"lithuania|poland|polska|netherlands|belgium|france|spain|italy|austria|switzerland|united kingdom|uk)$",
    _I,
)


def line_role(text: str) -> str | None:
    """The role of a cover line that is not title text ("funding", "date", "person", ...), or None."""
    line = " ".join(text.split())
    if len(_LETTERS.findall(line)) < 2:
        return "number"
    if DELIVERABLE_LABEL.match(line):
        return "deliverable"
    if PART_LABEL.match(line):
        return "part"
    for role, pattern in _ROLES:
        if pattern.search(line):
            return role
    if len(line.split()) <= 4 and _COUNTRIES.search(line):
        return "address"
    return None
