"""Search across Swedish and English over the sample reports."""

from __future__ import annotations

import numpy as np


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


def test_a_query_with_no_good_match_says_so(reader):
    """A question the reports do not touch is flagged instead of answered with noise."""
    result = reader.searcher.run("Hur prioriterar andra kommuner snöröjning på cykelvägar?", k=5)
    assert result.weak
    assert not reader.searcher.run("läkemedelsrester i avloppsvatten", k=5).weak
    assert not reader.searcher.run("elbussar", k=5).weak  # a word or two is not judged by sentence scores


def test_filters_apply_before_ranking(reader):
    """Filtering by language or section returns only matching passages, still ranked."""
    from kb.models import Filters

    swedish = reader.searcher.search("lessons about procurement", k=5, filters=Filters(lang="sv"))
    assert swedish and all(h.lang == "sv" for h in swedish)
    lessons = reader.searcher.search("upphandling", k=5, filters=Filters(section="lessons"))
    assert lessons and all(h.section == "lessons" for h in lessons)


def test_programme_and_year_filters(reader):
    """Programme and year narrow the reports searched."""
    from kb.models import Filters

    hits = reader.searcher.search("lärdomar", k=10, filters=Filters(programme="LIFE"))
    assert {h.file for h in hits} == {"example_aquaclean_final_report_en.pdf"}
    assert reader.searcher.search("lärdomar", k=10, filters=Filters(year=1990)) == []


def test_results_group_by_report_best_first(reader):
    """Grouping keeps each report's passages together, in the order of its best passage."""
    from kb.search import group_by_report

    hits = reader.searcher.search("elbussar upphandling laddning vinter", k=8)
    groups = group_by_report(hits)
    assert groups[0].file == "example_greenfleet_final_report_en.pdf"
    assert sum(len(g.hits) for g in groups) == len(hits)
    assert len({g.report_id for g in groups}) == len(groups)


def test_an_acronym_alone_finds_its_report(reader):
    """A query that is just a project acronym finds that project's report first."""
    assert reader.searcher.search("ByaFiber", k=3)[0].file == "exempel_bredband_landsbygd_slutrapport_sv.pdf"
    assert reader.searcher.search("AquaClean", k=3)[0].file == "example_aquaclean_final_report_en.pdf"


def test_near_duplicates_are_collapsed():
    """Two passages with nearly the same words: only the first is kept."""
    from kb.models import Hit
    from kb.search import drop_near_duplicates

    def hit(cid: str, text: str) -> Hit:
        return Hit(cid, 1, "f.pdf", "t", 1, 1, "lessons", "en", text, 1.0)

    text = "Start the dialogue with the grid operator at the same time as the procurement starts."
    kept = drop_near_duplicates([hit("a", text), hit("b", text + " Really."), hit("c", "Something else.")], 0.85)
    assert [h.chunk_id for h in kept] == ["a", "c"]


def test_a_passage_repeating_shown_pages_yields_to_a_new_page():
    """Ranked a, b, c, d: b only repeats page 3 of report 1 (shown by a), so c and d (new pages) come first."""
    from kb.models import Chunk, Report, ReportMeta
    from kb.search import new_pages_first

    def row(cid: str, report_id: int, first: int, last: int):
        chunk = Chunk(cid, 0, first, last, "lessons", "", "en", "text")
        return chunk, Report(report_id, "sha", "f.pdf", ReportMeta(), 9, "en", "now")

    rows = {"a": row("a", 1, 3, 4), "b": row("b", 1, 3, 3), "c": row("c", 2, 3, 3), "d": row("d", 1, 4, 5)}
    assert new_pages_first(["a", "b", "c", "d"], rows) == ["a", "c", "d", "b"]


