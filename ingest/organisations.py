"""The organisations behind a report: partners, beneficiaries, deliverable leads and the people's affiliations.

Read from the places reports print them: labelled fields ("Deliverable lead: Neas Energy", "Partner
responsible: KWB", "Lead beneficiary Eurecat", "Contributing beneficiary(ies) KWB, UBath"), numbered
partner lists under a heading ("Contributing partners", "Consortium"), sentences that list partners
("in cooperation with …", "prepared by the following project partners: …", "beneficiaries UZH, USFD"),
the organisation printed beside each person ("Christian Remy (KWB)", "Digg: Mattias Ekhem") and
affiliation footnotes. Literature, funders and case-study sites are not read: none of these places holds them.
An acronym is joined to the full name where the report spells it out ("Kompetenzzentrum Wasser Berlin (KWB)").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.names import fold, person_name
from ingest.people import reference_pages
from kb.directory.names import looks_like_organisation
from kb.models import Contact, Partner

# (label, role, whether a colon or dash must follow): a form's own fields stand without one ("Lead beneficiary
# Eurecat"); a bare "Partners" at the start of a line is as often a sentence or a reference.
_ROLE_FIELDS: tuple[tuple[str, str, bool], ...] = (
    (
        r"lead partner|lead beneficiary|project coordinator|coordinating (?:partner|beneficiary)|name beneficiary|"
        r"projektägare|huvudpartner|huvudsökande|stödmottagare",
        "lead partner",
        False,
    ),
    (r"coordinator|beneficiary", "lead partner", True),
    (
        r"deliverable lead(?:er)?|lead institution|lead organi[sz]ation|partner responsible|responsible partner|"
        r"lead contractor|task lead(?:er)?|activity lead(?:er)?|contributing (?:beneficiar(?:y|ies)|"
        r"beneficiary\(ies\)|partners?|organi[sz]ations?)|participating (?:partners?|organi[sz]ations?)",
        "partner",
        False,
    ),
    (
        r"project partners?|partners?|samverkanspart(?:er)?|medsökande|projektpartner(?:s)?|consortium(?: members)?|"
        r"beneficiaries",
        "partner",
        True,
    ),
    (r"associated partners?|associerade? partner(?:s)?", "associated", True),
)
_FIELD = [
    (re.compile(rf"^\s*(?:{p})\s*{'(?::|–|-)' if colon else '(?::|–|-)?'}\s*(?P<rest>.*)$", re.IGNORECASE), role)
    for p, role, colon in _ROLE_FIELDS
]
_HEADING = [re.compile(rf"^\s*(?:{p})\s*:?\s*$", re.IGNORECASE) for p, _, _ in _ROLE_FIELDS]
_LIST_SENTENCE = re.compile(
    r"(?:in (?:close )?(?:cooperation|collaboration|partnership) with|i samarbete med|(?:prepared|written|carried out)"
    r" by the following (?:project )?partners:?|(?:following|added|terminated|other|participating|project|"
    r"consortium) (?:partners|beneficiaries)(?: (?:were|are|is|include|includes))?:?|(?:partners|beneficiaries):)"
    r"[ \t]*(?P<rest>(?:[^.\n]|,[ \t]*\n|\n(?=[^\n]*,))[^.\n]{3,600})",
    re.IGNORECASE,
)
# "UPSud used 102% of its budget", "UGA declared 97% of its PMs", "British sites UOXF, USTAN, and UWarwick used
# respectively only 92%, 83%, and 93% of their budget": a periodic report's use of resources, per beneficiary
_RESOURCES = re.compile(
    r"(?P<subject>[A-Z][^.;:•\n]{0,80}?)\s+(?:has\s+|have\s+)?(?:used|declared|spent|consumed|claimed|reported)\s+"
    r"(?:respectively\s+)?(?:only\s+|about\s+|around\s+)*\d+(?:[.,]\d+)?\s?%(?:,\s*\d+(?:[.,]\d+)?\s?%)*"
    r"(?:,?\s*and\s+\d+(?:[.,]\d+)?\s?%)?\s+of\s+(?:its|their)\s+(?:total\s+|planned\s+)?"
    r"(?:budget|pms|person[- ]months|resources|effort|costs)",
    re.IGNORECASE,
)
_LISTING_WORDS = re.compile(r"(?i)cooperation|collaboration|partnership|samarbete|partners|beneficiaries")
_PERCENT_OF = re.compile(r"(?i)%\s+of\s+(?:its|their)\s")
_NUMBERED = re.compile(r"^\s*(\d{1,2})[.)]\s+(?P<rest>\S.{1,160})$")
_DEFINED = re.compile(
    r"(?P<full>[A-ZÅÄÖÜ][\w&'’.-]*(?:[ -](?:[A-ZÅÄÖÜ][\w&'’.-]*|of|for|and|the|de|la|du|des|der|für|fur|und|di|i|"
    r"in|on|y|och|för|-)){1,12})\s*\((?P<acr>[A-ZÅÄÖ][A-Za-zÅÄÖ&-]{1,11})(?:,\s*[A-Z][a-z]+)?\)$"
)
_BRACKETED = re.compile(r"\((?:[A-ZÅÄÖ][A-Za-zÅÄÖ&-]{1,11})(?:,\s*[A-Z][a-z]+)?\)")
_DASHED = re.compile(r"^(?P<acr>[A-ZÅÄÖ][A-Za-z&]{1,9})\s+[–-]\s+(?P<full>[A-ZÅÄÖ].{3,})$")
_ROLEISH = re.compile(
    r"^(?:goa|wp|task|activity)\s*[\d.]+|\blead(?:er)?$|^lead\b|^coordinator$|^konsult\b", re.IGNORECASE
)
_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bAND\b|\boch\b|\bund\b|\s&\s)\s*")


@dataclass
class _Org:
    name: str
    role: str
    acronym: str | None = None
    country: str | None = None
    pages: list[int] = field(default_factory=list)


def acronyms(pages: list[str]) -> dict[str, str]:
    """Acronym -> full name wherever the report spells one out: "Berlin Centre of Competence for Water (KWB)"
    or "KWB – Berlin Centre of Competence for Water"."""
    found: dict[str, str] = {}
    for page in pages:
        flat = " ".join(page.split())
        for bracket in _BRACKETED.finditer(flat):
            # the words before "(ACR)", back to a break in the name (looked for from the bracket, not everywhere)
            match = _DEFINED.search(flat[max(0, bracket.start() - 200) : bracket.end()])
            if match is None:
                continue
            full, acr = _trim_to_acronym(match.group("full"), match.group("acr"))
            if full and acr not in found:
                found[acr] = full
        for line in page.splitlines():
            match = _DASHED.match(" ".join(line.split()).strip(" ()"))
            full = match.group("full").split(")")[0].strip(" ,") if match else ""
            # "SYKE – Finnish Environment Institute": the pair is explicit, the acronym may be another language's
            if match and (_initials_fit(full, match.group("acr")) or _name_phrase(full) and len(full.split()) >= 2):
                found.setdefault(match.group("acr"), match.group("full").split(")")[0].strip(" ,"))
    return found


def _initials_fit(full: str, acronym: str) -> bool:
    letters = [c.lower() for c in acronym if c.isalpha()]
    words = fold(full).replace("-", " ").split()
    initials = "".join(w[0] for w in words if w)
    return len(letters) >= 2 and (
        sum(c in initials for c in letters) >= min(len(letters), 2) or fold(acronym) in fold(full)
    )


def _trim_to_acronym(full: str, acronym: str) -> tuple[str | None, str]:
    """The shortest tail of ``full`` whose words can spell ``acronym`` ("… with Finnish Medicines Agency (FIMEA)"),
    starting with the acronym's first letter where one does; else (a translated name: "Berlin Centre of
    Competence for Water (KWB)") the shortest tail holding two of its letters as initials."""
    words = full.split()
    tails = [" ".join(words[start:]) for start in range(len(words) - 1, -1, -1) if words[start][:1].isupper()]
    for tail in tails:
        if _initials_fit(tail, acronym) and _covers(tail, acronym):
            return tail, acronym
    for tail in tails:
        if _initials_fit(tail, acronym) and len(tail.split()) >= 2:
            return tail, acronym
    return None, acronym


