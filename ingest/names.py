"""Person names in report text: "Christian Remy", "C. Sprenger", "Dipl.-Ing. Rolf-Jürgen Schwarz", "Stapf, Michael".

A capitalised-words pattern takes "Deliverable Lead" or "Grant Agreement" for people. A name here starts
with a given name from a gazetteer (Jörg Michael's list of about 48,000 first names from 54 countries,
shipped by the ``gender-guesser`` package and read from it, offline) or with initials, and its surname is
a capitalised word that the report does not also use as an ordinary lower-case word ("based", "agreement").
benchmarks/understanding_people.py measures this against a capitalised-words pattern and probablepeople.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

# Words a gazetteer of first names holds that are far more often something else in a report.
NOT_GIVEN = frozenset(
    """the van de le la der den du des di da von af al el dos das bin ben
    may june april august will grant mark major job page case rose paris bay kit gent lund jena
    summer autumn winter spring sunday monday friday january march october december
    table figure annex chapter section note source data project report water energy total final
    draft version date review status lead partner member members european union horizon
    university institute centre center department agency research technical general public
    north south east west central city county region state royal saint san santa
    foto photo bild layout cover tryck print contact kontakt dear hello name namn
    tin vin men jun jul sep oct nov dec mar apr se
    german french english swedish finnish danish dutch polish spanish italian european american british
    river lake mount sea bay island street road park hall house
    one two three four five six seven eight nine ten eleven twelve first second third
    deliverable work package task phase main authors author contact email phone
    """.split()
)
PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "la", "le", "ten", "ter", "af", "zu"}
)
HONORIFIC = re.compile(
    r"^(?:(?:prof|professor|dr|dr\.-ing|dr\.\s*rer\.\s*nat|dipl\.-[a-zäöü]+|dipl|ing|mr|mrs|ms|miss|mag|pd|msc|"
    r"m\.sc|phd|sir|herr|frau)\.?\s+)+",
    re.IGNORECASE,
)
# Words that end a name or show the words are no name at all (organisations, document parts).
NOT_SURNAME = frozenset(
    """university universität universitat université institute institut centre center department agency
    company group association foundation water wasser report project deliverable table figure annex
    and und och et the of for für in on at by to with from gmbh ggmbh ltd ab oy bv nv ag sa spa srl
    final draft version review contact phone email fax tel partner partners member members lead
    consortium programme program horizon european commission union summary abstract introduction
    kompetenzzentrum zentrum centrum verband institutet universitet hogskola kommun stad region
    german french english swedish finnish danish dutch polish spanish italian european american british
    gmbh ggmbh ag kg ab oy sa bv nv ltd inc plc srl spa sl as
    jan feb mar apr jun jul aug sep sept oct nov dec dr dipl prof mr mrs ms ing ass phd msc
    """.split()
)
# Endings of nouns, hardly of surnames: "Urban Planning", "London Convention", "Maria Heimsuchung".
NOUN_ENDING = re.compile(
    r"(?:tions?|sions?|ments?|ness|ities|ity|ances?|ences?|ships?|ology|ologies|isms?|ings|ungen|ung|keit|heit|"
    r"schaft|ismus|ization|isation)$"
)
# Words of organisations' names: "Berliner Wasserbetriebe" is no person with an unknown first name.
ORGANISATION_STEM = re.compile(
    r"(?i)institu|universit|zentrum|centre|center|agency|board|association|gmbh|company|ministry|authority|council|"
    r"foundation|betriebe|verband|laborator|department|wasser|water|consult|group|\b(?:ab|ag|sa|bv|ltd|inc|oy)\b"
)
_INITIALS = re.compile(r"^(?:[A-ZÅÄÖÜÉ]\.\s?-?)+(?:[A-ZÅÄÖÜÉ]\.?)?$")
_WORD = re.compile(r"^[A-ZÅÄÖÜÉÈÁÀÂÇČĆŁŚŠŽŻÓØÆÍÚÑİ][\w'’-]*$")


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower case without accents: "Nyhlén" -> "nyhlen"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def given_names() -> frozenset[str]:
    """Folded first names of the gazetteer (unmodified data file of the gender-guesser package)."""
    import gender_guesser

    path = Path(gender_guesser.__file__).parent / "data" / "nam_dict.txt"
    names: set[str] = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line[:1] in "#=" or len(line) < 30:
                continue
            name = line[3:29].strip()
            for variant in {name.replace("+", ""), name.replace("+", "-")}:
                names.add(fold(variant))
    return frozenset(names - NOT_GIVEN)


@cache
def _country_words() -> frozenset[str]:
    from ingest.partners import _countries

    return frozenset(fold(name) for name in _countries() if " " not in name)


@dataclass(frozen=True)
class Vocabulary:
    """What a report's own words say about a capitalised word: ``lower`` holds the words it also writes in
    lower case (ordinary words, not surnames), ``alone`` the capitalised words it uses on their own before a
    lower-case word or punctuation ("Sage is", "Based on", "Veolia and"): a product, place or organisation,
    or a surname in a citation, but not the first name of someone named in full."""

    lower: frozenset[str] = frozenset()
    alone: frozenset[str] = frozenset()

    def __contains__(self, word: object) -> bool:
        return word in self.lower


def is_given_name(token: str) -> bool:
    """A first name of the gazetteer; a hyphenated one ("Rabea-Luisa") when each part is one."""
    if not token[:1].isupper() or (token.isupper() and len(token.strip(".,;:")) > 1):
        return False
    word = fold(token.strip(".,;:"))
    if word in NOT_GIVEN or len(word) < 2:
        return False
    names = given_names()
    return word in names or ("-" in word and all(part in names for part in word.split("-") if part))


def is_initials(token: str) -> bool:
    """ "C.", "C.S.", "R.-L.", "J.-G." (never a lone capital without its point)."""
    return "." in token and bool(_INITIALS.match(token))


def repair(text: str) -> str:
    """Undo what PDF text layers do to names: detached accents ("Benoˆıt", "Clement ´"), "C.Sprenger"."""
    text = re.sub(r"\s[´`ˆ¨˜¸ˇ˘˙˚˛]\s?", " ", text)
    text = re.sub(r"[´`ˆ¨˜¸ˇ˘˙˚˛]", "", text).replace("ı", "i").replace("\u00a0", " ")
    return re.sub(r"\b([A-Z]\.)(?=[A-Z][a-zäöüé])", r"\1 ", text)


def _surname_word(token: str) -> bool:
    bare = token.strip(".,;:")
    return (
        bool(_WORD.match(bare))
        and len(bare) >= 2
        and fold(bare) not in NOT_SURNAME
        and not any(c.isdigit() for c in bare)
        and not bare.isupper()
        or (bare.isupper() and 2 <= len(bare) <= 14 and bare.isalpha() and fold(bare) not in NOT_SURNAME)
    )


def display(tokens: list[str]) -> str:
    """All-capital words in title case ("LUCA DE FEO" -> "Luca De Feo"), other words as printed."""
    words = [t.strip(",;:") for t in tokens]
    if all(w.isupper() or is_initials(w) for w in words):
        words = [w if is_initials(w) else w.capitalize() for w in words]
    return " ".join(words)


def person_name(text: str, common: Container[str] = frozenset(), strict: bool = False) -> str | None:
    """The person's name if ``text`` is one (honorifics and superscripts dropped), else None.

    ``common`` holds the report's lower-case words: a surname that is also one of them ("Based",
    "Agreement") ends or rejects the name. ``strict`` (running text) also rejects a first name that
    is a common word there ("Will", "Mark").
    """
    text = repair(HONORIFIC.sub("", " ".join(text.split())))
    text = re.sub(r"(?<=[^\W\d])[\d¹²³⁴⁵⁶⁷⁸⁹⁰*†,]+(?=\s|$)", "", text).strip(" ,;:.")
    tokens = text.split()
    if not 2 <= len(tokens) <= 6:
        return None
    if all(t.isupper() for t in tokens if t.isalpha()) and not all(is_initials(t) for t in tokens[:-1]):
        tokens = [t if is_initials(t) else t.capitalize() for t in tokens]
    return _read_name(tokens, common, strict)


def _read_name(tokens: list[str], common: Container[str], strict: bool) -> str | None:
    i = 0
    firsts: list[str] = []
    alone = common.alone if isinstance(common, Vocabulary) else frozenset()
    while i < len(tokens) and (is_given_name(tokens[i]) or is_initials(tokens[i])):
        word = fold(tokens[i])
        if (
            strict
            and i == 0
            and not is_initials(tokens[i])
            and (word in common or word in alone or word in _country_words())
        ):
            return None
        firsts.append(tokens[i])
        i += 1
    if not firsts:
        return None
    rest = tokens[i:]
    if not rest:
        # "Jan Willem" alone has no surname, but "Martin Vocks" ends on a known first name too
        if len(firsts) >= 2 and not is_initials(firsts[-1]):
            firsts, rest = firsts[:-1], firsts[-1:]
        else:
            return None
    surname: list[str] = []
    real = 0  # surname words other than particles
    for token in rest:
        if fold(token) in PARTICLES and len(surname) < 3:
            surname.append(token)
            continue
        if not _surname_word(token):
            return None
        if fold(token) in common and (strict or real):
            return None
        if real and (fold(token) in alone or token.isupper()):
            return None  # "Maria Piculell Grant", "Bernd Heinzmann Dipl", "Annabelle Williams RISE"
        if strict and NOUN_ENDING.search(fold(token)):
            return None
        surname.append(token)
        real += 1
    if not surname or fold(surname[-1]) in PARTICLES or len(surname) > 4:
        return None
    return display(firsts + surname)


def inverted(surname: str, given: str, common: Container[str] = frozenset()) -> str | None:
    """ "Stapf, Michael" -> "Michael Stapf"; "Ek Henning, Helene" -> "Helene Ek Henning"."""
    given_tokens = given.split()
    if not given_tokens or not all(is_given_name(t) or is_initials(t) for t in given_tokens):
        return None
    return person_name(f"{given} {surname}", common)


def common_words(pages: list[str]) -> Vocabulary:
    """The report's :class:`Vocabulary`. A word inside a web address or path ("kwarc.info/\nkohlhase/papers")
    does not count as written in lower case; a capitalised word counts as used alone when it follows no other
    capitalised word and precedes a lower-case one, twice or more ("Sage is", but not "Tania Allard took")."""
    lower: set[str] = set()
    counts: dict[str, int] = {}
    pattern = re.compile(r"(?<![\w.@/-])([a-zäöüåéèàçøæß][a-zäöüåéèàçøæß'-]+)(?=[\s,;:!?)\]]|\.(?:\s|$)|$)")
    capitalised = re.compile(r"[A-ZÅÄÖÜ][a-zäöüåéèàçøæß]+")
    for page in pages:
        lower.update(fold(w) for w in pattern.findall(page))
        words = page.split()
        for i in range(len(words) - 1):
            word = words[i]
            if (
                capitalised.fullmatch(word)
                and words[i + 1][:1].islower()
                and (i == 0 or not capitalised.match(words[i - 1]) or words[i - 1][-1:] in ".:;")
            ):
                counts[fold(word)] = counts.get(fold(word), 0) + 1
    return Vocabulary(frozenset(lower), frozenset(w for w, n in counts.items() if n >= 2))


def same_person(a: str, b: str) -> bool:
    """ "C. Sprenger" and "Christoph Sprenger", "Decker" and "W. Decker": one person."""
    ta, tb = fold(a).replace(".", ". ").split(), fold(b).replace(".", ". ").split()
    if not ta or not tb or ta[-1] != tb[-1]:
        return False
    if len(ta) == 1 or len(tb) == 1:
        return True
    return ta[0][0] == tb[0][0]
