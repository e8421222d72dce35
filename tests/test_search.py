"""Search across Swedish and English over the sample reports."""

from __future__ import annotations


def test_swedish_question_finds_the_english_lesson(reader):
    """Asked in Swedish about buying electric buses together, the English GreenFleet passage ranks first."""
    hits = reader.searcher.search("Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?", k=5)
    assert hits[0].file == "example_greenfleet_final_report_en.pdf"
    assert hits[0].page_start == 4


def test_swedish_question_on_pharmaceuticals_finds_aquaclean(reader):
    """A Swedish question on pharmaceutical residues in wastewater finds the English AquaClean report first."""
    hits = reader.searcher.search("Hur minskar vi läkemedelsrester i avloppsvatten?", k=5)
    assert hits[0].file == "example_aquaclean_final_report_en.pdf"


def test_english_question_finds_the_swedish_lesson(reader):
    """Cross-language works the other way too: English about rural fibre finds the Swedish report."""
    hits = reader.searcher.search("What did municipalities learn about supporting village fibre associations?", k=3)
    assert hits[0].file == "exempel_bredband_landsbygd_slutrapport_sv.pdf"


def test_hits_carry_report_and_pages(reader):
    """Every hit names its report, file, pages, section and language."""
    hit = reader.searcher.search("digital kompetens i hemtjänsten", k=1)[0]
    assert hit.title == "Digitalt stöd i hemtjänsten - slutrapport"
    assert hit.page_start <= hit.page_end
    assert set(hit.as_json()) == {
        "chunk_id",
        "report_id",
        "file",
        "title",
        "page_start",
        "page_end",
        "section",
        "lang",
        "text",
        "score",
    }


def test_empty_query_returns_nothing(reader):
    """Whitespace is not a question."""
    assert reader.searcher.search("   ") == []