def _covers(full: str, acronym: str) -> bool:
    """The first letter of the acronym is the first letter of the name, and there are enough words."""
    words = [w for w in full.replace("-", " ").split() if w[:1].isupper()]
    return bool(words) and fold(words[0])[:1] == fold(acronym)[:1] and len(words) >= min(2, len(acronym))


def split_affiliation(text: str) -> list[tuple[str, str | None]]:
    """ "KWB – Berlin Centre of Competence for Water" -> [("Berlin Centre of Competence for Water", "KWB")];
    "GoA 5.2 – lead; KU - Kalundborg Utility" -> [("Kalundborg Utility", "KU")]; "IOS, Poland" -> [("IOS", None)]."""
    from ingest.partners import country_in

    out: list[tuple[str, str | None]] = []
    for part in re.split(r"\s*;\s*", " ".join(text.split())):
        part = part.strip(" ,.")
        if not part or _ROLEISH.search(part):
            continue
        dashed = _DASHED.match(part)
        if dashed:
            out.append((_without_country(dashed.group("full")), dashed.group("acr")))
            continue
        defined = re.match(r"^(?P<full>.+?)\s*\((?P<acr>[^()]{2,12})\)\s*(?:,.*)?$", part)
        if defined and _acronymish(defined.group("acr").split(",")[0].strip()):
            out.append((_without_country(defined.group("full")), defined.group("acr").split(",")[0].strip()))
            continue
        pieces = [p.strip() for p in part.split(",")]
        if len(pieces) > 1 and all(_acronymish(p) for p in pieces if not country_in(p)):
            out += [(p, None) for p in pieces if p and not country_in(p)]
            continue
        out.append((_without_country(part), None))
    return [(name, acr) for name, acr in out if name]


