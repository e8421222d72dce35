"""The people a report names (ingest.people via ingest.partners.extract), on our samples and the real reports."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from ingest.partners import extract
from ingest.sandbox import read_pdf
from kb.settings import Settings
from tests.conftest import CORPUS, sample


@cache
def pages_of(path: Path) -> tuple[str, ...]:
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return tuple(read_pdf(path, Settings(data_dir=Path("/tmp/kb-test-people"))).pages)


def people(path: Path) -> dict:
    return {c.name: c for c in extract(list(pages_of(path)))[1]}


def test_a_sample_contact_comes_with_role_organisation_email_and_phone():
    """A labelled contact line gives the person's role, organisation, e-mail, phone and page."""
    anna = people(sample("example_greenfleet_final_report_en.pdf"))["Anna Lindqvist"]
    assert (anna.organisation, anna.email, anna.phone, anna.page) == (
        "Norrvik municipality",
        "anna.lindqvist@norrvik.example.org",
        "+46 13 555 01 23",
        5,
    )


@pytest.mark.corpus
def test_authors_written_surname_first_keep_their_affiliations():
    """ "Zhiteneva, Veronika (KWB – Berlin Centre of Competence for Water)" is an author of KWB."""
    found = people(CORPUS / "reports" / "en_Interreg-BSR_CWPharma_Joint-conclusions-API-emission-reductions_2020.pdf")
    assert found["Veronika Zhiteneva"].organisation == "KWB – Berlin Centre of Competence for Water"
    assert found["Helene Ek Henning"].role == "author"
    assert found["Moritz Lembke-Özer"].role == "contributor"


@pytest.mark.corpus
def test_meeting_participants_take_the_organisation_written_before_them():
    """ "Deltagare … SND: Johan Fihn Marberg, André Jernung, Vetenskapsrådet: Martin\\nBrandhagen" in the notes."""
    found = people(
        CORPUS / "reports" / "sv_DIGG_Motesanteckningar-referensgrupp-bestandiga-identifierare-mote3_2023.pdf"
    )
    assert found["André Jernung"].organisation == "SND"
    assert found["Martin Brandhagen"].organisation == "Vetenskapsrådet"
    assert found["Martin Brandhagen"].role == "participant"


@pytest.mark.corpus
def test_superscripts_lead_to_the_affiliation_footnotes():
    """ "Jeppe Bregendahl4" gets footnote 4, "Kalundborg Utility (Denmark)", not the page header numbered 4."""
    path = CORPUS / "reports"
    name = (
        "sv-en_Interreg-BSR_CWPharma_Recommendations-dissemination-pharmaceuticals_LansstyrelsenOstergotland_2020.pdf"
    )
    assert people(path / name)["Jeppe Bregendahl"].organisation == "Kalundborg Utility (Denmark)"


@pytest.mark.corpus
def test_version_tables_name_people_without_their_comments():
    """Rows of a version history give the editors, without the comment that follows ("… Based on feedback")."""
    found = people(CORPUS / "archive" / "reports" / "Remy-2016-1038.pdf")
    assert {"Damien Cazalet", "Boris Lesjean", "Christian Loderer"} <= set(found)
    assert not any(name.endswith("Based") for name in found)


@pytest.mark.corpus
def test_contacts_of_the_hand_checked_reports_are_found_and_right():
    """Over ../shared/eval/partners_gold.json, at least 80% of the contacts are found and 90% of those listed right."""
    gold_path = CORPUS.parent / "eval" / "partners_gold.json"
    if not gold_path.exists():
        pytest.skip("partners_gold.json is not available")
    from benchmarks.understanding_people import _script

    same = _script("score_partners").same
    core = found = listed = right = 0
    for name, gold in json.loads(gold_path.read_text(encoding="utf-8")).items():
        names = [c.name for c in extract(list(pages_of(CORPUS / "reports" / name)))[1]]
        wanted = [c for c in gold["contacts"] if not c.get("borderline") and not c.get("image_only")]
        core += len(wanted)
        found += sum(any(same(n, c["name"]) for n in names) for c in wanted)
        listed += len(names)
        right += sum(any(same(n, c["name"]) for c in gold["contacts"]) for n in names)
    assert found / core >= 0.8 and right / listed >= 0.9, (found, core, right, listed)
