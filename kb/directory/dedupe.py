"""Organisations de-duplicated: names in a country linked by shared identifiers, equal normalised
names and near-identical spellings (rapidfuzz), then corrected by hand (merge, keep apart).

The unit is an *alias*: one normalised name in one country (``kb.directory.names.alias_key``). Links:
- the same register identifier joins aliases anywhere: a CORDIS organisation id always, a VAT number
  when the names also read alike and no more than MAX_NAMES_PER_VAT names share it (a government's
  departments share one);
- a bare acronym ("KWB") joins the one full name a source spells out with it (``Mention.acronym``);
- a name without a country joins the same (or a near-identical) name when that is in one country only;
- within a country, names whose similarity (``rapidfuzz.fuzz.ratio``) reaches ``threshold`` join,
  and their words agree up to endings (``same_words``: not "Linköpings" and "Lidköpings kommun").
A hand *split* keeps an alias out of every automatic link; a hand *merge* joins two aliases always.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process

from kb.directory.names import alias_key, normalise

FUZZY_THRESHOLD = 93.0
MAX_NAMES_PER_VAT = 3
_ENDINGS = frozenset({"s", "e", "es", "en", "n", "a", "ar", "er", "et", "t", "al"})
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Mention:
    """An organisation as one source names it (a report's partner row, a register's organisation)."""

    name: str
    country: str | None
    identifiers: tuple[str, ...] = ()  # e.g. ("cordis:999978530", "vat:SE202100297301")
    org_type: str | None = None
    ref: object = None  # the caller's handle, e.g. the partner row id
    acronym: str | None = None  # the short name the source gives it ("KWB"), when it gives one

    @cached_property
    def alias(self) -> str:
        return alias_key(self.name, self.country)


@dataclass
class Cluster:
    aliases: list[str]
    mentions: list[Mention] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why aliases were joined: "fuzzy 95: a ~ b", "cordis:…"

    @cached_property
    def key(self) -> str:
        """The alias named most often (ties: the shortest, then the first alphabetically): a stable id."""
        counts = Counter(m.alias for m in self.mentions)
        return min(self.aliases, key=lambda a: (-counts[a], len(a), a))

    @property
    def name(self) -> str:
        counts = Counter(m.name for m in self.mentions if m.alias == self.key)
        return min(counts, key=lambda n: (-counts[n], n.isupper(), n))

    @property
    def country(self) -> str | None:
        countries = Counter(m.country for m in self.mentions if m.country)
        return countries.most_common(1)[0][0] if countries else None

    @property
    def org_type(self) -> str | None:
        types = Counter(m.org_type for m in self.mentions if m.org_type)
        return types.most_common(1)[0][0] if types else None

    @property
    def identifiers(self) -> list[str]:
        return sorted({i for m in self.mentions for i in m.identifiers})


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def cluster(
    mentions: Iterable[Mention],
    merges: Sequence[tuple[str, str]] = (),
    splits: Iterable[str] = (),
    threshold: float = FUZZY_THRESHOLD,
) -> list[Cluster]:
    """Group mentions into organisations; ``merges`` are alias pairs joined by hand, ``splits`` aliases kept apart."""
    mentions = list(mentions)
    apart = set(splits)
    union = _Union()
    reasons: list[tuple[str, str, str]] = []
    by_alias: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        by_alias[m.alias].append(m)
        union.find(m.alias)

    def link(a: str, b: str, why: str) -> None:
        if a in apart or b in apart:
            return
        if union.join(a, b):
            reasons.append((a, b, why))

    holders: dict[str, list[str]] = defaultdict(list)  # identifier -> the aliases that carry it
    for alias, group in by_alias.items():
        for identifier in sorted({i for m in group for i in m.identifiers}):
            holders[identifier].append(alias)
    for identifier, aliases in holders.items():
        if identifier.startswith("vat:") and len(aliases) > MAX_NAMES_PER_VAT:
            continue  # a state's or region's VAT number, shared by its many departments: not one organisation
        first = aliases[0]
        for other in aliases[1:]:
            if identifier.startswith("vat:") and not _related(first, other):
                continue
            link(first, other, identifier)

    # A bare acronym ("KWB") joins the full name that some source spells out with it ("Kompetenzzentrum
    # Wasser Berlin (KWB)"), when just one full name carries that acronym: "CAB" or "UB" stand for many.
    spelled: dict[str, set[str]] = defaultdict(set)
    for alias, group in by_alias.items():
        for m in group:
            if m.acronym and normalise(m.acronym) != alias.split("|", 1)[1]:
                spelled[normalise(m.acronym)].add(alias)
    for alias in sorted(by_alias):
        country, name = alias.split("|", 1)
        full = spelled.get(name, set())
        if len(full) == 1:
            target = next(iter(full))
            if country == "-" or target.startswith("-|") or target.split("|", 1)[0] == country:
                link(target, alias, "acronym")

    # A name without a country joins the same (or a near-identical) name when that is in one country only.
    unknown = sorted(a for a in by_alias if a.startswith("-|") and a not in apart)
    located = sorted(a for a in by_alias if not a.startswith("-|") and a not in apart)
    if unknown and located:
        plain = [a.split("|", 1)[1] for a in located]
        scores = process.cdist(
            [a.split("|", 1)[1] for a in unknown],
            plain,
            scorer=fuzz.ratio,
            score_cutoff=threshold,
            dtype="uint8",
            workers=1,
        )
        for i, alias in enumerate(unknown):
            name = alias.split("|", 1)[1]
            found = [located[j] for j in scores[i].nonzero()[0] if same_words(name, plain[j])]
            if found and len({f.split("|", 1)[0] for f in found}) == 1:
                for other in found:
                    link(other, alias, "same name, country unknown")

    by_country: dict[str, list[str]] = defaultdict(list)
    for alias in sorted(by_alias):
        if alias not in apart:
            by_country[alias.split("|", 1)[0]].append(alias)
    for aliases in by_country.values():
        names = [a.split("|", 1)[1] for a in aliases]
        if len(names) < 2:
            continue
        scores = process.cdist(names, names, scorer=fuzz.ratio, score_cutoff=threshold, dtype="uint8", workers=1)
        for i, j in zip(*scores.nonzero(), strict=True):
            a, b = names[i], names[j]
            if i < j and min(len(a), len(b)) >= 6 and same_words(a, b):
                link(aliases[i], aliases[j], f"fuzzy {int(scores[i, j])}")

    for a, b in merges:
        if union.join(a, b):
            reasons.append((a, b, "merged by hand"))
        union.find(a)

    clusters: dict[str, Cluster] = {}
    for alias in by_alias:
        root = union.find(alias)
        clusters.setdefault(root, Cluster([])).aliases.append(alias)
        clusters[root].mentions.extend(by_alias[alias])
    for a, _b, why in reasons:
        if a in by_alias:
            clusters[union.find(a)].reasons.append(f"{why}: {_b} ~ {a}")
    return sorted(clusters.values(), key=lambda c: c.key)


_STOP_WORDS = frozenset("i och and of the for vid de di du la le der och".split())


def same_words(a: str, b: str) -> bool:
    """Word by word the same, up to endings: "lunds universitet" ~ "lund universitet", "kungl" ~ "kungliga".

    Guards the fuzzy score against names one letter apart that are different places
    ("linkopings kommun", "lidkopings kommun") and against different numbers ("skola 1", "skola 2").
    """
    words_a = [w for w in a.split() if w not in _STOP_WORDS]
    words_b = [w for w in b.split() if w not in _STOP_WORDS]
    if len(words_a) != len(words_b):
        return False
    for x, y in zip(words_a, words_b, strict=True):
        if x == y:
            continue
        short, long = sorted((x, y), key=len)
        if x.isdigit() or y.isdigit() or len(short) < 4 or not long.startswith(short):
            return False
        if long[len(short) :] not in _ENDINGS and len(short) < 5:  # "para" is not "parana"; "kungl" is "kungliga"
            return False
    return True


_DEPARTMENT = re.compile(
    r"^(?:consejeria|conselleria|departament|departamento|department|ministerio|ministry|minister)"
)


def _related(a: str, b: str) -> bool:
    """Two names under one VAT number that also read alike and are not two departments of one government."""
    x, y = a.split("|", 1)[1], b.split("|", 1)[1]
    if _DEPARTMENT.match(x) and _DEPARTMENT.match(y):
        return False
    return fuzz.token_set_ratio(x, y) >= 60


def identifiers_of(org_id: str | None = None, vat: str | None = None) -> tuple[str, ...]:
    """The identifier strings the clustering compares: ``cordis:<organisationID>``, ``vat:<number>``."""
    out = []
    if org_id and org_id.strip():
        out.append(f"cordis:{org_id.strip()}")
    if vat and vat.strip():
        out.append("vat:" + re.sub(r"[\s.-]", "", vat).upper())
    return tuple(out)


__all__ = ["Cluster", "Mention", "cluster", "identifiers_of", "normalise"]
