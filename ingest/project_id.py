"""Which project a report belongs to: acronym, full name, programme and grant or contract number, and a
key that groups the reports of one project.

Reports print their project in a few stock places: a funding line ('The project "Full scale
demonstration …" (POWERSTEP) has received funding … Grant agreement° 641661'), a form field
("Project acronym: OXERAM 2", "Contract: COSMA-1", "Project Number: 773649", "LIFE Project Number
LIFE04 ENV/D/000058"), a hashtag (#POWERSTEP_EU), a phrase ("the ENREM project", 'project “CoDiGreen”'),
and, last, the PDF's own title ("RKM_Final Report"). The grant number is the strongest key (an acronym is
spelt in many ways), then the acronym, then the name. Only the front pages are read for numbers: the
back pages cite other projects' contracts.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from ingest.metadata import programme_of

FRONT_PAGES = 5
_GRANT = re.compile(
    r"(?:grant\s+agreement|grant|project|contract|agreement)\s*(?:number|no|n°|nr|n|#)?\s*[.:°]?\s*(?:n°|no\.?)?"
    r"\s*[:.—–-]?\s*(?P<n>\d{6,9})\b",
    re.IGNORECASE,
)
_LIFE = re.compile(
    r"\bLIFE\s?(?P<y>\d{2})\s*(?P<t>ENV|NAT|CCM|CCA|GIE|ENV-)?\s*[/-]?\s*(?P<c>[A-Z]{1,3})\s*[/-]\s*(?P<n>\d{3,6})"
)
_ACRONYM_FIELD = re.compile(
    r"(?:project\s+acronym|acronym|akronym|kortnamn|projektakronym)\s*[:\-]?[ \t]*(?P<a>[^\n,;]{2,40})",
    re.IGNORECASE,
)
_PROJECT_FIELD = re.compile(
    r"^\s*(?:project|projekt|projektnamn|contract)\s*:\s*(?P<a>[^\n,;]{2,40})", re.IGNORECASE | re.MULTILINE
)
_NUMBERED = re.compile(r"\bNUMBER\s*[—–-]\s*(?P<n>\d{6,9})\b")
_NUMBER_NAME = re.compile(r"NUMBER\s*[—–-]\s*\d{6,9}\s*[—–-]\s*(?P<a>[A-Za-z][\w-]{2,30})")
_QUOTED = re.compile(
    r"(?:project|projektet|projekt)\s*[“\"'‘„](?P<name>[^”\"'’“]{8,200})[”\"'’“]\s*"
    r"\((?P<a>[A-Za-z][A-Za-z0-9\-+ ]{1,24})[,)]",
    re.IGNORECASE,
)
# "SMART-Plant D6.4 Page 2", "Circular Agronomics-D6.2-E-0220", "REPORT ON OpenDreamKit DELIVERABLE D2.16"
_DELIVERABLE = re.compile(
    r"\b(?P<a>[A-Z][A-Za-z]*[A-Z-][A-Za-z-]*[A-Za-z](?: [A-Z][A-Za-z]+)?)"
    r"(?:\s*-\s*|\s+(?:DELIVERABLE\s+)?)D\s?\d+(?:\.\d+)+"
)
_HASHTAG = re.compile(r"#(?P<a>[A-Za-z][A-Za-z0-9]{2,20})_?(?:EU|eu|project|Project)\b")
_TOKEN = r"[“\"']?(?P<{0}>[A-Z][A-Za-z0-9+]*(?:-[A-Za-z0-9]+)?)[”\"']?"
_PHRASE = re.compile(
    r"\b(?:the|das|dem|des|of|our)\s+(?:research\s+|demonstration\s+|EU\s+)?" + _TOKEN.format("a") + r"[\s-]+"
    r"(?:project|projekt|Projekt)\b|\b(?:project|projektet|Projekt|projekt)\s+" + _TOKEN.format("b")
)
_NOT_ACRONYMS = frozenset(
    """eu ec h2020 fp7 life erdf eruf esf interreg horizon the this our a an and research demonstration
    european innovation collaborative water report final number no acronym project pilot case work
    executive summary deliverable partner partners country name title""".split()
)


@dataclass(frozen=True)
class ProjectIdentity:
    """A report's project as printed in it; any field may be unknown. ``mentions`` are the keys of
    acronym-like words the report uses often, for joining a report that names its project nowhere else."""

    acronym: str | None = None
    name: str | None = None
    programme: str | None = None
    grant: str | None = None
    mentions: tuple[str, ...] = ()

    @property
    def key(self) -> str | None:
        """``grant:641661``, else ``acronym:powerstep``, else ``name:…``, else None."""
        keys = self.keys()
        return keys[0] if keys else None

    def keys(self) -> list[str]:
        """Every key this report can be joined by, strongest first."""
        keys = []
        if self.grant:
            keys.append(f"grant:{self.grant}")
        if self.acronym:
            keys.append(f"acronym:{acronym_key(self.acronym)}")
        if self.name:
            keys.append(f"name:{_fold(self.name)}")
        return keys


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(re.sub(r"[^a-z0-9]+", " ", "".join(c for c in plain if not unicodedata.combining(c))).split())


def acronym_key(acronym: str) -> str:
    """ "POWERSTEP", "PowerStep", "Power-Step" -> "powerstep"; "OXERAM 2" -> "oxeram2"; "Reef 2W" -> "reef2w"."""
    return _fold(acronym).replace(" ", "")


def grant_of(pages: list[str]) -> str | None:
    """The grant or contract number printed most often on the front pages."""
    text = "\n".join(pages[:FRONT_PAGES])
    numbers: Counter[str] = Counter()
    for match in _LIFE.finditer(text):
        numbers[f"LIFE{match.group('y')}-{match.group('c')}-{int(match.group('n')):06d}"] += 2
    for pattern in (_GRANT, _NUMBERED):
        for match in pattern.finditer(text):
            numbers[match.group("n")] += 1
    return numbers.most_common(1)[0][0] if numbers else None


def _clean_acronym(raw: str) -> str | None:
    raw = raw.strip(" .:;-–#\"“”'")
    raw = re.split(r"\s{2,}|\s(?:www\.|https?:|\()", raw)[0].strip()
    words = raw.split()
    if not words or len(words) > 3 or _fold(raw) in _NOT_ACRONYMS or not re.search(r"[A-Za-z]{2}", raw):
        return None
    if any(_fold(w) in _NOT_ACRONYMS for w in words) or re.search(r"\d{4,}", raw):
        return None
    if len(words) > 1 and not all(w.isupper() or w.isdigit() for w in words):
        # "OXERAM 2" and "CIRCULAR AGRONOMICS" are acronyms; "Executive summary" is not
        if not (len(words) == 2 and words[-1].isdigit() and sum(c.isupper() for c in raw) >= 2):
            return None
    if len(raw) > 30:
        return None
    return raw


def acronym_and_name(pages: list[str], pdf_title: str | None = None) -> tuple[str | None, str | None]:
    """The project's acronym (and full name where printed) from fields, funding lines, hashtags and phrases."""
    front, whole = "\n".join(pages[:FRONT_PAGES]), "\n".join(pages)
    for match in _QUOTED.finditer(front):
        acronym = _clean_acronym(match.group("a"))
        if acronym:
            return acronym, " ".join(match.group("name").split())
    for pattern in (_ACRONYM_FIELD, _NUMBER_NAME, _PROJECT_FIELD):
        for match in pattern.finditer(front):
            acronym = _clean_acronym(match.group("a"))
            if acronym:
                return acronym, _expansion(acronym, whole)
    votes: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for match in _HASHTAG.finditer(front):
        votes[acronym_key(match.group("a"))] += 3
        spelled.setdefault(acronym_key(match.group("a")), match.group("a"))
    for page in pages[:FRONT_PAGES]:
        for raw in {m.group("a") for m in _DELIVERABLE.finditer(page)}:
            acronym = _clean_acronym(raw)
            if acronym and not re.fullmatch(r"(?i)wp\d*|report|deliverable", acronym):
                votes[acronym_key(acronym)] += 1
                spelled.setdefault(acronym_key(acronym), acronym)
    early: set[str] = {k for k, n in votes.items() if n >= 2}
    organisations = _organisation_acronyms(pages)
    for number, page in enumerate(pages, start=1):
        for match in _PHRASE.finditer(page):
            acronym = _clean_acronym(match.group("a") or match.group("b"))
            if acronym and (sum(c.isupper() for c in acronym) >= 2 or acronym.isupper()):
                if acronym_key(acronym) in organisations or _spells_organisation(acronym, whole):
                    continue  # "the KWB project": the organisation's project, not its name
                votes[acronym_key(acronym)] += 1
                spelled.setdefault(acronym_key(acronym), acronym)
                if number <= FRONT_PAGES:
                    early.add(acronym_key(acronym))
    if votes:
        # the report's own project is named on its front pages and recurs; one it cites, later and rarely
        used = _used(whole)
        best = max(votes, key=lambda k: (k in early, votes[k] + used[k], k))
        return spelled[best], _expansion(spelled[best], whole)
    from_title = _title_acronym(pdf_title, whole)
    return (from_title, _expansion(from_title, whole)) if from_title else (None, None)


