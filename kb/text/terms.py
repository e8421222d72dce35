"""Words for the keyword index: tokens, and Snowball stems in the text's own language."""

from __future__ import annotations

import re
from functools import cache

# Snowball stemmers PyStemmer ships for the languages reports here are written in.
STEMMERS = {
    "sv": "swedish",
    "en": "english",
    "de": "german",
    "da": "danish",
    "no": "norwegian",
    "fi": "finnish",
    "nl": "dutch",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "lt": "lithuanian",
}
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)  # as SQLite FTS5's unicode61 tokenizer splits


def tokens(text: str) -> list[str]:
    """Lower-cased words; single letters are dropped ("P-REX" gives "rex", "CWPharma-projektet" two words)."""
    return [t.lower() for t in _TOKEN.findall(text) if len(t) > 1 or t.isdigit()]


def words_in(text: str) -> list[str]:
    """Lower-cased words, single letters included, for matching text shown to people: faster than
    :func:`tokens` (the text is lower-cased whole), which the keyword index's terms must come from."""
    return _TOKEN.findall(text.lower())


@cache
def _stemmer(lang: str):
    import Stemmer

    return Stemmer.Stemmer(STEMMERS[lang]) if lang in STEMMERS else None


def stems(words: list[str], lang: str) -> list[str]:
    """Snowball stems for ``lang``: "upphandlingen" and "upphandling" both give "upphandling"."""
    stemmer = _stemmer(lang)
    return stemmer.stemWords(words) if stemmer else list(words)


def index_terms(text: str, lang: str) -> tuple[str, str]:
    """What the keyword index stores for a passage: its stems, and its exact words."""
    words = tokens(text)
    return " ".join(stems(words, lang)), " ".join(words)
