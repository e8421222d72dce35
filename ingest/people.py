"""The people a report names, with role, organisation, e-mail, phone and pages.

Found where reports print them: labelled lines and blocks ("Author(s):", "Prepared by", "Författare",
"Deltagare", "Contact for queries", "Quality assurance"), "by"-lines under a title, document-history
and version tables, name lines on the title pages, contact blocks around e-mail addresses, and, in
running text outside reference lists, names written out with a first name ("Juliette Belin from
Logilab") or behind a title ("Prof. Linton"). What a name is: ingest.names.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, field

from ingest.names import (
    HONORIFIC,
    ORGANISATION_STEM,
    PARTICLES,
    Vocabulary,
    common_words,
    display,
    fold,
    inverted,
    is_given_name,
    is_initials,
    person_name,
    repair,
    same_person,
)
from kb.models import Contact

# Label at the start of a line -> the role of the people after it.
ROLE_LABELS: tuple[tuple[str, str], ...] = (
    (
        r"(?:main |lead |responsible |deliverable |chapter )?authors?(?:\s*\(s\))?(?: for chapter [\w .:]+?)?"
        r"(?: \(alphabetical order\)| in alphabetic(?:al)? order)?",
        "author",
    ),
    (r"prepared by|written by|compiled by|drafted by|elaborated by|report by|authored by", "author"),
    (
        r"författare|författad av|upprättad av|sammanställd av|autor(?:en|in|innen)?|verfasser(?:in)?|bearbeitung",
        "author",
    ),
    (r"(?:co-?)?editors?|edited by|redaktör(?:er)?|herausgeber", "editor"),
    (r"contributors?|contributing authors|with contributions (?:from|by)|co-?authors?|medverkande", "contributor"),
    (
        r"reviewed by|reviewers?|internal review(?:er)?s?|quality assurance|quality review|granskad av|granskare",
        "reviewer",
    ),
    (
        r"contact(?: person)?s?(?: for (?:queries|further information))?|kontakt(?:person(?:er)?)?|"
        r"ansprechpartner(?:in)?|responsible(?: person)?",
        "contact person",
    ),
    (
        r"(?:project |scientific |technical )?(?:coordinator|co-ordinator|manager|leader)|projektledare|"
        r"projektkoordinator|samordnare|koordinator",
        "coordinator",
    ),
    (r"(?:work ?package|wp|task|activity|goa) (?:leader|lead)|wp ?\d+ lead(?:er)?", "work-package leader"),
    (
        r"deltagare|närvarande|participants?(?: \(partner short names\))?|attendees|present|teilnehmer(?:innen)?|"
        r"närvarande från \w+",
        "participant",
    ),
)
_ROLE = [
    (re.compile(rf"^\s*(?:{pattern})\s*(?::|–|-|\s)\s*(?P<rest>.*)$", re.IGNORECASE), role)
    for pattern, role in ROLE_LABELS
]
_ROLE_ALONE = [(re.compile(rf"^\s*(?:{pattern})\s*:?\s*$", re.IGNORECASE), role) for pattern, role in ROLE_LABELS]
# A line that starts another field of a form ends a block of names.
_FIELD = re.compile(
    r"^\s*[A-ZÅÄÖ][\w ()/.&'-]{1,40}:\s*(?!\S*@)|^\s*(?:due date|delivered date|dissemination level|"
    r"grant agreement|abstract|keywords|date|version|title|status|deliverable|work package|"
    r"isbn|issn|foto|photo|cover|layout|print|tryck|upplaga|citation|doi|www\.|https?:)\b",
    re.IGNORECASE,
)
_BY_LINE = re.compile(r"^\s*(?:by|von|av|door|par)\b\s*:?\s*(?P<rest>(?:[A-ZÅÄÖÜ].*)?)$", re.IGNORECASE)
_HISTORY = re.compile(
    r"versioning|version history|document history|revision history|revision track|"
    r"change log|modified by|dokumenthistorik|versionshistorik|änderungshistorie|version log",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}|\d{1,2}\.?\s+"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?:19|20)\d{2})\b",
    re.IGNORECASE,
)
_REFERENCES = re.compile(
    r"^\s*(?:\d+(?:\.\d+)*\.?\s*)?(?:references|bibliography|literature(?: cited)?|literatur"
    r"(?:verzeichnis)?|referenser|källor|sources|works cited|quellen)\s*$",
    re.IGNORECASE,
)
_CITATION = re.compile(
    r"\(\s*(?:19|20)\d{2}[a-z]?\s*\)|\bet al\b|[A-Z][a-z]+,\s(?:[A-Z]\.\s?){1,3}[,(&]|\bdoi\b|"
    r"https?://|\bpp?\.\s*\d|\b(?:vol|no)\.\s*\d"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TOKEN = re.compile(r"\((?:[^()]|\([^()]*\))*\)|\n|[,;/()]|[–—]|\s-\s|[^\s,;/()–—]+")
_FIELD_WORDS = frozenset(
    {
        "name",
        "namn",
        "e-mail",
        "email",
        "e-post",
        "phone",
        "tel",
        "telefon",
        "partner",
        "role",
        "title",
        "date",
        "by",
        "organisation",
        "organization",
        "affiliation",
        "contact",
    }
)
_ROLE_WORDS = frozenset(
    {
        "lead",
        "leader",
        "manager",
        "coordinator",
        "officer",
        "person",
        "contact",
        "responsible",
        "head",
        "chair",
        "director",
        "author",
        "authors",
        "editor",
        "editors",
        "ledare",
        "ansvarig",
        "kontaktperson",
        "samordnare",
    }
)
_AND = frozenset({"and", "und", "och", "og", "et", "en", "y", "e", "&", "as", "with", "in", "from", "of"})
_STOP = frozenset({",", ";", "/", "&", "\n", "–", "—", " - ", "(", ")"})


@dataclass
class Found:
    """A person while a report is read: merged over every place they are printed."""

    name: str
    roles: list[str] = field(default_factory=list)
    organisation: str | None = None
    email: str | None = None
    phone: str | None = None
    pages: list[int] = field(default_factory=list)

    def add(self, other: Found) -> None:
        if _fullness(other.name) > _fullness(self.name):
            self.name = other.name
        self.roles += [r for r in other.roles if r not in self.roles]
        self.organisation = self.organisation or other.organisation
        self.email = self.email or other.email
        self.phone = self.phone or other.phone
        self.pages += [p for p in other.pages if p not in self.pages]

    def contact(self) -> Contact:
        ranked = sorted(self.roles, key=lambda r: _ROLE_ORDER.index(r) if r in _ROLE_ORDER else 99)
        return Contact(
            name=self.name,
            role=ranked[0] if ranked else None,
            organisation=self.organisation,
            email=self.email,
            phone=self.phone,
            page=min(self.pages),
            pages=tuple(sorted(self.pages)),
            roles=tuple(ranked),
        )


def _fullness(name: str) -> tuple[int, int, int]:
    """ "Christoph Sprenger" > "C. Sprenger" > "Sprenger"."""
    words = name.split()
    return sum(not is_initials(w) for w in words), len(words), len(name)


_ROLE_ORDER = [
    "contact person",
    "coordinator",
    "author",
    "editor",
    "work-package leader",
    "contributor",
    "reviewer",
    "participant",
    "document history",
    "mentioned",
]


def scan_names(
    text: str, common: Container[str], strict: bool = False, rest_of_line: bool = True
) -> list[tuple[str, str | None]]:
    """Every person named in a block of text, with the affiliation printed beside them.

    Affiliations are read as "(Org)", "Org: name, name", "name, name / Org", "name Org-acronym" and,
    with one name on a line, "name, Org". A superscript after a name ("Nyhlén1") is kept as ``#1``
    when no affiliation is printed beside it, for the page's footnotes to resolve.
    """
    lines = [line.title() if _shouting(line) else line for line in repair(text).split("\n")]
    tokens = _TOKEN.findall("\n".join(lines))
    found: list[list] = []  # [name, organisation or None, line number]
    prefix_org: str | None = None
    segment: list[str] = []  # words since the last separator, for "Org:" and inverted "Surname, Given"
    previous_segment: list[str] = []
    line = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "\n":
            line += 1
        if token in _STOP or token.startswith("("):
            if token.startswith("(") and len(token) > 2 and found and found[-1][2] == line and not segment:
                if found[-1][1] is None or found[-1][1].startswith("#"):
                    found[-1][1] = _affiliation(token[1:-1]) or found[-1][1]
            if token in _STOP:
                previous_segment, segment = segment, []
            i += 1
            continue
        if token.endswith(":") and len(token) > 1:
            label = " ".join(segment + [token[:-1]]).strip()
            if (
                label
                and len(label) < 80
                and fold(label) not in _FIELD_WORDS
                and not person_name(label, common)
                and _label(label + ":")[0] is None
                and fold(label.split()[-1]) not in _ROLE_WORDS
                and all(
                    w[:1].isupper() or w[:1].isdigit() or w in ("of", "for", "and", "&", "de", "la")
                    for w in label.split()
                )
            ):
                prefix_org = label
            segment = []
            i += 1
            continue
        end, name = _name_at(tokens, i, common, strict)
        if name is None and previous_segment and (is_given_name(token) or is_initials(token)) and not segment:
            end, name = _inverted_at(tokens, i, previous_segment, common)
            if name is not None and found and found[-1][0] == " ".join(previous_segment):
                found.pop()
        if name is None:
            segment.append(token)
            i += 1
            continue
        organisation = prefix_org
        mark = re.search(r"[\d¹²³⁴⁵⁶⁷⁸⁹⁰]+$", tokens[end - 1]) if end > i else None
        if organisation is None and mark:
            organisation = "#" + mark.group(0).translate(_SUPERSCRIPTS)
        trailing = tokens[end] if end < len(tokens) else ""
        if re.fullmatch(r"[A-Z][A-Z&-]{1,9}|[A-Z][a-z]?[A-Z][A-Za-z]{0,8}", trailing) and not is_given_name(trailing):
            organisation, end = trailing, end + 1  # "Annabelle Williams RISE"
        found.append([name, organisation, line])
        segment, previous_segment = [], []
        i = end
    if rest_of_line:
        _attach_line_affiliations(tokens, found, common)
    return [(name, org) for name, org, _ in found]


_SUPERSCRIPTS = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹⁰", "1234567890")


def _shouting(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) > 6 and all(c.isupper() for c in letters)


def _name_at(tokens: list[str], start: int, common: Container[str], strict: bool) -> tuple[int, str | None]:
    """The longest name that starts at ``tokens[start]``; a line break is allowed after a first name only."""
    i = start
    words: list[str] = []
    while i < len(tokens) and HONORIFIC.match(tokens[i] + " "):
        i += 1
    titled = i > start
    while i < len(tokens) and len(words) < 6:
        token = tokens[i]
        if token == "\n":
            if words and all(is_given_name(w) or is_initials(w) for w in words):
                i += 1
                continue
            break
        if token in _STOP or token.startswith("(") or token.endswith(":") or fold(token) in _AND:
            break
        if words and not (is_given_name(words[0]) or is_initials(words[0])):
            break
        if len(words) >= 2 and token.isupper() and len(token) > 1 and not words[-1].isupper():
            break  # an organisation's acronym after the name
        words.append(token)
        i += 1
    honorifics = len([t for t in tokens[start:i] if t != "\n"]) - len(words)
    valid = {n: person_name(" ".join(words[:n]), common, strict) for n in range(len(words), 1, -1)}
    for n in range(len(words), 1, -1):
        if not valid[n]:
            continue
        if n >= 3 and n < len(words) and _sentence_after(words[n]) and valid.get(n - 1):
            n -= 1  # "Wolfgang Seis Initial draft": the row's comment starts with a capital
        return start + honorifics + n + _breaks(tokens, start, honorifics + n), valid[n]
    if titled and words and _surname_only(words[0], common):
        return start + honorifics + 1 + _breaks(tokens, start, honorifics + 1), words[0].strip(".,")  # "Prof. Linton"
    return start, None


def _sentence_after(word: str) -> bool:
    return word[:1].islower() and fold(word) not in _AND and fold(word) not in PARTICLES


def _breaks(tokens: list[str], start: int, words: int) -> int:
    """Line breaks among the first ``words`` words from ``start`` (they were skipped)."""
    seen = breaks = 0
    for token in tokens[start:]:
        if seen == words:
            break
        if token == "\n":
            breaks += 1
        else:
            seen += 1
    return breaks


def _surname_only(word: str, common: Container[str]) -> bool:
    bare = word.strip(".,;:")
    return bool(re.fullmatch(r"[A-ZÅÄÖÜ][a-zäöüåéèßø'-]{2,}", bare)) and fold(bare) not in common


def _inverted_at(tokens: list[str], start: int, surname: list[str], common: Container[str]) -> tuple[int, str | None]:
    i = start
    given: list[str] = []
    while i < len(tokens) and (is_given_name(tokens[i]) or is_initials(tokens[i])) and len(given) < 3:
        given.append(tokens[i])
        i += 1
    if not given or not 1 <= len(surname) <= 3 or any(not w[:1].isupper() for w in surname):
        return start, None
    if i < len(tokens) and tokens[i] not in _STOP and not tokens[i].startswith("(") and tokens[i] != "\n":
        return start, None
    name = inverted(" ".join(surname), " ".join(given), common)
    return (i, name) if name else (start, None)


def _attach_line_affiliations(tokens: list[str], found: list[list], common: Container[str]) -> None:
    """ "Ülle Leisk, Vallo Kõrgmaa / Estonian Environmental Research Centre (EERC), Estonia" and
    "Christian Remy, Kompetenzzentrum Wasser Berlin gGmbH": the rest of the line is their organisation."""
    lines = "".join(t if t in ("\n",) else t + " " for t in tokens).split("\n")
    for number, text in enumerate(lines):
        on_line = [f for f in found if f[2] == number and f[1] is None]
        if not on_line:
            continue
        tail = None
        if " / " in text:
            tail = text.split(" / ", 1)[1]
        elif len([f for f in found if f[2] == number]) == 1:
            after = text.split(on_line[0][0].split()[-1], 1)[-1]
            after = re.sub(r"^[\d¹²³*,\s]+", "", after).strip()
            if after and not after[:1].isdigit() and not person_name(after.split(",")[0], common):
                head = after.split("(")[0].split(",")[0].split()
                unknown_person = len(head) == 2 and all(w[:1].isupper() for w in head) and "(" in after
                if not unknown_person or ORGANISATION_STEM.search(" ".join(head)):
                    tail = after
        if tail:
            organisation = _affiliation(tail)
            for f in on_line:
                f[1] = organisation


_ROLE_BEFORE_ORG = re.compile(
    r"^(?:[\w-]+\s+){0,3}?(?:manager|leader|coordinator|director|head|officer|researcher|engineer|scientist|"
    r"professor|consultant|member|chair|lead)\s+(?:for|at|of|in|with|from)\s+",
    re.IGNORECASE,
)


def _affiliation(text: str) -> str | None:
    text = _ROLE_BEFORE_ORG.sub("", " ".join(text.split()).strip(" ,;:-–"))
    if not text or len(text) > 150 or _EMAIL.search(text) or not re.search(r"[A-ZÅÄÖ]", text):
        return None
    return text


def _blocks(lines: list[str]) -> list[tuple[str, str, int, int]]:
    """(role, text, first line, last line) for each labelled block of names on a page."""
    blocks = []
    i = 0
    while i < len(lines):
        role, rest = _label(lines[i])
        if role is None:
            i += 1
            continue
        text = [rest] if rest else []
        j = i + 1
        empty = 0
        while j < len(lines) and j <= i + 12:
            if _label(lines[j])[0] is not None or (_FIELD.match(lines[j]) and not _names_only(lines[j])):
                break
            if not scan_names(lines[j], frozenset()):
                empty += 1
                if empty >= 2 or (empty and not text):
                    break
            else:
                empty = 0
            text.append(lines[j])
            j += 1
        blocks.append((role, "\n".join(text), i, j - 1))
        i = max(j, i + 1)
    return blocks


def _names_only(line: str) -> bool:
    """ "Digg: Mattias Ekhem, …": a field-like line that is a participant list."""
    head, _, tail = line.partition(":")
    return bool(tail.strip()) and bool(scan_names(tail, frozenset())) and len(head.split()) <= 4


def _label(line: str) -> tuple[str | None, str]:
    for pattern, role in _ROLE_ALONE:
        if pattern.match(line):
            return role, ""
    for pattern, role in _ROLE:
        match = pattern.match(line)
        if match and (":" in line[: match.start("rest")] or scan_names(match.group("rest"), frozenset())):
            return role, match.group("rest")
    return None, ""


def _history_rows(lines: list[str]) -> list[str]:
    """Rows of a version or document-history table: the lines after its heading that carry a date."""
    rows: list[str] = []
    for i, line in enumerate(lines):
        if _HISTORY.search(line):
            for row in lines[i + 1 : i + 16]:
                if _DATE.search(row) or (rows and not _FIELD.match(row)):
                    rows.append(_DATE.sub(" ", row))
                elif rows:
                    break
    return rows


def reference_pages(pages: list[str]) -> frozenset[int]:
    """Pages at and after a references heading in the back half of the report, and citation-heavy pages."""
    skipped: set[int] = set()
    for number, page in enumerate(pages, start=1):
        lines = page.splitlines()
        if number > len(pages) // 3 and any(_REFERENCES.match(line) for line in lines):
            skipped.update(range(number, len(pages) + 1))
            break
    for number, page in enumerate(pages, start=1):
        lines = [line for line in page.splitlines() if line.strip()]
        if lines and sum(bool(_CITATION.search(line)) for line in lines) > len(lines) / 3:
            skipped.add(number)
    return frozenset(skipped)


def extract_people(
    pages: list[str], running_text: bool = True, references: frozenset[int] | None = None
) -> list[Contact]:
    """Every person the report names in one of the places above, merged by name."""
    common = common_words(pages)
    found: list[Found] = []

    def add(name: str, role: str, organisation: str | None, page: int) -> None:
        found.append(Found(name=name, roles=[role], organisation=organisation, pages=[page]))

    references = reference_pages(pages) if references is None else references
    for number, page in enumerate(pages, start=1):
        if number in references:
            continue
        lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
        in_blocks: set[int] = set()
        for role, text, first, last in _blocks(lines):
            in_blocks.update(range(first, last + 1))
            notes = _footnotes(lines[first:])
            for name, organisation in scan_names(text, common):
                if organisation and organisation.startswith("#"):
                    organisation = notes.get(organisation[1:])
                add(name, role, organisation, number)
        rows = _history_rows(lines)
        if rows:
            for name, organisation in scan_names("\n".join(rows), common, rest_of_line=False):
                add(name, "document history", organisation, number)
        if number <= 3:
            # "A. Översikt", "B. Nulägesanalys": lettered headings, not initials
            starts = {line.split()[0] for line in lines}
            enumerated = {"A.", "B."} <= starts or {"I.", "II."} <= starts
            for index, line in enumerate(lines):
                match = _BY_LINE.match(line)
                if match:
                    text = "\n".join([match.group("rest")] + lines[index + 1 : index + 4])
                    for name, organisation in scan_names(text, common):
                        add(name, "author", organisation, number)
                elif (
                    index not in in_blocks
                    and _title_page_name(line, common)
                    and not (enumerated and is_initials(line.split()[0]))
                ):
                    for name, organisation in scan_names(line, common, strict=True):
                        add(name, "author", organisation, number)
        _email_people(lines, number, found, common)
    if running_text:
        for number, page in enumerate(pages, start=1):
            if number not in references:
                for name in _mentions(page, common):
                    add(name, "mentioned", None, number)
    return [f.contact() for f in _merge(found)]


def _footnotes(lines: list[str]) -> dict[str, str]:
    """Numbered affiliation lines under an author list: "1 County Administrative Board of Östergötland (CAB)"."""
    notes: dict[str, str] = {}
    for index, line in enumerate(lines):
        match = re.match(r"^([1-9]\d?|[¹²³⁴⁵⁶⁷⁸⁹])\s*(?:\)\s*)?([A-ZÅÄÖÜ].*)?$", line)
        if not match:
            continue
        mark = match.group(1).translate(_SUPERSCRIPTS)
        text = match.group(2) or (lines[index + 1] if index + 1 < len(lines) and not match.group(2) else "")
        if text and mark not in notes and not _CITATION.search(text) and len(text) < 200:
            notes[mark] = _strip_address(text)
    return notes


def _strip_address(text: str) -> str:
    """ "Ecologic Institute, Pfalzburger Str. 43/44, 10717 Berlin, Germany" -> "Ecologic Institute"."""
    parts = [p.strip() for p in re.split(r",\s*", text)]
    kept: list[str] = []
    for part in parts:
        if re.search(r"\d", part) or re.search(
            r"(?i)str\.|straße|strasse|street|road|\bvia\b|allee|platz|weg\b|gatan", part
        ):
            break
        kept.append(part)
    while len(kept) > 1 and _is_country(kept[-1]):
        kept.pop()
    return ", ".join(kept) or text


def _is_country(text: str) -> bool:
    from ingest.partners import country_in

    return country_in(text) is not None and len(text.split()) <= 3


def _title_page_name(line: str, common: Container[str]) -> bool:
    """A line of a title page that is a name, with a title or an organisation after a comma."""
    head = re.sub(r"^(?:and|und|och|&)\s+", "", line.split(",")[0].split("(")[0], flags=re.IGNORECASE)
    if not head.split():
        return False
    return bool(person_name(head, common, strict=True)) and len(line) < 120 and not _CITATION.search(line)


_NAME_WORD = r"(?:[A-ZÅÄÖÜÉ][\w'’-]+|[A-Z]\.(?:-?[A-Z]\.)*|van|von|de|der|den|la|le|da|di|du)"
_GAP = r"[ \t]+"  # words of a name share a line; only a first name may end one ("Jeroen\nDemeyer")
_MENTION = re.compile(
    rf"(?:\b(?P<title>(?:(?:Prof|Dr|Mr|Mrs|Ms|Professor|Dipl\.-Ing)\.?\s+)+)"
    rf"(?P<titled>{_NAME_WORD}(?:{_GAP}{_NAME_WORD}){{0,3}})"
    rf"|\b(?P<words>[A-ZÅÄÖÜÉ][\w'’-]*[ \t]*\n?[ \t]*{_NAME_WORD}(?:{_GAP}{_NAME_WORD}){{0,3}}))"
)
_ORG_WORDS = frozenset(
    """university universität université universitat universiteit institute institut institutet centre center
    college school foundation company inc ltd gmbh group lab laboratory laboratories agency ministry council
    association society network services engine project programme consortium ggmbh ag kg ab oy sa bv nv plc srl
    spa""".split()
)


_ADDRESS = re.compile(
    r"\b\d{4,5}\s+[A-ZÅÄÖÜ][a-zäöüå]|\b(?:[Rr]ue|[Cc]alle|[Vv]ia|[Aa]venida|[Ss]traße|[Ss]trasse|[Ss]tr\.|[Gg]atan|"
    r"[Vv]ägen|[Pp]latz|[Aa]llee|Am|An der)\s+[A-ZÅÄÖÜ]|\w(?:straße|strasse|str\.|gatan|vägen|weg|platz)\s+\d"
)
# a partner list's row ("7. Ema Depuracio I enginyeria De L’Aigua SL, Spain") names no one
_LEGAL_FORM = re.compile(r"\b(?:GmbH|gGmbH|SL|S\.L|Sro|S\.R\.L|SRL|BV|B\.V|AB|AG|Ltd|Oy|SpA|S\.p\.A|e\.V|Ev)\b\.?")
_GERMAN = re.compile(r"\b(?:und|der|die|das|nicht|mit|für|wird|werden|sind|eine|einer|auf|dem|den)\b")


def _mentions(page: str, common: Vocabulary) -> list[str]:
    """Names in running text: a first name and a surname, neither of them an ordinary word of the report,
    the first name not one the report uses on its own ("Sage is"); or a name or surname after a title
    ("Prof. Linton"). Lines with citations, e-mail or postal addresses are skipped, and on German pages,
    where every noun is capitalised, only names after a title count."""
    names = []
    lines = [
        line
        for line in page.splitlines()
        if not (_CITATION.search(line) or _EMAIL.search(line) or _LEGAL_FORM.search(line))
    ]
    text = repair("\n".join(line for line in lines if not _ADDRESS.search(line)))
    german = len(_GERMAN.findall(text)) > max(8, len(text.split()) // 25)
    for match in _MENTION.finditer(text):
        words = [re.sub(r"['’]s$", "", w) for w in (match.group("titled") or match.group("words")).split()]
        after = text[match.end() :].split(None, 1)
        following = fold(after[0]) if after else ""
        if match.group("title"):
            if len(words) > 2 and not (is_given_name(words[1]) or is_initials(words[1]) or fold(words[1]) in PARTICLES):
                words = words[:2]  # "Mr. Henri Proglio Veolia Environment"
            if not is_given_name(words[0]) and not is_initials(words[0]):
                words = words[:1]  # "Mr. Pawlowski Berliner Wasserbetriebe": a surname
            name = _best_prefix(words, common, strict=False)
            if name is None and not german and len(match.group("titled").split()) == 2:
                name = _titled_name(words, common)  # "Dr. Makarius Wenzel," but not "Mr. Pawlowski Berliner …"
            if name is None and _surname_only(words[0], common) and fold(words[0]) not in _ORG_WORDS:
                name = words[0].strip(".,")
            if name:
                names.append(name)
            continue
        if german or any(w.isupper() and len(w) > 1 for w in words) or is_initials(words[0]) or words[0].endswith("."):
            continue
        words = _one_person(words)
        for n in range(min(4, len(words)), 1, -1):
            nxt = fold(words[n]) if n < len(words) else following
            if nxt in _ORG_WORDS:
                break  # "Alan Turing Institute", "George Washington University"
            name = person_name(" ".join(words[:n]), common, strict=True)
            if name and n >= 3 and n == len(words) and after and _sentence_after(after[0]):
                name = person_name(" ".join(words[: n - 1]), common, strict=True) or name
            if name:
                names.append(name)
                break
    return names


def _one_person(words: list[str]) -> list[str]:
    """ "Margarethe Langer Manuel Godehardt" -> the first person's words only."""
    for i in range(2, len(words) - 1):
        if is_given_name(words[i]) and words[i + 1][:1].isupper() and not is_given_name(words[i - 1]):
            return words[:i]
    return words


