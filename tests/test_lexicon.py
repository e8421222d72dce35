"""The lexicon carries a Swedish query's words over to the English words of the collection."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from ingest.pipeline import ingest_paths
from kb.search import word_lists
from kb.search.lexicon import MIN_PASSAGES, Lexicon, lexicon_words
from kb.search.reader import open_reader
from kb.store.writer import Store
from tests.conftest import copy_samples

ENGLISH_SAMPLES = ("example_greenfleet_final_report_en.pdf", "example_aquaclean_final_report_en.pdf")


def test_the_lexicon_holds_the_english_words_seen_in_several_passages(reader):
    lexicon = reader.searcher.lexicon
    english = [c.text for c in _chunks(reader) if c.lang == "en"]
    swedish_only = set().union(*(lexicon_words(c.text) for c in _chunks(reader) if c.lang == "sv"))
    swedish_only -= set().union(*(lexicon_words(t) for t in english))
    assert lexicon.usable
    for word in lexicon.words:
        assert sum(word in lexicon_words(t) for t in english) >= MIN_PASSAGES
    assert not swedish_only & set(lexicon.words)


def test_swedish_words_meet_their_english_neighbours(reader, embedder):
    words = ["läkemedelsrester", "kommuner", "ozonering"]
    nearest = reader.searcher.lexicon.translate(embedder.words(words), 3, 0.8)
    assert "pharmaceutical" in nearest[0]
    assert "municipalities" in nearest[1]
    assert "ozonation" in nearest[2]


def test_a_swedish_query_gets_english_keyword_terms(reader):
    result = reader.searcher.run("Hur tar man bort läkemedelsrester i avloppsvatten med ozonering?")
    assert "ozonation" in result.terms
    assert result.hits[0].file == "example_aquaclean_final_report_en.pdf"
    plain = reader.searcher.with_options(translate=False).run(result.query)
    assert "ozonation" not in plain.terms


def test_the_writer_keeps_the_lexicon_and_a_reader_follows_it(settings, embedder, tmp_path):
    first, second = (copy_samples(tmp_path / name, name) for name in ENGLISH_SAMPLES)
    with Store.open(settings, embedder) as store:
        ingest_paths([first], settings, store=store)
        with open_reader(settings, embedder) as reader:
            before = set(reader.searcher.lexicon.words)
            ingest_paths([second], settings, store=store)
            reader.searcher.run("läkemedelsrester i avloppsvatten")  # picks up the writer's new file
            after = set(reader.searcher.lexicon.words)
        assert before and after > before
        assert "wastewater" in after - before

        report = store.catalog.report_by_filename(ENGLISH_SAMPLES[1])
        counted = store.lexicon.counts["wastewater"]
        store.delete_report(report.id)
        assert store.lexicon.counts["wastewater"] < counted

        store.reindex()
        rebuilt = Lexicon.load(settings.lexicon_path, embedder.words_id)
        assert set(rebuilt.words) == before
        assert rebuilt.counts == store.lexicon.counts


def test_a_lexicon_rebuilt_from_the_catalog_equals_the_one_built_upload_by_upload(settings, embedder, tmp_path):
    """A restore or a reindex embeds all words again, in other batches than the uploads did."""
    with Store.open(settings, embedder) as store:
        for name in ENGLISH_SAMPLES:
            ingest_paths([copy_samples(tmp_path / name, name)], settings, store=store)
        built = dict(zip(store.lexicon.words, store.lexicon.vectors, strict=True))
        store.rebuild_lexicon()
        assert set(store.lexicon.words) == set(built)
        assert np.allclose(store.lexicon.vectors, [built[word] for word in store.lexicon.words], atol=1e-6)


def test_a_missing_lexicon_is_rebuilt_when_the_writer_opens(settings, embedder, tmp_path):
    with Store.open(settings, embedder) as store:
        ingest_paths([copy_samples(tmp_path / "in", *ENGLISH_SAMPLES)], settings, store=store)
        words = set(store.lexicon.words)
    settings.lexicon_path.unlink()
    with Store.open(settings, embedder) as store:
        assert set(store.lexicon.words) == words


def test_a_lexicon_of_other_word_vectors_is_embedded_again_when_the_writer_opens(settings, embedder, tmp_path):
    """Word vectors from another model (or the full-precision graph, before words went through the
    int8 one) would not meet the query words' vectors: the writer embeds the words again."""
    with Store.open(settings, embedder) as store:
        ingest_paths([copy_samples(tmp_path / "in", *ENGLISH_SAMPLES)], settings, store=store)
        words = set(store.lexicon.words)
        store.lexicon.model_id = embedder.index_id + "+words-other"
        store.lexicon.vectors = np.zeros_like(store.lexicon.vectors)
        store.lexicon.save()
    with Store.open(settings, embedder) as store:
        assert store.lexicon.model_id == embedder.words_id
        assert set(store.lexicon.words) == words
        assert np.allclose(store.lexicon.vectors, embedder.words(store.lexicon.words, batch_size=1), atol=1e-6)


