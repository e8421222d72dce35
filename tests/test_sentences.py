"""The sentences that answer a question: a snippet per lesson and a short answer drawn from several reports."""

from __future__ import annotations

from kb.models import Filters, Hit
from kb.search.results import search_results
from kb.search.sentences import answer, question_terms, snippet, split_sentences

BUSES = "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?"
FILLER = "The steering group met every quarter in one of the partner cities to follow the work plan. "


def test_sentences_keep_their_offsets_in_the_passage():
    """Each sentence's offsets cut it out of the passage as it is."""
    text = "Depot charging was cheaper. It needed a larger grid connection!\n• Drivers asked for training."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Depot charging was cheaper.",
        "It needed a larger grid connection!",
        "• Drivers asked for training.",
    ]
    assert all(text[s.start : s.end].strip() == s.text for s in sentences)


def test_a_long_passage_is_cut_to_the_sentences_holding_the_questions_words():
    """The snippet of a long passage is its sentence about the question, not its first lines."""
    key = "Joint procurement of electric buses with two neighbouring towns halved the tender costs."
    text = FILLER * 5 + key + " " + FILLER * 5
    start, end = snippet(text, question_terms("joint procurement of electric buses", "en", []), "en")
    assert text[start:end].strip() == key


def test_the_answer_takes_one_statement_per_report_and_never_a_reference_list(reader):
    """Over the sample reports the answer's sentences come from different reports, the first from the best one,
    and a passage classed as references is never used."""
    result = reader.searcher.run(BUSES, k=10)
    terms = question_terms(BUSES, result.lang, result.terms)
    said = answer(result.hits, terms, result.lang)
    assert said and len({s["report_id"] for s in said}) == len(said)
    assert said[0]["report_id"] == result.hits[0].report_id and "bus" in said[0]["text"].lower()
    as_references = [Hit(**{**h.__dict__, "section": "references"}) for h in result.hits]
    assert answer(as_references, terms, result.lang) == []


def test_no_answer_is_made_up_when_nothing_matches(reader):
    """A question the reports do not touch gets no answer sentences, only the weak signal."""
    question = "Hur prioriterar andra kommuner snöröjning på cykelvägar?"
    view = search_results(reader.searcher, reader.catalog, question, Filters())
    assert view["weak"] and view["answer"] == []
