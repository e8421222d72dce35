"""Partners and contacts extracted from report text, scored against hand-written expectations."""

from __future__ import annotations

import json

import pytest

from benchmarks.partners import EXPECTED_FILE, source
from benchmarks.partners import score as score_extraction
from ingest.partners import country_in

EXPECTED = json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))


def score(key: str, settings) -> dict[str, tuple[int, int, int]]:
    path = source(key)
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return score_extraction(path, EXPECTED[key], settings)


@pytest.mark.parametrize("key", [k for k in EXPECTED if k.startswith("samples/")])
def test_sample_partners_and_contacts_are_extracted_exactly(key, settings):
    """Our samples' labelled partner lines and contact lines come out complete and clean."""
    figures = score(key, settings)
    for kind in ("partners", "contacts"):
        hit, found, wanted = figures[kind]
        assert hit == found == wanted, (kind, figures)


@pytest.mark.corpus
def test_enrem_contact_person_is_found(settings):
    """The ENREM report's contact person comes out with his e-mail address."""
    hit, _, wanted = score("corpus/en_LIFE_ENREM_LIFE04-ENV-D-058_Technical-interim-report_2006.pdf", settings)[
        "contacts"
    ]
    assert hit == wanted


@pytest.mark.corpus
def test_opendreamkit_beneficiaries_with_countries(settings):
    """Most OpenDreamKit beneficiaries come out of the wrapped table with their countries, and little else."""
    hit, found, wanted = score("corpus/en_H2020_OpenDreamKit_GA-Annex1-Description-of-Action_2018.pdf", settings)[
        "partners"
    ]
    assert hit / wanted >= 0.8 and hit / found >= 0.8


@pytest.mark.parametrize(("text", "code"), [("Partner (Sverige)", "SE"), ("Berlin, Germany", "DE"), ("Tyskland", "DE")])
def test_countries_in_english_and_swedish(text, code):
    """Country names are recognised in both languages."""
    assert country_in(text) == code


def test_partners_and_contacts_are_stored_and_shown(store, tmp_path):
    """Ingesting keeps extracted partners and contacts with their pages in the catalog."""
    from ingest.pipeline import ingest_paths
    from tests.conftest import copy_samples

    ingest_paths([copy_samples(tmp_path / "in", "example_greenfleet_final_report_en.pdf")], store.settings, store=store)
    report = store.catalog.reports()[0]
    partners = store.catalog.partners_of(report.id)
    assert partners[0].role == "lead partner" and partners[0].name == "Norrvik municipality"
    contact = store.catalog.contacts_of(report.id)[0]
    assert (contact.name, contact.phone, contact.page) == ("Anna Lindqvist", "+46 13 555 01 23", 5)
