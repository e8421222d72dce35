"""A data directory written by an earlier main opens with today's code and is upgraded, losing nothing."""

from __future__ import annotations

import sqlite3
import tarfile
from dataclasses import replace

import pytest

from kb.catalog.database import Catalog
from kb.catalog.migrations import MIGRATIONS, schema_version
from kb.library import collections as paths
from kb.search.ranking import Searcher
from kb.store.writer import Store
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "datadir-92d6426.tar.gz"  # made by fixtures/make_datadir_92d6426.py


@pytest.fixture
def old_settings(settings):
    """The catalog and original PDFs of a data directory made by commit 92d6426 (no vector index: derived)."""
    settings.data_dir.mkdir(parents=True)
    with tarfile.open(FIXTURE) as archive:
        archive.extractall(settings.data_dir, filter="data")
    with sqlite3.connect(settings.catalog_path) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 4
        assert old.execute("SELECT 1 FROM sqlite_master WHERE name = 'uploaders'").fetchone()
    return settings


def test_an_old_catalog_is_migrated_and_keeps_its_reports_accounts_and_collections(old_settings):
    """Opening records every migration, moves the upload's owner onto its report, and keeps what was there."""
    with Catalog.open(old_settings) as catalog:
        reports = catalog.reports()
        assert len(reports) == 5 and sum(r.chunk_count for r in reports) > 29
        reviewed = catalog.report(5)
        assert (reviewed.meta.title, reviewed.uploaded_by) == ("Gröna skolgårdar (granskad)", "test-editor")
        assert catalog.chunks_of(5)[0].section == "recommendations"
        assert {a.name for a in catalog.accounts.all()} == {"test-reader", "test-editor", "test-admin"}
        assert catalog.accounts.verify("test-admin", "a long test password, never used outside tests")
        assert [c.name for c in paths.all_collections(catalog)] == ["EU-introduktion för nya medarbetare"]
        assert [e["action"] for e in catalog.audit_entries(3)] == ["upload", "publish", "review"]
    with sqlite3.connect(old_settings.catalog_path) as upgraded:
        applied = [r[0] for r in upgraded.execute("SELECT name FROM migrations ORDER BY rowid")]
        assert applied == [m.name for m in MIGRATIONS]
        assert upgraded.execute("PRAGMA user_version").fetchone()[0] == schema_version()
        assert not upgraded.execute("SELECT 1 FROM sqlite_master WHERE name = 'uploaders'").fetchone()


def test_an_old_data_directory_is_searchable_once_its_index_is_rebuilt(old_settings, embedder):
    """The vector index is derived: the store rebuilds it from the upgraded catalog, and search finds the lesson."""
    with Store.open(replace(old_settings), embedder) as store:
        assert store.reconcile().restored_vectors == sum(r.chunk_count for r in store.catalog.reports())
        hits = Searcher(store.catalog, store.index, embedder, lexicon=store.lexicon).search(
            "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?", k=3
        )
        assert hits[0].title == "GreenFleet BSR - Final report"
