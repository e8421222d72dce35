"""Partner organisations read from a report (ingest.organisations) and what the directory takes for one."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.organisations import acronyms, split_affiliation
from ingest.partners import extract
from kb.directory.names import looks_like_organisation
from tests.conftest import CORPUS
from tests.test_report_people import pages_of

REPORTS = CORPUS / "reports"


def test_an_acronym_is_joined_to_the_name_the_report_spells_out():
    """ "Berlin Centre of Competence for Water (KWB)" and "SYKE – Finnish Environment Institute" define acronyms."""
    found = acronyms(["7 Berlin Centre of Competence for Water (KWB), Germany", "SYKE – Finnish Environment Institute"])
    assert found["KWB"] == "Berlin Centre of Competence for Water"
    assert found["SYKE"] == "Finnish Environment Institute"


def test_an_affiliation_drops_the_role_and_keeps_the_acronym():
    """ "GoA 5.2 – lead; KU - Kalundborg Utility" is Kalundborg Utility, short name KU."""
    assert split_affiliation("GoA 5.2 – lead; KU - Kalundborg Utility") == [("Kalundborg Utility", "KU")]


@pytest.mark.parametrize(
    "text",
    [
        "KWB Phone: +49 30 53653 808",
        "Reports of the Finnish Environment Institute 34/2020 2.6",
        "Ecoinvent (2010). Ecoinvent data v2.2, ecoinvent reports No. 1-26",
        "konsult Digg",
        "Foundation",
    ],
)
def test_phone_numbers_report_series_and_citations_are_no_organisations(text):
    """What report lines yield besides names (a phone number, a series, a citation) is not an organisation."""
    assert not looks_like_organisation(text)


@pytest.mark.parametrize("text", ["KWB", "B&SU", "sketis.net", "E-hälsomyndigheten", "Amphos 21 Consulting SL"])
def test_short_and_unusual_names_are_organisations(text):
    """Acronyms, a company's domain name and names with digits stay organisations."""
    assert looks_like_organisation(text)


def partners(name: str) -> dict:
    return {p.name: p for p in extract(list(pages_of(REPORTS / name)))[0]}


@pytest.mark.corpus
def test_the_cover_list_of_cooperating_partners_is_read_and_funders_are_not():
    """The CWPharma recommendations name eight partners on the cover; the financier line adds none."""
    name = (
        "sv-en_Interreg-BSR_CWPharma_Recommendations-dissemination-pharmaceuticals_LansstyrelsenOstergotland_2020.pdf"
    )
    found = partners(name)
    assert {"Finnish Medicines Agency", "Kalundborg Utility", "Estonian Waterworks Association"} <= set(found)
    assert found["Berlin Centre of Competence for Water"].acronym == "KWB"
    assert not any("European Union" in n or "Interreg" in n for n in found)


@pytest.mark.corpus
def test_meeting_notes_give_the_participants_organisations():
    """The reference group's notes list each participant's organisation before their names."""
    found = partners("sv_DIGG_Motesanteckningar-referensgrupp-bestandiga-identifierare-mote3_2023.pdf")
    assert {"Lantmäteriet", "SND", "Vetenskapsrådet", "E-hälsomyndigheten", "Naturvårdsverket"} <= set(found)


@pytest.mark.corpus
def test_a_periodic_report_names_its_beneficiaries_by_their_use_of_resources():
    """ "UPSud used 102% of its budget", "UGA declared 97% of its PMs": beneficiaries of OpenDreamKit."""
    found = partners("en_H2020_OpenDreamKit_Periodic-Technical-Report-RP3-final-period_2019.pdf")
    assert {"UPSud", "UGA", "UNIKL", "Logilab", "Simula"} <= set(found)


@pytest.mark.corpus
def test_beneficiary_table_keeps_the_short_name_as_acronym():
    """OpenDreamKit's beneficiary table gives full name, short name and country; the short name is kept."""
    found = partners("en_H2020_OpenDreamKit_GA-Annex1-Description-of-Action_2018.pdf")
    assert found["UNIVERSITE PARIS-SUD"].acronym == "UPSud"
    assert found["UNIVERSITE PARIS-SUD"].country == "FR"


def test_reading_needs_no_file_beyond_the_pages(tmp_path: Path):
    """Organisations come from page texts alone: no network, no model, nothing written."""
    assert extract(["Lead partner: Ådalen Water Utility (Sweden)."])[0][0].name == "Ådalen Water Utility"
    assert not any(tmp_path.iterdir())
