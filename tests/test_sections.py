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
        ("9 References", "other"),
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
    assert [s.kind for s in split_sections(pages)] == ["lessons", "other"]


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