def _acronymish(text: str) -> bool:
    """ "KWB", "UBath", "B&SU", "FIMEA"; not "Sweden" or "exempel"."""
    return bool(re.fullmatch(r"[A-ZÅÄÖ][A-Za-zÅÄÖ&-]{0,11}", text)) and sum(c.isupper() for c in text) >= 2


def _without_country(text: str) -> str:
    from ingest.partners import country_in

    pieces = [p.strip() for p in text.split(",")]
    while len(pieces) > 1 and country_in(pieces[-1]) and len(pieces[-1].split()) <= 3:
        pieces.pop()
    name = ", ".join(pieces).strip(" ,.–-")
    bracket = re.search(r"\s*\(([^()]*)\)$", name)
    if bracket and not _acronymish(bracket.group(1)):
        name = name[: bracket.start()]  # "Kalundborg Utility (Denmark)", "Västerås stad (exempel)"
    return name


def _field_values(text: str) -> list[str]:
    """ "KWB, UBath" / "KWB, UBATH AND EURECAT" / "Neas Energy" -> the names, or [] for a sentence."""
    text = re.split(r"\s+(?:Phone|Tel|E-?mail|Fax)\b", text, flags=re.IGNORECASE)[0]
    if len(text.split()) > 20 or re.search(r"\b(?:is|are|was|were|has|have|will|may|can|should|must|would|to)\b", text):
        return []
    return [v.strip(" .:") for v in _SPLIT.split(text) if v.strip(" .:")]


def _list_sentence(text: str) -> list[str]:
    """The organisations a sentence lists: "A (X), B (Y) and C" (commas inside brackets kept)."""
    depth, current, items = 0, "", []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if depth <= 0 and char in ",;":
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    out = []
    for item in items:
        for piece in re.split(r"\s+(?:and|och|und|as well as|to the)\s+", " ".join(item.split())):
            piece = piece.strip(" .")
            if _name_phrase(piece):
                out.append(piece)
            elif piece and _acronymish(piece.split()[0]):
                out.append(piece.split()[0])  # "FAU The project will be managed …": the list ended at FAU
    return out


_FUNCTION_WORDS = frozenset("of for and the de la du des der für fur und di i in on y och för & - –".split())


def _name_phrase(text: str) -> bool:
    """ "Finnish Medicines Agency (FIMEA)", "Kalundborg Utility (Denmark)": capitalised words, at most twelve."""
    words = re.sub(r"\([^()]*\)", " ", text).split()
    return 0 < len(words) <= 12 and all(
        w[:1].isupper() or w[:1].isdigit() or w.lower() in _FUNCTION_WORDS for w in words
    )


def extract_organisations(
    pages: list[str], people: Sequence[Contact] = (), references: frozenset[int] | None = None
) -> list[Partner]:
    """The report's partner organisations, each with its role, acronym and pages."""
    defined = acronyms(pages)
    orgs: list[_Org] = []

    def add(raw: str, role: str, page: int, acronym: str | None = None, country: str | None = None) -> None:
        for name, acr in split_affiliation(raw) if acronym is None else [(raw, acronym)]:
            name = name.strip()
            if person_name(name) or not looks_like_organisation(name):
                continue
            if acr is None and name in defined:
                name, acr = defined[name], name
            orgs.append(_Org(name=name, role=role, acronym=acr, country=country, pages=[page]))

    for person in people:
        if person.organisation and person.role != "mentioned":
            add(person.organisation, "partner", person.page)
    references = reference_pages(pages) if references is None else references
    for number, page in enumerate(pages, start=1):
        if number in references:
            continue
        lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
        for index, line in enumerate(lines):
            for pattern, role in _FIELD:
                match = pattern.match(line)
                if not match:
                    continue
                rest = match.group("rest").strip()
                if rest[:1] in ".,;)" or rest[:1].islower():
                    break  # "partners. Some tasks …": a sentence, not a field
                if rest:
                    for value in _field_values(rest):
                        add(value, role, number)
                break
            else:
                if any(h.match(line) for h in _HEADING):
                    for item in _numbered_after(lines, index):
                        add(item, "partner", number)
            if _is_author_field(line):
                rest = line.split(":", 1)[1] if ":" in line else line.split(None, 1)[-1]
                values = _field_values(rest)
                if values and all(_acronymish(v) or v.isupper() for v in values):
                    for value in values:
                        add(value, "partner", number)
        joined = "\n".join(lines)
        listing = _LISTING_WORDS.search(joined)
        for match in _LIST_SENTENCE.finditer(joined) if listing else ():
            if number > 3 and re.match(r"(?i)(?:in|i) ", match.group(0)):
                continue  # "in cooperation with …" names partners on a cover or colophon, elsewhere anyone
            items = _list_sentence(match.group("rest"))
            if len(items) >= 2:
                for item in items:
                    if _acronymish(item.split()[0]) or re.search(r"\([A-Z]", item) or len(item.split()) >= 2:
                        add(item, "partner", number)
        flat = " ".join(lines).replace("• ", "\n")
        for match in _RESOURCES.finditer(flat) if _PERCENT_OF.search(flat) else ():
            for item in _resource_subjects(match.group("subject")):
                add(item, "partner", number)
        for item in _history_beneficiaries(lines):
            add(item, "partner", number)
    return _merge(orgs, defined)