_ORGANISATION_WORDS = re.compile(
    r"(?i)\b(?:institut\w*|universit\w*|zentrum|centre|center|agency|board|association|gmbh|ggmbh|ltd|company|"
    r"ministry|authority|council|foundation|betriebe|verband|laborator\w*|department)\b"
)


def _organisation_acronyms(pages: list[str]) -> set[str]:
    """Keys of acronyms the report defines for an organisation ("Kompetenzzentrum Wasser Berlin (KWB)")."""
    from ingest.organisations import acronyms

    return {
        acronym_key(a) for a, full in acronyms(pages[: FRONT_PAGES + 5]).items() if _ORGANISATION_WORDS.search(full)
    }


_ORGANISATION_STEMS = re.compile(
    r"(?i)institut|universit|zentrum|centre|center|agency|board|association|gmbh|company|ministry|authority|"
    r"council|foundation|betriebe|verband|laborator|department|wasser|water"
)


def _spells_organisation(acronym: str, text: str) -> bool:
    """ "KWB" and "Kompetenzzentrum Wasser Berlin": capitalised words of an organisation's name with those initials."""
    if not acronym.isupper() or not 2 <= len(acronym) <= 6:
        return False
    words = r"\s+".join(rf"{c}[\w-]+" for c in acronym)
    return any(
        _ORGANISATION_STEMS.search(m.group(0))
        for m in re.finditer(rf"\b{words}\b", text, re.IGNORECASE)
        if all(w[:1].isupper() for w in m.group(0).split())
    )


