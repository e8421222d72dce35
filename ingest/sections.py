"""Headings and section kinds, in Swedish and English, from page texts."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# Checked in this order: "Summary of lessons learned" is about lessons, not a summary. English, Swedish, German.
KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (
            "lessons",
            r"lesson|learn(ed|t|ing)s?\b|lärdom|erfarenhet|insight|good practice|conclusion|slutsats|"
            r"erkenntnis|schlussfolgerung|fazit|\blehren\b|erfahrung",
        ),
        ("recommendations", r"recommend|rekommend|advice|råd\b|guidance|way forward|förslag|empfehlung"),
        (
            "challenges",
            r"challenge|problems?\b|difficult|obstacle|barrier|risk (management|mitigation)|contingenc|"
            r"^(\d+(\.\d+)*\.?\s+)?(main |key |project |identified |major |critical )?risks?( and \w+)?$|"
            r"deviation|utmaning|svårighet|hinder|avvikelse|herausforderung|schwierigkeit|hemmnis",
        ),
        (
            "results",
            r"result|achievement|outcome|output|^(\d+(\.\d+)*\.?\s+)?impacts?$|"
            r"(socio-economic|economic|social|societal|project|expected|overall|achieved) impacts?\b|"
            r"accomplish|resultat|effekt|måluppfyllelse|ergebnis",
        ),
        (
            "partners",
            r"\bpartners\b|partnership|consortium|beneficiar|\bparticipants\b|\bcontacts?\b(?!\s+time)|"
            r"contact (details|information|persons?)|kontakt|deltagare|samverkan|parter\b|projektpartner",
        ),
        ("summary", r"summary|sammanfattning|abstract|överblick|overview|zusammenfassung|kurzfassung"),
    )
)

# Apparatus around the text: never a lesson, and never inherits the kind of the section before it.
APPARATUS_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(r"^(\d+(\.\d+)*\.?\s+)?(" + pattern + r")\s*:?$", re.IGNORECASE))
    for kind, pattern in (
        (
            "references",
            r"(list of )?references|reference list|literature( cited| list)?|bibliography|sources|cited works|"
            r"referenser|litteratur(förteckning)?|källor|källförteckning|literatur(verzeichnis)?|quellen(verzeichnis)?",
        ),
        (
            "contents",
            r"(table of )?contents?|list of (figures|tables|abbreviations|acronyms|key-?words)|abbreviations|"
            r"acronyms|glossary|innehåll(sförteckning)?|förkortningar|figurförteckning|tabellförteckning|"
            r"inhalt(sverzeichnis)?|abkürzungen|abbildungsverzeichnis|tabellenverzeichnis|"
            r"lists? of (key-?words|figures|tables) and abbreviations",
        ),
        (
            "front_matter",
            r"(important )?legal notice|disclaimer|colo[pf]h?on|imprint|impressum|acknowledge?ments?|"
            r"versioning and contribution history|(document|revision|version) (history|control)|"
            r"dissemination level( of this document)?|document information|deliverable (details|information)|"
            r"wichtiger rechtlicher hinweis|haftungsausschluss|tack\b|förord",
        ),
    )
)
_APPENDIX = re.compile(
    r"^(\d+(\.\d+)*\.?\s+)?(annex|appendix|appendices|bilaga|bilagor|anhang|anlage)\b", re.IGNORECASE
)
# A heading does not end in a word that needs another after it ("Problem in", "Impacts of the").
_OPEN_END = re.compile(
    r"\b(in|of|the|and|or|for|to|with|a|an|on|at|by|from|as|i|på|och|av|för|med|till|der|die|das|und|von|zu|im)$",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^(?P<num>(\d{1,2}(\.\d{1,2}){0,3}|[IVX]{1,4}|[A-H])[.)]?)\s+(?P<title>\S.*)$")
_TOC_LINE = re.compile(r"(\.{4,}|…{2,}|\s{3,})\s*\d+\s*$|\s\d{1,3}$")
_SENTENCE_END = re.compile(r"[.;,]$")
_LETTER = re.compile(r"[A-Za-zÅÄÖåäöÉéÜüß]")


@dataclass(frozen=True)
class Line:
    page: int
    text: str


@dataclass
class Section:
    kind: str
    heading: str
    lines: list[Line] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(len(line.text.split()) for line in self.lines)


def apparatus_kind(heading: str) -> str | None:
    """The apparatus kind ("references", "contents", "front_matter") a heading opens, else None."""
    for kind, pattern in APPARATUS_PATTERNS:
        if pattern.match(heading):
            return kind
    return None


def is_back_matter(heading: str) -> bool:
    """Apparatus and appendices: sections that never inherit the kind of the section before them."""
    return apparatus_kind(heading) is not None or bool(_APPENDIX.match(heading))


def classify_heading(heading: str) -> str:
    """The section kind a heading announces, or ``other``."""
    apparatus = apparatus_kind(heading)
    if apparatus:
        return apparatus
    if _APPENDIX.match(heading):
        return "other"
    for kind, pattern in KIND_PATTERNS:
        if pattern.search(heading):
            return kind
    return "other"


def _defines_acronym(text: str) -> bool:
    """A line of a list of abbreviations ("SD Standard Deviation"), which names a kind by chance."""
    words = text.split()
    if len(words) < 2 or not re.fullmatch(r"[A-Z][A-Z0-9]{1,7}s?", words[0]):
        return False
    initials = "".join(w[0] for w in words[1:] if w[0].isupper())
    return initials.startswith(words[0].rstrip("s")[:2])


def heading_depth(heading: str) -> int | None:
    """Nesting depth of a numbered heading ("3" -> 1, "3.2" -> 2), None when unnumbered."""
    match = _NUMBERED.match(heading)
    if not match:
        return None
    return match.group("num").rstrip(".)").count(".") + 1


def is_heading(line: str) -> bool:
    """A short line that reads like a title: numbered, in capitals, or naming a known section."""
    text = line.strip()
    words = text.split()
    if not 1 <= len(words) <= 12 or len(text) < 4 or len(text) > 100:
        return False
    if not _LETTER.search(text) or _TOC_LINE.search(text) or _SENTENCE_END.search(text):
        return False
    if ";" in text or _OPEN_END.search(text) or _defines_acronym(text):
        return False
    if not (text[0].isupper() or text[0].isdigit()):
        return False
    known = classify_heading(text) != "other" or is_back_matter(text)
    if "," in text and not known:
        return False
    numbered = _NUMBERED.match(text)
    if numbered:
        title = numbered.group("title")
        return (
            title[:1].isupper()
            and len(title.split()) <= 10
            and not title.endswith("?")
            and not re.search(r"\d[\d\s.,]*$", title)
        )
    if text.isupper() and len(words) <= 8:
        return True
    return known and len(words) <= 6


def split_sections(pages: list[str]) -> list[Section]:
    """Cut the report into sections at headings; sub-sections inherit their parent's kind.

    What comes before the first heading is the cover and what follows it: front matter.
    """
    lines = _body_lines(pages)
    sections = [Section(kind="front_matter", heading="")]
    parents: list[tuple[int, str]] = []  # (depth, kind) of open numbered headings
    last_number: tuple[int, ...] | None = None
    for line in lines:
        number = _arabic_number(line.text)
        # a numbered heading must follow the last one (3.2 -> 3.3), except one that names apparatus ("2.5.5
        # References"): its word is proof enough, and a missed heading before it must not hide a reference list
        plausible = number is None or last_number is None or _follows(last_number, number) or is_back_matter(line.text)
        if not is_heading(line.text) or not plausible:
            sections[-1].lines.append(line)
            continue
        if number is not None:
            last_number = number
        heading = line.text.rstrip(":").strip()
        kind = classify_heading(heading)
        depth = heading_depth(heading)
        back_matter = is_back_matter(heading)
        if back_matter:
            parents = []
        if depth is not None:
            parents = [(d, k) for d, k in parents if d < depth]
            if kind == "other" and parents:
                kind = parents[-1][1]
            parents.append((depth, kind))
        elif kind == "other" and not heading.isupper() and not back_matter and sections[-1].heading:
            kind = sections[-1].kind
        sections.append(Section(kind=kind, heading=heading))
    return [s for s in sections if s.lines]


def _arabic_number(text: str) -> tuple[int, ...] | None:
    match = re.match(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s", text)
    return tuple(int(p) for p in match.group(1).split(".")) if match else None


def _follows(previous: tuple[int, ...], number: tuple[int, ...]) -> bool:
    """Whether ``number`` can be the next heading after ``previous`` (3.2 -> 3.3, 3.2.1, 4; not 1)."""
    for depth in range(1, len(previous) + 1):
        prefix = previous[: depth - 1]
        if number[: depth - 1] == prefix and len(number) >= depth and 0 < number[depth - 1] - previous[depth - 1] <= 2:
            return len(number) == depth or all(n == 1 for n in number[depth:])
    return number[: len(previous)] == previous and len(number) == len(previous) + 1 and number[-1] <= 2


_PAGE_NUMBER = re.compile(r"^(page|sida|s\.)?\s*\d{1,4}(\s*(of|av|/)\s*\d{1,4})?$", re.IGNORECASE)


def _body_lines(pages: list[str]) -> list[Line]:
    """Non-empty lines without page numbers and running headers or footers.

    A short line found (up to its numbers) on at least three pages and on a fifth of all pages
    is page furniture.
    """
    per_page = [[raw.strip() for raw in page.splitlines() if raw.strip()] for page in pages]
    seen_on: Counter[str] = Counter()
    for page_lines in per_page:
        seen_on.update({_shape(t) for t in page_lines})
    threshold = max(3, len(pages) // 5)
    furniture = {t for t, n in seen_on.items() if n >= threshold and len(t.split()) <= 25}
    return [
        Line(number, text)
        for number, page_lines in enumerate(per_page, start=1)
        for text in page_lines
        if _shape(text) not in furniture and not _PAGE_NUMBER.match(text)
    ]


def _shape(line: str) -> str:
    """A line with its numbers masked and a page number at either end left out, so "Page 3" and "Page 4",
    or a footer with and without its page number, count as the same."""
    return re.sub(r"\d+", "#", re.sub(r"^\d{1,4}\s+(?=\D)|(?<=\D)\s+\d{1,4}$", "", line))