def test_a_reader_says_when_the_lexicon_holds_other_word_vectors(settings, embedder, tmp_path):
    """Until a writer embeds them again, a reader (`kb search`) carries no Swedish word over, and says so."""
    with Store.open(settings, embedder) as store:
        ingest_paths([copy_samples(tmp_path / "in", *ENGLISH_SAMPLES)], settings, store=store)
        store.lexicon.model_id = embedder.index_id + "+words-other"
        store.lexicon.save()
        with open_reader(settings, embedder) as reader:
            assert any("lexicon" in warning for warning in reader.warnings)
            assert not reader.searcher.lexicon.usable
        store.lexicon.model_id = embedder.words_id
        store.lexicon.save()
        with open_reader(settings, embedder) as reader:
            assert not reader.warnings and reader.searcher.lexicon.usable


def _chunks(reader):
    return [chunk for _, chunk in reader.catalog.iter_chunks()]


def test_an_empty_lexicon_is_kept_so_the_next_open_does_not_rebuild(settings, embedder):
    with Store.open(settings, embedder) as store:
        assert not store.lexicon.usable
    assert Lexicon.load(settings.lexicon_path, embedder.words_id).loaded


def test_a_batch_writes_the_lexicon_once_at_its_end(settings, embedder, tmp_path):
    """Inside a batch the file (megabytes for a real corpus) is not rewritten after every report."""
    first, second = (copy_samples(tmp_path / name, name) for name in ENGLISH_SAMPLES)
    with Store.open(settings, embedder) as store:
        written = settings.lexicon_path.stat().st_mtime_ns
        with store.batch():
            ingest_paths([first], settings, store=store)
            ingest_paths([second], settings, store=store)
            assert settings.lexicon_path.stat().st_mtime_ns == written
            words = set(store.lexicon.words)
        assert settings.lexicon_path.stat().st_mtime_ns != written
    assert set(Lexicon.load(settings.lexicon_path, embedder.words_id).words) == words


def test_counts_left_behind_by_a_stopped_batch_are_redone_when_the_writer_opens(settings, embedder, tmp_path):
    """A batch killed before it saved leaves the file of an earlier state: the writer notices on open
    (the file's mark of the catalog's English passages differs) and counts again, keeping known vectors."""
    first, second = (copy_samples(tmp_path / name, name) for name in ENGLISH_SAMPLES)
    with Store.open(settings, embedder) as store:
        ingest_paths([first], settings, store=store)
    earlier = settings.lexicon_path.read_bytes()
    with Store.open(settings, embedder) as store:
        ingest_paths([second], settings, store=store)
        expected = Counter(store.lexicon.counts)
        words = set(store.lexicon.words)
    settings.lexicon_path.write_bytes(earlier)  # as if the second report's words were never saved
    assert Lexicon.load(settings.lexicon_path, embedder.words_id).counts != expected
    with Store.open(settings, embedder) as store:
        assert store.lexicon.counts == expected
        assert set(store.lexicon.words) == words
    assert Lexicon.load(settings.lexicon_path, embedder.words_id).counts == expected


def test_a_word_left_in_too_few_passages_leaves_the_lexicon(tmp_path, embedder):
    """Forgetting passages (a report deleted, a person erased) drops words now in fewer than two."""
    lexicon = Lexicon(tmp_path / "lexicon.npz", embedder.words_id)
    texts = ["Anna Lindqvist led the procurement.", "Lindqvist reported on the procurement.", "Other text."]
    lexicon.learn(texts, embedder.words)
    assert {"lindqvist", "procurement"} <= set(lexicon.words)
    lexicon.forget(texts[1:2])
    assert "lindqvist" not in lexicon.words and "procurement" not in lexicon.words
    assert len(lexicon.vectors) == len(lexicon.words)


def test_a_swedish_word_quoted_in_english_text_is_no_translation(tmp_path, embedder):
    """English passages quoting "läkemedel" do not make it the English for läkemedel: pharmaceuticals is."""
    if not word_lists.installed():
        pytest.skip(f"Debian's word lists are missing: apt-get install {word_lists.PACKAGES}")
    lexicon = Lexicon(tmp_path / "lexicon.npz", embedder.words_id)
    texts = ["Swedish läkemedel law covers pharmaceuticals and water.", "Läkemedel means pharmaceuticals in water."]
    lexicon.learn(texts, embedder.words)
    assert "läkemedel" in lexicon.words
    assert lexicon.translate(embedder.words(["läkemedel"]), 1, 0.0) == [["pharmaceuticals"]]


def _english_chunks(settings, embedder):
    with open_reader(settings, embedder) as reader:
        return [c for c in _chunks(reader) if c.lang == "en"]