def _used(text: str) -> Counter[str]:
    """How often each acronym-like word or pair ("REEF 2W") occurs, by key."""
    counts: Counter[str] = Counter()
    for match in re.finditer(r"\b[A-Z][A-Za-z0-9+]*[A-Z0-9][A-Za-z0-9+]*(?:[- ][0-9][A-Za-z0-9]*)?\b", text):
        counts[acronym_key(match.group(0))] += 1
    return counts


def _title_acronym(pdf_title: str | None, text: str) -> str | None:
    """ "RKM_Final Report", "D4.2 OXERAM - Role of …": an all-capital word of the PDF's title that the text uses too."""
    if not pdf_title:
        return None
    for word in re.split(r"[\s_.,;:()-]+", pdf_title):
        if re.fullmatch(r"[A-Z]{3,10}", word) and _fold(word) not in _NOT_ACRONYMS and word in text:
            return word
    return None


def _expansion(acronym: str, text: str) -> str | None:
    """'Clear Waters from Pharmaceuticals (CWPharma)' -> the words before the acronym in brackets."""
    for match in re.finditer(rf"[“\"']?(?P<name>[A-Z][^()\n“”\"]{{8,150}}?)[”\"']?\s*\({re.escape(acronym)}\)", text):
        name = match.group("name").strip()
        words = name.split()
        initials = {w[0].lower() for w in words if w[:1].isalpha()}
        if len(words) >= 2 and sum(c.lower() in initials for c in acronym if c.isalpha()) >= 2:
            return name
    return None


def project_identity(pages: list[str], pdf_title: str | None = None) -> ProjectIdentity:
    """The report's project as printed in it."""
    acronym, name = acronym_and_name(pages, pdf_title)
    front = "\n".join(pages[:FRONT_PAGES])
    used = _used("\n".join(pages))
    return ProjectIdentity(
        acronym=acronym,
        name=name,
        programme=programme_of(front) or programme_of("\n".join(pages)),
        grant=grant_of(pages),
        mentions=tuple(k for k, n in used.most_common(20) if n >= 3 and k not in _NOT_ACRONYMS),
    )


def group_projects(identities: Mapping[Hashable, ProjectIdentity]) -> dict[Hashable, str | None]:
    """A project key for each report: reports that share a grant number, an acronym or a full name are one
    project (transitively), keyed by the group's most common strongest key. A report that prints none of
    them joins the project whose acronym it uses most often, if it uses one."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for identity in identities.values():
        linked = identity.keys()
        for a, b in zip(linked, linked[1:], strict=False):
            parent[find(a)] = find(b)
    groups: dict[str, Counter[str]] = {}
    for identity in identities.values():
        if identity.key:
            groups.setdefault(find(identity.key), Counter())[identity.key] += 1
    label = {
        root: sorted(counts.items(), key=lambda kv: (not kv[0].startswith("grant:"), -kv[1], kv[0]))[0][0]
        for root, counts in groups.items()
    }
    known = {key.split(":", 1)[1]: find(key) for key in parent if key.startswith("acronym:")}
    keys: dict[Hashable, str | None] = {}
    for report, identity in identities.items():
        if identity.key:
            keys[report] = label[find(identity.key)]
        else:
            used = next((m for m in identity.mentions if m in known), None)
            keys[report] = label.get(known[used]) if used else None
    return keys


def join_project(identity: ProjectIdentity, projects: Mapping[str, list[ProjectIdentity]]) -> str | None:
    """The key of the existing project (key -> its reports' identities) a new report belongs to, or None."""
    wanted = set(identity.keys())
    for key, members in projects.items():
        if key in wanted or wanted & {k for member in members for k in member.keys()}:
            return key
    if not wanted:
        for mention in identity.mentions:
            for key, members in projects.items():
                if any(member.acronym and acronym_key(member.acronym) == mention for member in members):
                    return key
    return None
