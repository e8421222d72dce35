"""Swedish words quoted in English passages are told apart with Debian's word lists."""

from __future__ import annotations

import pytest

from kb.search import word_lists

pytestmark = pytest.mark.skipif(
    not word_lists.installed(), reason=f"Debian's word lists are missing: apt-get install {word_lists.PACKAGES}"
)


def test_a_swedish_word_not_in_english_is_quoted_swedish():
    """Läkemedel and apoteket are Swedish only; pharmaceutical and water are English."""
    assert word_lists.quoted_swedish(["läkemedel", "apoteket", "pharmaceutical", "water"]) == {"läkemedel", "apoteket"}


def test_a_word_both_languages_share_stays_english():
    """Information and region are Swedish words too, but English ones as well."""
    assert word_lists.quoted_swedish(["information", "region", "partner"]) == set()


def test_inflected_swedish_forms_are_known_through_their_stem():
    """apotekens is apotek with a listed suffix; a form no suffix rule gives is unknown."""
    swedish = word_lists.HunspellWords.load(word_lists.SWEDISH)
    assert swedish.knows("apotekens")
    assert not swedish.knows("apotekensar")