def _resource_subjects(text: str) -> list[str]:
    """ "British sites UOXF, USTAN, and UWarwick" -> the names; "Universite de Bordeaux" -> itself."""
    items = [i.strip() for i in re.split(r",\s*(?:and\s+)?|\s+and\s+", text) if i.strip()]
    out = []
    for item in items:
        words = item.split()
        while words and not (words[0][:1].isupper() and (len(words) == 1 or _acronymish(words[0]) or len(items) == 1)):
            words = words[1:]  # "British sites UOXF" -> "UOXF"
        if len(items) > 1 and words and not _acronymish(words[-1]) and len(words) > 1:
            words = words[-1:]
        name = " ".join(words)
        if name and _name_phrase(name) and len(words) <= 6:
            out.append(name)
    return out


_HISTORY_HEADER = re.compile(r"(?i)\b(?:beneficiar(?:y|ies)|partners?|organi[sz]ations?|institutions?)\b")
_DATED_ROW = re.compile(
    r"^(?:v?\d+(?:\.\d+)*\s+)?\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\s+(?P<orgs>(?:[A-Z][A-Za-z&]{1,11},?\s+)+)"
)


def _history_beneficiaries(lines: list[str]) -> list[str]:
    """The beneficiary column of a document-history table: "2 25/06/2019 NTUA, FHNW Klio Monokrousou …"."""
    out: list[str] = []
    for index, line in enumerate(lines):
        if not (re.search(r"(?i)\b(?:date|datum)\b", line) and _HISTORY_HEADER.search(line)):
            continue
        for row in lines[index + 1 : index + 12]:
            match = _DATED_ROW.match(row)
            if match:
                out += [v for v in re.split(r",?\s+", match.group("orgs").strip()) if _acronymish(v.strip(","))]
    return [v.strip(",") for v in out]


def _is_author_field(line: str) -> bool:
    return bool(re.match(r"^\s*authors?\s*:", line, re.IGNORECASE))


def _numbered_after(lines: list[str], index: int) -> list[str]:
    """ "1. AREC" / "2. KWB Kompetenzzentrum Wasser Berlin …, Germany" lines right under a heading."""
    items: list[str] = []
    expected = 1
    for line in lines[index + 1 : index + 40]:
        match = _NUMBERED.match(line)
        if match and int(match.group(1)) == expected:
            items.append(match.group("rest"))
            expected += 1
        elif items and not match and not line[:1].isdigit() and len(line.split()) <= 6:
            items[-1] += " " + line  # a wrapped row
        else:
            break
    return items


def _merge(orgs: list[_Org], defined: dict[str, str]) -> list[Partner]:
    merged: dict[str, _Org] = {}
    order = {"lead partner": 0, "partner": 1, "associated": 2}
    by_acronym: dict[str, str] = {}
    for org in orgs:
        if org.acronym is None:
            for acr, full in defined.items():
                if fold(full) == fold(org.name):
                    org.acronym = acr
        key = fold(org.acronym) if org.acronym else fold(org.name)
        key = by_acronym.get(key, key)
        if org.acronym:
            by_acronym.setdefault(fold(org.name), key)
        if key in merged:
            kept = merged[key]
            if len(org.name) > len(kept.name) and kept.name == kept.acronym or kept.name == org.acronym:
                kept.name = org.name
            kept.acronym = kept.acronym or org.acronym
            kept.role = min(kept.role, org.role, key=lambda r: order.get(r, 9))
            kept.country = kept.country or org.country
            kept.pages += [p for p in org.pages if p not in kept.pages]
        elif fold(org.name) in merged:
            merged[fold(org.name)].pages += org.pages
        else:
            merged[key] = org
    return [
        Partner(
            name=o.name,
            country=o.country,
            role=o.role,
            page=min(o.pages),
            acronym=o.acronym,
            pages=tuple(sorted(set(o.pages))),
        )
        for o in merged.values()
    ]
