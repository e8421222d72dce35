"""Person names told apart from other capitalised words: a gazetteer of first names and the report's own words."""

from __future__ import annotations

import pytest

from ingest.names import common_words, inverted, person_name, same_person


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Christian Remy", "Christian Remy"),
        ("C.Sprenger", "C. Sprenger"),
        ("Dipl.-Ing. Rolf-Jürgen Schwarz", "Rolf-Jürgen Schwarz"),
        ("Kristina Nyhlén1", "Kristina Nyhlén"),
        ("LUCA DE FEO", "Luca De Feo"),
        ("Theo van den Hoven", "Theo van den Hoven"),
    ],
)
def test_a_first_name_from_the_gazetteer_makes_a_name(text, name):
    """A known first name or initials, then a surname, is a name; titles and superscripts are dropped."""
    assert person_name(text) == name


@pytest.mark.parametrize(
    "text", ["Deliverable Lead", "Kompetenzzentrum Wasser Berlin", "Finnish Environment Institute"]
)
def test_capitalised_words_without_a_first_name_are_no_name(text):
    """Capitalised words that start with no first name are not taken for a person."""
    assert person_name(text) is None


def test_the_reports_own_words_end_a_name():
    """A word the report writes in lower case ("grant") or uses on its own ("Veolia and") ends no name."""
    words = common_words(
        ["It was funded by a grant from the EU.", "The plant was run by Veolia and by KWB, and Veolia and"]
    )
    assert person_name("Maria Piculell Grant", words) is None
    assert person_name("Henri Proglio Veolia", words) is None
    assert person_name("Maria Piculell", words) == "Maria Piculell"


def test_a_surname_written_first_is_turned_round():
    """ "Stapf, Michael" and "Ek Henning, Helene" become the names as spoken."""
    assert inverted("Stapf", "Michael") == "Michael Stapf"
    assert inverted("Ek Henning", "Helene") == "Helene Ek Henning"


def test_initials_and_full_first_names_are_one_person():
    """ "C. Sprenger" is "Christoph Sprenger"; "Decker" after a title is "W. Decker"; other first letters differ."""
    assert same_person("C. Sprenger", "Christoph Sprenger")
    assert same_person("Decker", "W. Decker")
    assert not same_person("M. Sprenger", "Christoph Sprenger")
