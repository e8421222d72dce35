"""Which project a report belongs to: acronym, full name, programme and grant or contract number, and a
key that groups the reports of one project.

Reports print their project in a few stock places: a funding line ('The project "Full scale
demonstration …" (POWERSTEP) has received funding … Grant agreement° 641661'), a form field
("Project acronym: OXERAM 2", "Contract: COSMA-1", "Project Number: 773649", "LIFE Project Number
LIFE04 ENV/D/000058"), a hashtag (#POWERSTEP_EU), or a phrase ("the ENREM project", "projektet X").
The grant number is the strongest key (an acronym is spelt in many ways), then the acronym, then the name.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from ingest.metadata import programme_of

_GRANT = re.compile(
    r"(?:grant\s+agreement|grant|project|contract|agreement)\s*(?:number|no|n°|nr|n|#)?\s*[.:°]?\s*(?:n°|no\.?)?"
    r"\s*[:.]?\s*(?P<n>\d{6,9})\b",
    re.IGNORECASE,
)
_LIFE = re.compile(
    r"\bLIFE\s?(?P<y>\d{2})\s*(?P<t>ENV|NAT|CCM|CCA|GIE|ENV-)?\s*[/-]?\s*(?P<c>[A-Z]{1,3})\s*[/-]\s*(?P<n>\d{3,6})"
)
_INTERREG = re.compile(
    r"\b(?:project (?:number|no\.?|id)|projektnummer|ärende(?:nummer)?|#)\s*[:.]?\s*(?P<n>[A-Z]{1,3}\d{2,4}|\d{8})\b"
)
_FIELD = re.compile(
    r"(?:project\s+acronym|acronym|akronym|kortnamn|projektakronym|short\s+name)\s*[:\-]?\s*(?P<a>[^\n,;]{2,40})|"
    r"^\s*(?:project|projekt|projektnamn|contract)\s*:\s*(?P<b>[^\n,;]{2,40})",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED = re.compile(
    r"(?:project|projektet|projekt)\s*[“\"'‘„](?P<name>[^”\"'’“]{8,200})[”\"'’“]\s*"
    r"\((?P<a>[A-Za-z][A-Za-z0-9\-+ ]{1,24})[,)]",
    re.IGNORECASE,
)
_NAMED_AFTER = re.compile(r"(?P<name>[A-Z][^()\n]{8,120}?)\s*\((?P<a>[A-Z][A-Za-z0-9\-+]{2,20})\)")
_HASHTAG = re.compile(r"#(?P<a>[A-Za-z][A-Za-z0-9]{2,20})_?(?:EU|eu|project|Project)\b")
_PHRASE = re.compile(
    r"\b(?:the|das|dem|des|of)\s+(?P<a>[A-Z][A-Za-z0-9+]*(?:[-][A-Za-z0-9]+)?)[\s-]+(?:project|projekt|Projekt)\b|"
    r"\b(?:project|projektet|Projekt|projekt)\s+(?P<b>[A-Z][A-Za-z0-9+]*[A-Z][A-Za-z0-9+]*(?:-[A-Za-z0-9]+)?)\b"
)
_NOT_ACRONYMS = frozenset(
    """eu ec h2020 fp7 life erdf eruf esf interreg horizon the this our a an and research demonstration
    european innovation collaborative water report final number no acronym project pilot case work""".split()
)


@dataclass(frozen=True)
class ProjectIdentity:
    """A report's project as printed in it; any field may be unknown."""

    acronym: str | None = None
    name: str | None = None
    programme: str | None = None
    grant: str | None = None

    @property
    def key(self) -> str | None:
        """``grant:641661``, else ``acronym:powerstep``, else ``name:…``, else None."""
        if self.grant:
            return f"grant:{self.grant}"
        if self.acronym:
            return f"acronym:{acronym_key(self.acronym)}"
        if self.name:
            return f"name:{_fold(self.name)}"
        return None

    def keys(self) -> list[str]:
        """Every key this report can be joined by."""
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
    """ "POWERSTEP", "PowerStep", "Power-Step" -> "powerstep"; "OXERAM 2" -> "oxeram2"."""
    return _fold(acronym).replace(" ", "")


def _front(pages: list[str], count: int = 4) -> str:
    return "\n".join(pages[:count])


def grant_of(pages: list[str]) -> str | None:
    """The grant or contract number printed most often on the front pages (then anywhere)."""
    for text in (_front(pages), "\n".join(pages)):
        numbers: Counter[str] = Counter()
        for match in _LIFE.finditer(text):
            numbers[f"LIFE{match.group('y')}-{match.group('c')}-{int(match.group('n')):06d}"] += 2
        for match in _GRANT.finditer(text):
            numbers[match.group("n")] += 1
        if numbers:
            return numbers.most_common(1)[0][0]
    return None


