"""Real EU reports from ../shared/corpus (skipped when it is absent)."""

from __future__ import annotations

import shutil

import pytest

from ingest.pipeline import ingest_paths
from kb.search.reader import open_reader
from kb.store.writer import Store

pytestmark = pytest.mark.corpus
CWPHARMA = (
    "en_Interreg-BSR_CWPharma_Joint-conclusions-API-emission-reductions_2020.pdf",
    "sv-en_Interreg-BSR_CWPharma_Recommendations-dissemination-pharmaceuticals_LansstyrelsenOstergotland_2020.pdf",
    "en_LIFE_ENREM_LIFE04-ENV-D-058_Technical-interim-report_2006.pdf",
    "sv_DIGG_Motesanteckningar-referensgrupp-bestandiga-identifierare-mote1_2023.pdf",
)


@pytest.fixture(scope="module")
def corpus_settings(tmp_path_factory, embedder):
    from kb.settings import Settings
    from tests.conftest import CORPUS, MODEL_CACHE

    folder = CORPUS / "reports"
    if not folder.is_dir():
        pytest.skip("../shared/corpus is not available")
    picked = tmp_path_factory.mktemp("corpus-in")
    for name in CWPHARMA:
        shutil.copy(folder / name, picked / name)
    settings = Settings(data_dir=tmp_path_factory.mktemp("corpus") / "data", model_cache=MODEL_CACHE)
    with Store.open(settings, embedder) as store:
        summary = ingest_paths([picked], settings, store=store)
    assert summary.count("added") == len(CWPHARMA), summary.line()
    return settings


def test_swedish_question_on_pharmaceutical_residues_finds_cwpharma(corpus_settings, embedder):
    """A Swedish question about reducing pharmaceutical residues in wastewater is answered by CWPharma first."""
    with open_reader(corpus_settings, embedder) as reader:
        hits = reader.searcher.search("Hur kan vi minska utsläppen av läkemedelsrester i avloppsvatten?", k=5)
    assert "CWPharma" in hits[0].file
    assert sum("CWPharma" in h.file for h in hits) >= 4


def test_real_reports_keep_metadata_and_pages(corpus_settings):
    """The LIFE report's budget, EU contribution and programme are read from its front page."""
    from kb.catalog.database import Catalog

    catalog = Catalog.open(corpus_settings)
    try:
        enrem = next(r for r in catalog.reports() if r.filename.startswith("en_LIFE_ENREM"))
        assert (enrem.meta.programme, enrem.meta.acronym) == ("LIFE", "ENREM")
        assert (enrem.meta.budget_total, enrem.meta.eu_funding, enrem.meta.currency) == (3417378, 562463, "EUR")
        assert enrem.pages == 41
        assert all(1 <= c.page_start <= c.page_end <= 41 for c in catalog.chunks_of(enrem.id))
    finally:
        catalog.close()


def test_a_swedish_report_is_swedish(corpus_settings):
    """DIGG's meeting notes are detected as Swedish, chunk by chunk."""
    from kb.catalog.database import Catalog

    catalog = Catalog.open(corpus_settings)
    try:
        notes = next(r for r in catalog.reports() if r.filename.startswith("sv_DIGG"))
        assert notes.lang == "sv"
    finally:
        catalog.close()
