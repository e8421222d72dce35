"""Reference lists, contents lists and front matter recognised in each passage, whatever its heading says."""

from __future__ import annotations

import json

import pytest

from ingest.apparatus import passage_kind
from ingest.pipeline import analyse
from kb.models import SECTION_KINDS
from tests.conftest import CORPUS, ROOT

REFERENCES = (
    "Andersson, K., Berg, L. (2019). Joint procurement of electric buses. Journal of Transport Policy 12(3), "
    "45-67. https://doi.org/10.1000/jtp.2019.12. Berg, L., M. Nilsson and P. Holm (2020). Depot charging in "
    "cold climates. In: Proceedings of the Nordic Transport Conference, Oslo, pp. 112-120. Carlsson, A. (2018). "
    "Battery ageing in city buses. Report 2018:4, Swedish Transport Administration, Borlänge. Dahl, R., "
    "Ek, S. (2021). Tendering for zero-emission fleets. Energy Policy 150, 112-130."
)
CONTENTS = (
    "1 Introduction .................................... 3 1.1 Background ................................. 3 "
    "1.2 Aim of the report ........................... 4 2 Procurement ................................. 6 "
    "2.1 The joint tender ............................ 7 3 Lessons learned ............................. 12"
)
PROSE = (
    "The cities agreed early on one technical specification for the buses. This saved months of work, because "
    "every bidder could answer one set of requirements instead of six. The drivers were trained in the first "
    "winter, and the energy use fell by a tenth once they had learned to use the regenerative brakes."
)
LEGAL_NOTICE = (
    "Important Legal Notice. Disclaimer: the information in this publication was considered technically sound. "
    "The publisher disclaims liability for any damages. © Copyright 2021 by the City of Norrvik. All rights "
    "reserved. This project has received funding under grant agreement No 123456."
)


def test_a_reference_list_is_references_under_any_heading():
    """A passage of reference entries is a reference list even under the conclusions' heading."""
    assert passage_kind("lessons", REFERENCES, page=30) == "references"


def test_a_list_of_contents_with_dot_leaders_is_contents():
    """Chapter titles with dot leaders and page numbers make a contents list, wherever it sits."""
    assert passage_kind("summary", CONTENTS, page=2) == "contents"


def test_running_text_under_a_contents_heading_is_other():
    """When the chapters after a contents list were not found, their text is not kept as contents."""
    assert passage_kind("contents", PROSE, page=4) == "other"


def test_running_text_keeps_its_sections_kind():
    """A lesson written as prose stays a lesson."""
    assert passage_kind("lessons", PROSE, page=12) == "lessons"


def test_a_legal_notice_on_the_second_page_is_front_matter():
    """Copyright, disclaimer and funding statements on the first pages are front matter."""
    assert passage_kind("other", LEGAL_NOTICE, page=2) == "front_matter"


def _corpus_pdf(name: str):
    path = CORPUS / "archive" / "reports" / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


@pytest.mark.corpus
def test_a_real_reference_list_and_document_history_are_recognised(settings):
    """POWERSTEP D5.4's reference list (page 17) and versioning table (page 2) are stored as such."""
    analysis = analyse(_corpus_pdf("Remy-2018-1069.pdf"), settings)
    kinds_on = {page: {c.section for c in analysis.chunks if c.page_start <= page <= c.page_end} for page in (2, 17)}
    assert "front_matter" in kinds_on[2] and "references" in kinds_on[17]


@pytest.mark.corpus
def test_a_real_contents_list_is_contents(settings):
    """The table of contents on page 3 of POWERSTEP D5.4 is contents, not a lesson or other text."""
    analysis = analyse(_corpus_pdf("Remy-2018-1069.pdf"), settings)
    assert {c.section for c in analysis.chunks if c.page_start == c.page_end == 3} == {"contents"}


def test_the_labelled_passages_use_known_kinds():
    """Every hand label in eval/passage_kinds.jsonl names a section kind and a corpus file with its page."""
    labels = [json.loads(line) for line in (ROOT / "eval" / "passage_kinds.jsonl").read_text().splitlines()]
    assert len(labels) >= 150
    assert all(label["kind"] in SECTION_KINDS and label["page"] >= 1 for label in labels)
    assert all(label["file"].startswith(("reports/", "archive/reports/")) for label in labels)
