"""The metrics follow ../shared/eval/README.md to the letter."""

from __future__ import annotations

import math

import pytest

from kb.errors import KBError
from kb.search.evaluation import Query, Ranked, evaluate_queries, half_of, load_queries, project_scores, scores
from tests.conftest import CORPUS, ROOT, SHARED

QUERY = Query("q", "sv", "lesson", "?", {"a.pdf": frozenset({3, 4}), "b.pdf": frozenset({7})})


def test_a_passage_is_relevant_when_its_page_span_meets_a_judged_page():
    """A passage spanning pages 2-3 of a.pdf meets judged page 3."""
    assert scores(QUERY, [Ranked("a.pdf", 2, 3)])["success@1"] == 1.0
    assert scores(QUERY, [Ranked("a.pdf", 5, 6)])["success@1"] == 0.0


def test_the_same_page_earns_no_double_credit():
    """A second passage on an already covered page gains nothing in nDCG."""
    once = scores(QUERY, [Ranked("a.pdf", 3, 3), Ranked("x.pdf", 1, 1)])["ndcg@10"]
    twice = scores(QUERY, [Ranked("a.pdf", 3, 3), Ranked("a.pdf", 3, 3)])["ndcg@10"]
    assert once == twice
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert once == pytest.approx(1 / ideal)


def test_one_passage_covering_two_judged_pages_gains_once():
    """Gain is 1 per passage, and both pages it covers count as covered."""
    figures = scores(QUERY, [Ranked("a.pdf", 3, 4), Ranked("a.pdf", 4, 4), Ranked("b.pdf", 7, 7)])
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert figures["ndcg@10"] == pytest.approx((1 + 0 + 1 / math.log2(4)) / ideal)


def test_mrr_uses_the_first_relevant_rank():
    """MRR@10 is 1/rank of the first relevant passage."""
    ranking = [Ranked("x.pdf", 1, 1), Ranked("x.pdf", 2, 2), Ranked("b.pdf", 7, 7)]
    assert scores(QUERY, ranking)["mrr@10"] == pytest.approx(1 / 3)
    assert scores(QUERY, ranking)["success@5"] == 1.0


def test_register_queries_count_each_project_once():
    """Register projects are scored at their first rank, gain 1 per relevant project."""
    query = Query("r", "sv", "register", "?", {}, ("projektbanken:1", "projektbanken:2"))
    ranking = [Ranked("", 0, 0, project=p) for p in ("projektbanken:9", "projektbanken:1", "projektbanken:1")]
    figures = project_scores(query, ranking)
    assert figures["mrr@10"] == 0.5
    assert figures["ndcg@10"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))


def test_the_shared_query_file_loads():
    """The judged queries in ../shared/eval parse, with file names reduced to the base name."""
    path = SHARED / "eval" / "queries.jsonl"
    if not path.exists():
        pytest.skip("../shared/eval is not available")
    queries = load_queries(path)
    assert len(queries) >= 50
    assert all("/" not in f for q in queries for f in q.relevant)


def test_the_archive_query_file_judges_archive_reports():
    """eval/archive_queries.jsonl parses, negatives judge nothing, and judged files are reports of the archive."""
    queries = load_queries(ROOT / "eval" / "archive_queries.jsonl")
    assert all(bool(q.relevant) == (q.kind != "negative") for q in queries)
    archive = CORPUS / "archive" / "reports"
    if not archive.is_dir():
        pytest.skip("../shared/corpus/archive is not available")
    assert {f for q in queries for f in q.relevant} <= {p.name for p in archive.glob("*.pdf")}


def test_odd_ids_tune_and_even_ids_check():
    """The split goes by the id's number: d001 and a017 tune, d002 and q10 check."""
    assert [half_of(i) for i in ("d001", "a017", "d002", "q10")] == ["tuning", "tuning", "checking", "checking"]


def test_an_id_without_a_number_has_no_half():
    """An id the split cannot place is a clear error, not a silent guess."""
    with pytest.raises(KBError, match="no number"):
        half_of("intro")


PAGE_ONE = frozenset({1})
SAMPLE_QUERIES = [
    Query("s1", "en", "lesson", "electric bus procurement", {"example_greenfleet_final_report_en.pdf": PAGE_ONE}),
    Query("s2", "sv", "lesson", "bredband på landsbygden", {"exempel_bredband_landsbygd_slutrapport_sv.pdf": PAGE_ONE}),
    Query(
        "s3", "sv", "lesson", "stöd i hemtjänsten", {"exempel_digitalt_stod_hemtjansten_slutrapport_sv.pdf": PAGE_ONE}
    ),
    Query("s4", "en", "negative", "How did other cities organise their snow clearing on cycle paths?", {}),
]


def test_each_half_is_scored_as_its_queries_alone(reader):
    """The tuning half's figures are those of the odd-numbered queries evaluated on their own."""
    split = evaluate_queries(reader.searcher, SAMPLE_QUERIES, split=True).figures
    odd = evaluate_queries(reader.searcher, [q for q in SAMPLE_QUERIES if half_of(q.id) == "tuning"]).figures
    even = evaluate_queries(reader.searcher, [q for q in SAMPLE_QUERIES if half_of(q.id) == "checking"]).figures
    assert split["halves"] == {"tuning": odd, "checking": even}