def _best_prefix(words: list[str], common: Vocabulary, strict: bool) -> str | None:
    words = _one_person(words)
    for n in range(min(4, len(words)), 1, -1):
        name = person_name(" ".join(words[:n]), common, strict)
        if name:
            return name
    return None


def _titled_name(words: list[str], common: Vocabulary) -> str | None:
    """After a title, two capitalised words are a name even with a first name the gazetteer lacks
    ("Dr. Makarius Wenzel")."""
    pair = [w.strip(".,") for w in words[:2]]
    if len(pair) == 2 and all(_surname_only(w, common) and fold(w) not in _ORG_WORDS for w in pair):
        return " ".join(pair)
    return None


def _email_people(lines: list[str], page: int, found: list[Found], common: Container[str]) -> None:
    """A person named next to an e-mail address whose local part spells the name ("boris.lesjean@kwb.de")."""
    from ingest.partners import _email, _phone

    for index, line in enumerate(lines):
        for raw in _EMAIL.findall(line):
            email = _email(raw)
            if email is None:
                continue
            local = re.split(r"[._-]", email.split("@")[0].lower())
            window = lines[max(0, index - 3) : index + 1]
            for text in reversed(window):
                for name, organisation in scan_names(text, common):
                    parts = fold(name).replace("-", " ").split()
                    if parts and parts[-1].replace(" ", "") in local or fold(name).split()[-1] in "".join(local):
                        found.append(
                            Found(
                                name=name,
                                roles=["contact person"],
                                organisation=organisation,
                                email=email,
                                phone=_phone(" ".join(lines[index : index + 3])),
                                pages=[page],
                            )
                        )
                        break
                else:
                    continue
                break
            else:
                guess = display([p.capitalize() for p in local if p])
                if len(local) >= 2 and person_name(guess, common) and _near(guess, window):
                    found.append(
                        Found(
                            name=person_name(guess, common) or guess,
                            roles=["contact person"],
                            email=email,
                            phone=_phone(" ".join(lines[index : index + 3])),
                            pages=[page],
                        )
                    )


def _near(name: str, window: list[str]) -> bool:
    return fold(name.split()[-1]) in fold(" ".join(window))


def _merge(found: list[Found]) -> list[Found]:
    merged: list[Found] = []
    for person in found:
        for other in merged:
            if same_person(person.name, other.name) or (person.email and person.email == other.email):
                other.add(person)
                break
        else:
            merged.append(
                Found(
                    name=person.name,
                    roles=list(person.roles),
                    organisation=person.organisation,
                    email=person.email,
                    phone=person.phone,
                    pages=list(person.pages),
                )
            )
    # a surname alone ("Prof. Linton") stays only when no full name of that surname exists
    return [p for p in merged if len(p.name.split()) > 1 or p.roles != ["mentioned"] or True]


__all__ = ["extract_people", "scan_names", "display"]
