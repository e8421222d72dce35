"""Swedish words quoted in English passages, told apart with Debian's word lists.

The lexicon (kb.lexicon) holds every word of the English passages, and English passages here
quote Swedish names of things (*läkemedel*, *apoteket*, *Länsstyrelsen*, *nationella*). A Swedish
query word's nearest "English" words are then often these quotations, and it carries over nothing
English. A word that the Swedish dictionary knows (hunspell-sv, with its inflections) and the
English word list (wbritish-insane, about 650,000 words, so that only plainly foreign words fail
it) does not is such a quotation, and is not offered as a translation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

SWEDISH = Path("/usr/share/hunspell/sv_SE")  # .dic and .aff, Debian package hunspell-sv
ENGLISH = Path("/usr/share/dict/british-english-insane")  # Debian package wbritish-insane
PACKAGES = "hunspell-sv wbritish-insane"
NEEDS_AFFIX, FORBIDDEN, ONLY_IN_COMPOUND = "¤", "%", "Z"  # sv_SE.aff's NEEDAFFIX, FORBIDDENWORD, ONLYINCOMPOUND


@dataclass(frozen=True)
class _Suffix:
    flag: str  # the stem must carry it
    strip: str
    add: str
    condition: re.Pattern[str]  # on the stem's end
    flags: str  # the form's own: "s/WXZ" is a linking form, only inside a compound


class HunspellWords:
    """Whether a hunspell dictionary knows a word: as listed, or as a listed stem with one of its
    suffixes (Swedish inflects by suffix: *apotek* gives *apoteket*, *apotekens*)."""

    def __init__(self, stems: dict[str, str], suffixes: Iterable[_Suffix]):
        self._stems = stems
        self._by_ending: dict[str, list[_Suffix]] = defaultdict(list)
        for suffix in suffixes:
            self._by_ending[suffix.add].append(suffix)
        self._longest = max(map(len, self._by_ending), default=0)

    @classmethod
    def load(cls, dictionary: Path) -> HunspellWords:
        stems: dict[str, str] = {}
        for line in dictionary.with_suffix(".dic").read_text(encoding="utf-8").splitlines()[1:]:
            word, _, flags = line.strip().partition("/")
            if word.isalpha():
                stems[word.lower()] = stems.get(word.lower(), "") + flags
        suffixes = []
        for line in dictionary.with_suffix(".aff").read_text(encoding="utf-8").splitlines():
            fields = line.split()
            if len(fields) >= 5 and fields[0] == "SFX":
                flag, strip, add, condition = fields[1:5]
                add, _, own = add.partition("/")
                strip, add = ("" if strip == "0" else strip), ("" if add == "0" else add)
                suffixes.append(_Suffix(flag, strip, add, re.compile(condition + "$"), own))
        return cls(stems, suffixes)

    def knows(self, word: str) -> bool:
        flags = self._stems.get(word)
        if flags is not None and not _bound(flags):
            return True
        for length in range(1, min(len(word), self._longest) + 1):
            for suffix in self._by_ending.get(word[-length:], ()):
                stem = word[:-length] + suffix.strip
                flags = self._stems.get(stem)
                if flags and suffix.flag in flags and not _bound(suffix.flags) and suffix.condition.search(stem):
                    return True
        return False


def _bound(flags: str) -> bool:
    """Not a word on its own: forbidden, or a form that needs an affix or stands only in compounds."""
    return any(f in flags for f in (NEEDS_AFFIX, FORBIDDEN, ONLY_IN_COMPOUND))


@cache
def _swedish() -> HunspellWords:
    return HunspellWords.load(SWEDISH)


def installed() -> bool:
    return SWEDISH.with_suffix(".dic").exists() and ENGLISH.exists()


def quoted_swedish(words: Iterable[str]) -> set[str]:
    """The words that are Swedish and not English; none when the word lists are not installed."""
    if not installed():
        return set()
    swedish = sorted({w for w in words if _swedish().knows(w)})
    if not swedish:
        return set()
    english = _english_hashes()
    wanted = _hashes(swedish)
    found = english[np.minimum(np.searchsorted(english, wanted), len(english) - 1)] == wanted
    return {w for w, is_english in zip(swedish, found, strict=True) if not is_english}


@cache
def _english_hashes() -> np.ndarray:
    """The English list as sorted 64-bit hashes: 5 MB instead of a 45 MB set of 650,000 strings."""
    with ENGLISH.open(encoding="utf-8", errors="replace") as lines:
        return np.unique(_hashes(line.strip().lower() for line in lines))


def _hashes(words: Iterable[str]) -> np.ndarray:
    return np.fromiter(map(hash, words), dtype=np.int64)  # str hashes are salted per process: built per process
