"""A report's title from its cover's layout: the largest text that is not something else."""

from __future__ import annotations

import pytest

from ingest.cover_lines import line_role
from ingest.metadata import extract_meta
from ingest.sandbox import read_pdf
from ingest.title import find_title, join_lines, metadata_title
from tests.conftest import CORPUS
from tests.pdfs import cover_pdf

ARCHIVE = CORPUS / "archive" / "reports"


def _title_of(path, settings):
    text = read_pdf(path, settings)
    return find_title(text.layout, text.pages, text.title)


def _archive(name: str):
    path = ARCHIVE / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


def test_a_title_wrapped_over_two_lines_is_one_title(settings, tmp_path):
    """The two lines of a large bold title are read as one title, and the smaller line under it apart."""
    path = cover_pdf(
        tmp_path / "cover.pdf",
        [
            ("Joint procurement of electric buses", 26, True),
            ("for small and medium-sized cities", 26, True),
            ("What six cities learned from one tender", 16, False),
        ],
    )
    guess = _title_of(path, settings)
    assert guess.title == "Joint procurement of electric buses for small and medium-sized cities"


def test_the_subtitle_is_kept_apart(settings, tmp_path):
    """A smaller line right under the title, still larger than the text, is the subtitle."""
    path = cover_pdf(
        tmp_path / "cover.pdf",
        [("Green school yards", 28, True), ("Lessons from planting with pupils", 16, False)],
    )
    guess = _title_of(path, settings)
    assert (guess.title, guess.subtitle) == ("Green school yards", "Lessons from planting with pupils")


def test_copyright_funding_address_author_and_date_lines_are_passed_over(settings, tmp_path):
    """Lines printed larger than the title but of another kind never become the title."""
    path = cover_pdf(
        tmp_path / "cover.pdf",
        [
            ("© Copyright 2021 by the City of Norrvik", 30, True),
            ("Horizon 2020 Programme, Grant Agreement No 123456", 30, True),
            ("Storgatan 12, 123 45 Norrvik", 30, True),
            ("Dr. Anna Svensson", 30, True),
            ("March 2021", 30, True),
            ("Charging depots for electric buses", 20, True),
        ],
    )
    assert _title_of(path, settings).title == "Charging depots for electric buses"


def test_a_cover_without_large_text_gives_a_doubtful_title(settings, tmp_path):
    """When nothing on the cover stands out, the title found is flagged for a person to check."""
    path = cover_pdf(tmp_path / "flat.pdf", [("Notes from the meeting of the working group on buses", 11, False)])
    meta = extract_meta(*_read(path, settings))
    assert meta.title and meta.title_doubtful


def _read(path, settings):
    text = read_pdf(path, settings)
    return text.pages, text.title, text.layout


def test_the_pdf_title_field_is_used_when_the_cover_prints_it(settings, tmp_path):
    """An author's title field whose words the cover prints is the title, and the large line its subtitle."""
    path = cover_pdf(
        tmp_path / "cover.pdf",
        [("Charging depots for electric buses", 24, True), ("BusDepot - Final report", 14, True)],
        title="BusDepot - Final report",
    )
    meta = extract_meta(*_read(path, settings))
    assert (meta.title, meta.subtitle) == ("BusDepot - Final report", "Charging depots for electric buses")


@pytest.mark.parametrize(
    "title", ["Microsoft Word - D4-1_Final_report_final_20120817.docx", "Report", "CoDiGreen_LCA_Berlin_final"]
)
def test_a_file_name_or_a_template_title_field_is_not_a_title(title):
    """The PDF's title field is ignored when it holds a file name, one word or a word processor's label."""
    assert metadata_title(title) is None


@pytest.mark.parametrize(
    ("line", "role"),
    [
        ("© Copyright 2012 by the KompetenzZentrum Wasser Berlin gGmbH. All rights reserved.", "copyright"),
        ("Horizon 2020 Programme", "funding"),
        ("Project Number: 773649", "funding"),
        ("Contract : Number", "funding"),
        ("Cicerostr. 24, 10709 Berlin", "address"),
        ("Dipl.-Ing. Petra Schuster", "person"),
        ("by Christian Remy and Boris Lesjean", "person"),
        ("Author Content Date of issue", "person"),
        ("See discussions, stats, and author profiles for this publication", "web"),
        ("Date: 19.02.2013", "date"),
        ("Berlin, 26.02.2005", "date"),
        ("December 2020", "date"),
        ("D4-1_Final_report_final.docx", "file"),
        ("Project acronym: OXERAM 2", "label"),
        ("Deliverable D4.1", "deliverable"),
        ("REPORT", "generic"),
        ("Kompetenzzentrum Wasser Berlin gGmbH", "organisation"),
    ],
)
def test_cover_lines_that_are_not_titles_are_recognised(line, role):
    """Copyright, funding, address, person, date, file-name and label lines are named for what they are."""
    assert line_role(line) == role


@pytest.mark.parametrize(
    "line",
    [
        "Recommendations for efficient dissemination of environmental information",
        "Risk assessment of Braunschweig wastewater reuse scheme",
        "von Patienten in Krankenhäusern die mit jodorganischen",
        "D 5.4: Technology dossiers to apply for ETV certification",
        "Final report for task 8 of the demonstration project",
    ],
)
def test_title_lines_are_not_mistaken_for_something_else(line):
    """Lines of real titles, including a deliverable header, are left as title text."""
    assert line_role(line) is None


def test_a_word_hyphenated_at_a_line_end_is_joined():
    """'recy-' and 'cling' on the next line of a title make 'recycling'."""
    assert join_lines(["Nutrient reduction and recy\u2010", "cling in water reuse"]) == (
        "Nutrient reduction and recycling in water reuse"
    )


@pytest.mark.corpus
def test_a_deliverable_header_wins_over_the_larger_project_name(settings):
    """On a Horizon 2020 cover, 'D6.2. Completion of ...' is the title, not the project's full name set larger."""
    guess = _title_of(_archive("Williams-2020-1425.pdf"), settings)
    assert guess.title.startswith("D6.2. Completion of Communication")


@pytest.mark.corpus
def test_the_publisher_the_report_label_and_copyright_are_passed_over(settings):
    """A KWB cover's 'REPORT', address block and copyright notice give way to the real title."""
    guess = _title_of(_archive("Remy-2012-549.pdf"), settings)
    assert guess.title == "Optimisation of energy and nutrient recovery in wastewater treatment schemes"


@pytest.mark.corpus
def test_a_bare_deliverable_label_hands_the_title_to_the_block_below(settings):
    """'Deliverable D4.1' alone is a label; the title is the block under it, not the project name above."""
    guess = _title_of(_archive("Stefan-2021-1296.pdf"), settings)
    assert guess.title.startswith("Web-based real-time monitoring and control capabilities")


@pytest.mark.corpus
def test_text_drawn_small_and_scaled_up_has_its_printed_size(settings):
    """A cover drawn in 1-point fonts under a scaling matrix still shows its title as the largest text."""
    guess = _title_of(_archive("Thomas-2013-724.pdf"), settings)
    assert guess.title.startswith("Hydrogeological and static structural geological model implementation")
