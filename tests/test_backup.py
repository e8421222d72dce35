"""Backups taken while the knowledge base is open restore to identical search results."""

from __future__ import annotations

import pytest

from ingest.pipeline import ingest_paths
from kb.catalog.backup import backup, restore_files
from kb.errors import KBError
from kb.search.reader import open_reader
from kb.settings import Settings
from kb.store.writer import Store
from tests.conftest import MODEL_CACHE, SAMPLES

QUESTIONS = ("Vilka erfarenheter finns av att köpa elbussar tillsammans?", "läkemedelsrester i avloppsvatten")


def _results(settings, embedder):
    with open_reader(settings, embedder) as reader:
        return [[(h.chunk_id, round(h.score, 4)) for h in reader.searcher.search(q, k=5)] for q in QUESTIONS]


def test_backup_while_open_restores_identical_search(tmp_path, embedder):
    """A backup taken with the writer open restores into an empty directory with the same answers."""
    original = Settings(data_dir=tmp_path / "a", model_cache=MODEL_CACHE)
    with Store.open(original, embedder) as store:
        ingest_paths([SAMPLES], original, store=store)
        manifest = backup(original, tmp_path / "backup")  # the writer still holds the data directory
    assert manifest["counts"]["reports"] == 4 and len(manifest["files"]) == 4
    restored = Settings(data_dir=tmp_path / "b", model_cache=MODEL_CACHE)
    restore_files(tmp_path / "backup", restored)
    with Store.open(restored, embedder, check_model=False) as store:
        store.reindex()
        assert store.catalog.integrity_check() == "ok"
    assert _results(restored, embedder) == _results(original, embedder)


def test_restore_refuses_a_non_empty_directory_and_a_damaged_backup(tmp_path, embedder):
    """Restoring never overwrites a catalog, and a tampered backup is refused."""
    settings = Settings(data_dir=tmp_path / "a", model_cache=MODEL_CACHE)
    with Store.open(settings, embedder) as store:
        ingest_paths([SAMPLES / "example_aquaclean_final_report_en.pdf"], settings, store=store)
    backup(settings, tmp_path / "backup")
    with pytest.raises(KBError, match="already holds a catalog"):
        restore_files(tmp_path / "backup", settings)
    pdf = next((tmp_path / "backup" / "files").iterdir())
    pdf.write_bytes(pdf.read_bytes() + b"tampered")
    with pytest.raises(KBError, match="damaged"):
        restore_files(tmp_path / "backup", Settings(data_dir=tmp_path / "c"))
