"""Headings and section kinds in Swedish and English."""

from __future__ import annotations

import pytest

from ingest.pipeline import analyse
from ingest.sections import classify_heading, is_heading, split_sections
from tests.conftest import sample


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("5 Lessons learned", "lessons"),
        ("Lärdomar och erfarenheter", "lessons"),
        ("Erfarenheter från projektet", "lessons"),
        ("6 Recommendations", "recommendations"),
        ("Rekommendationer", "recommendations"),
        ("4 Challenges", "challenges"),
        ("Utmaningar och problem", "challenges"),
        ("3 Results", "results"),
        ("Resultat", "results"),
        ("Project partners", "partners"),
        ("Samverkansparter", "partners"),
        ("Executive summary", "summary"),
        ("Sammanfattning", "summary"),
        ("2 Background", "other"),
        ("9 References", "references"),
        ("Litteraturförteckning", "references"),
        ("Table of Contents", "contents"),
        ("List of figures", "contents"),
        ("Förkortningar", "contents"),
        ("Important Legal Notice", "front_matter"),
        ("Versioning and Contribution History", "front_matter"),
        ("2 Literature review", "other"),
        ("1.3 Content of this report", "other"),
        ("4.3 Tolerable environmental risk", "other"),
        ("5 Risk management", "challenges"),
        ("3 Ergebnisse", "results"),
        ("Bilaga 2. Enkätresultat", "other"),
    ],
)
def test_headings_are_classified(heading, kind):
    """Section kinds are recognised from the heading's words in both languages."""
    assert classify_heading(heading) == kind


@pytest.mark.parametrize(
    "line",
    [
        "The project partners agreed that the procurement took too long.",
        "3.2 Lessons learned ........................ 14",
        "which meant that the results were delayed",
    ],
)
def test_sentences_and_contents_lines_are_not_headings(line):
    """Running text and table-of-contents lines do not open sections."""
    assert not is_heading(line)


def test_subsections_inherit_their_parents_kind():
    """'6.1 Procurement' under '6 Lessons learned' is part of the lessons."""
    pages = [
        "6 Lessons learned\nWe learned a lot.\n6.1 Procurement\nStart early with the legal mandate.\n7 Annex\nTables."
    ]
    kinds = [(s.heading, s.kind) for s in split_sections(pages)]
    assert kinds == [("6 Lessons learned", "lessons"), ("6.1 Procurement", "lessons"), ("7 Annex", "other")]


def test_references_do_not_inherit_the_lessons_kind():
    """A reference list after the conclusions is not a lesson."""
    pages = ["Lessons learned\nStart early with the mandate.\nReferences\n1. Smith, J. (2020). A report."]
    assert [s.kind for s in split_sections(pages)] == ["lessons", "references"]


def test_what_comes_before_the_first_heading_is_front_matter():
    """The cover's lines, before any heading, are front matter, and the next heading does not inherit that."""
    pages = ["Final report\nProject GreenFleet\nBerlin 2021", "1 Background\nThe cities bought electric buses."]
    assert [(s.heading, s.kind) for s in split_sections(pages)] == [("", "front_matter"), ("1 Background", "other")]


@pytest.mark.parametrize("line", ["SD Standard Deviation", "Problem in", "Victims of exposure; risk"])
def test_abbreviations_and_table_fragments_are_not_headings(line):
    """A line of a list of abbreviations, or a fragment cut from a table, does not open a section."""
    assert not is_heading(line)


def test_a_footer_with_its_page_number_is_dropped_on_every_page():
    """A running footer is recognised whether or not the page number is printed next to it."""
    footer = "Innovation Actions - Grant agreement 641661"
    pages = [f"Text of page {n} tells something new about page {n}.\n{footer} {n}" for n in range(1, 7)]
    text = " ".join(line.text for s in split_sections(pages) for line in s.lines)
    assert "Grant agreement" not in text


def test_swedish_sample_sections_are_recognised(settings):
    """The Swedish sample's Sammanfattning, Utmaningar, Lärdomar and Rekommendationer are found."""
    analysis = analyse(sample("exempel_bredband_landsbygd_slutrapport_sv.pdf"), settings)
    kinds = {c.heading: c.section for c in analysis.chunks}
    assert kinds["1 Sammanfattning"] == "summary"
    assert kinds["4 Utmaningar"] == "challenges"
    assert kinds["5 Lärdomar"] == "lessons"
    assert kinds["6 Rekommendationer"] == "recommendations"
    assert analysis.lang == "sv"


def test_english_sample_sections_are_recognised(settings):
    """The English sample's lessons sit on page 4 and are English."""
    analysis = analyse(sample("example_greenfleet_final_report_en.pdf"), settings)
    lessons = [c for c in analysis.chunks if c.section == "lessons"]
    assert lessons and all(c.page_start == 4 and c.lang == "en" for c in lessons)