def _clean_acronym(raw: str) -> str | None:
    raw = raw.strip(" .:;-–#\"“”'")
    raw = re.split(r"\s{2,}|\s(?:www\.|https?:|\()", raw)[0].strip()
    words = raw.split()
    if not words or len(words) > 3 or _fold(raw) in _NOT_ACRONYMS or not re.search(r"[A-Za-z]{2}", raw):
        return None
    if len(words) > 1 and not all(w.isupper() or w.isdigit() for w in words):
        # "OXERAM 2" and "CIRCULAR AGRONOMICS" are acronyms; "Executive summary" is not
        if not (
            words[0][:1].isupper() and sum(c.isupper() for c in raw) >= 2 and len(words) <= 2 and words[-1].isdigit()
        ):
            return None
    if re.fullmatch(r"\d[\d ]*", raw) or len(raw) > 30:
        return None
    return raw


def acronym_and_name(pages: list[str]) -> tuple[str | None, str | None]:
    """The project's acronym (and full name where printed) from fields, funding lines, hashtags and phrases."""
    front, whole = _front(pages), "\n".join(pages)
    for match in _QUOTED.finditer(front):
        acronym = _clean_acronym(match.group("a"))
        if acronym:
            return acronym, " ".join(match.group("name").split())
    for match in _FIELD.finditer(front):
        acronym = _clean_acronym(match.group("a") or match.group("b") or "")
        if acronym:
            return acronym, _expansion(acronym, whole)
    votes: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for match in _HASHTAG.finditer(front):
        votes[acronym_key(match.group("a"))] += 3
        spelled.setdefault(acronym_key(match.group("a")), match.group("a"))
    for match in _PHRASE.finditer(whole):
        raw = match.group("a") or match.group("b")
        acronym = _clean_acronym(raw)
        if acronym and (sum(c.isupper() for c in acronym) >= 2 or acronym.isupper()):
            votes[acronym_key(acronym)] += 1
            spelled.setdefault(acronym_key(acronym), acronym)
    if votes:
        best, count = votes.most_common(1)[0]
        if count >= 2:
            return spelled[best], _expansion(spelled[best], whole)
    return None, None


def _expansion(acronym: str, text: str) -> str | None:
    """'Clear Waters from Pharmaceuticals (CWPharma)' -> the words before the acronym in brackets."""
    for match in re.finditer(rf"[“\"']?(?P<name>[A-Z][^()\n“”\"]{{8,150}}?)[”\"']?\s*\({re.escape(acronym)}\)", text):
        name = match.group("name").strip()
        words = name.split()
        initials = {w[0].lower() for w in words if w[:1].isalpha()}
        if len(words) >= 2 and sum(c.lower() in initials for c in acronym if c.isalpha()) >= 2:
            return name
    return None


def project_identity(pages: list[str]) -> ProjectIdentity:
    """The report's project as printed in it."""
    acronym, name = acronym_and_name(pages)
    front = _front(pages)
    return ProjectIdentity(
        acronym=acronym,
        name=name,
        programme=programme_of(front) or programme_of("\n".join(pages)),
        grant=grant_of(pages),
    )


def group_projects(identities: Mapping[Hashable, ProjectIdentity]) -> dict[Hashable, str | None]:
    """A project key for each report: reports that share a grant number, an acronym or a full name are
    one project (transitively), keyed by the group's most common strongest key."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for identity in identities.values():
        keys = identity.keys()
        for a, b in zip(keys, keys[1:], strict=False):
            parent[find(a)] = find(b)
    groups: dict[str, Counter[str]] = {}
    for identity in identities.values():
        if identity.key:
            groups.setdefault(find(identity.key), Counter())[identity.key] += 1
    label = {
        root: sorted(counts.items(), key=lambda kv: (not kv[0].startswith("grant:"), -kv[1], kv[0]))[0][0]
        for root, counts in groups.items()
    }
    return {report: (label[find(identity.key)] if identity.key else None) for report, identity in identities.items()}


def join_project(identity: ProjectIdentity, projects: Mapping[str, list[ProjectIdentity]]) -> str | None:
    """The key of the existing project (key -> its reports' identities) a new report belongs to, or None."""
    wanted = set(identity.keys())
    for key, members in projects.items():
        if wanted & {k for member in members for k in member.keys()} or key in wanted:
            return key
    return None