def test_a_swedish_querys_own_words_are_scored_only_where_they_count(reader, monkeypatch):
    """A Swedish query's own keyword evidence is weighed for Swedish register entries only: among
    report passages it is not worked out at all, while the English words it carries over are."""
    scored = []
    original = reader.searcher.catalog.keyword_search

    def recording(stems, exact, k, **kwargs):
        found = original(stems, exact, k, **kwargs)
        scored.append((kwargs.get("lang"), kwargs.get("among"), len(found)))
        return found

    monkeypatch.setattr(reader.searcher.catalog, "keyword_search", recording)
    result = reader.searcher.run("Hur minskar vi läkemedelsrester i avloppsvatten?")
    assert result.hits[0].file == "example_aquaclean_final_report_en.pdf"
    assert "läkemedelsrest" in result.terms  # still marked in the passages shown
    (own_lang, own_among, _), (carried_lang, carried_among, carried_found) = scored
    assert own_lang is None and own_among == []  # nothing to score: not read at all
    assert carried_lang == "en" and len(carried_among) > 0 and carried_found > 0


def test_a_query_carries_its_words_over_the_same_way_whatever_was_asked_before(reader, monkeypatch):
    """Words shared with an earlier question are not embedded again, and a word's vector does not depend
    on the words embedded beside it: asking a question again, after another sharing some of its words,
    looks up the same English words."""
    searcher = reader.searcher
    seen, embedded = [], []
    translate, words = searcher.lexicon.translate, searcher.embedder.words

    def recording(vectors, *args):
        seen.append(vectors)
        return translate(vectors, *args)

    def embedding(batch, *args, **kwargs):
        embedded.append(list(batch))
        return words(batch, *args, **kwargs)

    monkeypatch.setattr(searcher.lexicon, "translate", recording)
    monkeypatch.setattr(searcher.embedder, "words", embedding)
    question = "Hur tar man bort läkemedelsrester i avloppsvatten med ozonering?"
    searcher.forget_word_vectors()
    first = searcher.run(question)
    searcher.forget_word_vectors()
    searcher.run("Ozonering mot läkemedelsrester i kommunala reningsverk")
    again = searcher.run(question)
    assert embedded[2] == ["avloppsvatten", "bort"]  # the other two were embedded with the second question
    assert np.allclose(seen[0], seen[2], atol=1e-6)
    assert again.terms == first.terms


def test_drafts_near_a_query_take_no_published_passage_s_place(indexed_settings, embedder, tmp_path, monkeypatch):
    """Fifteen unreviewed copies of the bus report's passages sit nearest the bus question: every published
    passage the search returned before is still returned, a few drafts fetched beyond the candidates or
    many filtered out in the index, and no draft is shown."""
    import shutil
    from dataclasses import replace

    from kb import search
    from kb.search import Searcher
    from kb.store import Store

    data = tmp_path / "data"
    shutil.copytree(indexed_settings.data_dir, data, ignore=shutil.ignore_patterns("writer.lock"))
    question = "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?"
    with Store.open(replace(indexed_settings, data_dir=data), embedder) as store:

        def published_hits() -> set[str]:
            hits = Searcher(store.catalog, store.index, store.embedder, lexicon=store.lexicon).search(question, k=200)
            return {h.chunk_id for h in hits}

        before = published_hits()
        bus = next(r for r in store.catalog.reports() if r.filename == "example_greenfleet_final_report_en.pdf")
        chunks = store.catalog.chunks_of(bus.id)
        vectors = store.index.vectors([c.id for c in chunks])
        for copy in range(15):
            copies = [replace(c, id=f"draft{copy:02d}{c.id[7:]}") for c in chunks]
            store.add_report(
                source=None,
                sha256=f"{copy:064d}",
                filename=f"draft-{copy}.pdf",
                meta=bus.meta,
                pages=bus.pages,
                lang=bus.lang,
                chunks=copies,
                status="draft",
                vectors=np.stack([vectors[c.id] for c in chunks]),
            )
        assert 15 * len(chunks) > search.SearchOptions().candidates  # more drafts than candidates
        assert published_hits() == before
        monkeypatch.setattr(search, "MAX_DRAFT_OVERFETCH", 0)  # as with more drafts than are fetched beyond
        assert published_hits() == before
