"""kb reanalyse: stored reports are read again with today's extraction, in place, keeping what people corrected."""

from __future__ import annotations

import tarfile

import pytest

from ingest.reanalyse import reanalyse
from kb.library import collections as paths
from kb.store.writer import Store
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "datadir-92d6426.tar.gz"  # made by fixtures/make_datadir_92d6426.py


@pytest.fixture
def old_store(settings, embedder):
    """A data directory written by commit 92d6426, upgraded, its vector index rebuilt."""
    settings.data_dir.mkdir(parents=True)
    with tarfile.open(FIXTURE) as archive:
        archive.extractall(settings.data_dir, filter="data")
    with Store.open(settings, embedder) as store:
        store.reconcile()
        yield store


def test_a_reviewed_report_keeps_its_corrections_and_others_are_read_anew(old_store):
    """The reviewed upload keeps its title and the section chosen by hand; the samples get today's titles."""
    before = {r.id: r for r in old_store.catalog.reports()}
    summary = reanalyse(old_store)
    assert [o.status for o in summary.outcomes] == ["reread"] * 5, summary.line()
    after = {r.id: r for r in old_store.catalog.reports()}
    assert after[5].meta.title == "Gröna skolgårdar (granskad)" == before[5].meta.title
    assert old_store.catalog.chunks_of(5)[0].section == "recommendations"
    assert after[5].status == before[5].status and after[5].uploaded_by == "test-editor"
    assert all(after[rid].meta.title_confidence is not None for rid in (1, 2, 3, 4))  # read by today's title finder


def test_collections_still_reach_their_passages_and_only_changed_text_is_embedded(old_store):
    """A collection's passage item follows its passage; a second re-reading embeds nothing."""
    collection = paths.all_collections(old_store.catalog)[0]
    first = reanalyse(old_store)
    assert sum(o.embedded for o in first.outcomes) < sum(o.passages for o in first.outcomes)
    items = paths.get(old_store.catalog, collection.id).items
    assert [i.available for i in items] == [True, True]
    again = reanalyse(old_store)
    assert sum(o.embedded for o in again.outcomes) == 0
    wanted = {cid for ids in old_store.catalog.chunk_ids_by_report().values() for cid in ids}
    assert wanted == set(old_store.index.iter_ids())


def test_a_redacted_original_is_not_read_again(old_store):
    """After an erasure painted pages of an original over, re-reading it would lose them: it is skipped, said why."""
    old_store.catalog.set_original(2, "redacted")
    outcome = {o.report_id: o for o in reanalyse(old_store).outcomes}[2]
    assert outcome.status == "skipped" and "redacted" in outcome.reason
