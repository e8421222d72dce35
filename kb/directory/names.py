"""Organisation names made comparable: case, accents, punctuation and legal forms removed.

"Karolinska Institutet AB (publ)" and "KAROLINSKA INSTITUTET" both become "karolinska institutet".
The organisation type (public, research, business, other) comes from a register's own code where
there is one (CORDIS activityType, Interreg organisationstyp) and otherwise from words in the name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ORG_TYPES = ("public", "research", "business", "other")

# Legal forms dropped at the end (or start) of a name; multi-word forms are matched first.
_LEGAL_FORMS = sorted(
    {
        "ab publ",
        "ab",
        "aktiebolag",
        "gmbh",
        "ggmbh",
        "gmbh co kg",
        "co kg",
        "kg",
        "ag",
        "ltd",
        "limited",
        "plc",
        "inc",
        "llc",
        "sa",
        "sas",
        "sarl",
        "sl",
        "slu",
        "srl",
        "spa",
        "oy",
        "oyj",
        "ab oy",
        "as",
        "asa",
        "a s",
        "aps",
        "bv",
        "nv",
        "ev",
        "ug",
        "eg",
        "ek for",
        "ekonomisk forening",
        "ekonomisk foren",
        "ek foren",
        "ideell forening",
        "corp",
        "corporation",
        "hb",
        "kb",
        "ou",
        "uab",
        "sia",
        "ehf",
        "hf",
        "doo",
        "d o o",
        "kft",
        "zrt",
        "sp z o o",
        "sro",
        "s r o",
        "ltd co",
        "cvba",
        "vzw",
        "asbl",
        "aisbl",
    },
    key=lambda form: -len(form),
)
_LEGAL_TAIL = re.compile(r"(?:\s+(?:" + "|".join(re.escape(f) for f in _LEGAL_FORMS) + r"))+$")
_LEGAL_HEAD = re.compile(r"^(?:the)\s+")
_NOT_WORD = re.compile(r"[^\w]+")

_CORDIS_TYPES = {"PUB": "public", "HES": "research", "REC": "research", "PRC": "business", "OTH": "other"}
_TYPE_WORDS = (
    (
        "public",
        (
            "kommun",
            "municipal",
            "region",
            "county",
            "lansstyrelse",
            "city of",
            "stad",
            "ministry",
            "ministere",
            "authority",
            "myndighet",
            "verket",
            "council",
            "agency",
            "landsting",
            "state",
        ),
    ),
    (
        "research",
        ("universit", "hogskola", "institut", "research", "forskning", "college", "academy", "school", "rise "),
    ),
    (
        "business",
        (" ab", "gmbh", "ltd", "oy", " as", " sa", " bv", "srl", "spa", " inc", "aktiebolag", "company", "consult"),
    ),
    ("other", ("forening", "association", "foundation", "stiftelse", "network", "ngo", "forbund", "federation")),
)


def fold(text: str) -> str:
    """Lower case without accents or punctuation, words separated by one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", plain.replace("&", " ")).split())


@lru_cache(maxsize=1 << 16)
def normalise(name: str) -> str:
    """The comparable form of an organisation's name: folded, legal forms and a leading 'the' dropped."""
    folded = fold(re.sub(r"\(publ\)", "", name, flags=re.IGNORECASE))
    stripped = _LEGAL_HEAD.sub("", _LEGAL_TAIL.sub("", folded)).strip()
    return stripped or folded


def alias_key(name: str, country: str | None) -> str:
    """One name in one country: the unit the directory de-duplicates."""
    return f"{(country or '-').upper()}|{normalise(name)}"


def org_type(name: str, register_type: str | None = None) -> str | None:
    """public, research, business or other: the register's code where given, else words of the name."""
    if register_type:
        code = register_type.strip()
        if code.upper() in _CORDIS_TYPES:
            return _CORDIS_TYPES[code.upper()]
        guessed = _type_from_words(fold(code))
        if guessed:
            return guessed
    return _type_from_words(" " + fold(name) + " ")


def _type_from_words(text: str) -> str | None:
    text = f" {text} "
    if "sme" in text.split() or "enterprise" in text:
        return "business"
    for kind, words in _TYPE_WORDS:
        if any(w in text for w in words):
            return kind
    return None


_NOT_NAME = re.compile(
    r"@|https?:|www\.|\b(?:phone|tel|fax|e-?mail)\b\s*[:.]|\bet al\b|\b(?:19|20)\d{2}\b|\(\s*\d|\d+\s*/\s*\d+|"
    r"\breports? of\b|\bno\.\s*\d|\bdata v\d|\bpp\.|\bvol\.|\bisbn\b|\bdoi\b",
    re.IGNORECASE,
)
_GENERIC = frozenset(
    """partner partners beneficiary beneficiaries lead coordinator consortium project projects the report
    tbd n/a na none other others all various see below above and foundation institute university agency company
    association municipality city region ministry authority department""".split()
)


def looks_like_organisation(name: str) -> bool:
    """False for what a report's lines yield that is no organisation: a phone number ("KWB Phone: +49 …"),
    a report series or citation ("Reports of the Finnish Environment Institute 34/2020", "Ecoinvent (2010)"),
    an address, a bare country or generic word, a sentence."""
    text = " ".join(name.split())
    words = text.split()
    if not words or len(text) < 2 or len(text) > 120 or len(words) > 14:
        return False
    if _NOT_NAME.search(text) or fold(text) in _GENERIC or not re.search(r"[A-Za-zÀ-ÿ]", text):
        return False
    domain = re.fullmatch(r"[a-z0-9-]+\.(?:net|com|org|eu|de|se|fr|fi|io|nl|it|es)", text)
    if not text[:1].isupper() and not text[:1].isdigit() and not re.match(r"[a-z]+[A-Z]", text) and not domain:
        return False  # "konsult Digg", "under the programme …"; "eSmart" is a name
    digits = sum(c.isdigit() for c in text)
    return digits <= len(text) // 4
