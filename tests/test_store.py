"""Storing reports: idempotent ingest, clean deletes, a rebuildable index, one writer."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from ingest.pipeline import ingest_paths
from kb.catalog.lock import WriterLock
from kb.errors import WriterBusyError
from kb.store.writer import Store
from tests.conftest import SAMPLES, copy_samples, sample
from tests.pdfs import textless_pdf

GREENFLEET = "example_greenfleet_final_report_en.pdf"
AQUACLEAN = "example_aquaclean_final_report_en.pdf"


def _agree(store: Store) -> bool:
    wanted = {cid for ids in store.catalog.chunk_ids_by_report().values() for cid in ids}
    return wanted == set(store.index.iter_ids())


def test_ingesting_the_same_file_twice_adds_nothing(store, tmp_path):
    """Re-ingesting is safe: the content hash recognises the report."""
    folder = copy_samples(tmp_path / "in", GREENFLEET)
    first = ingest_paths([folder], store.settings, store=store)
    second = ingest_paths([folder], store.settings, store=store)
    assert first.count("added") == 1 and second.count("unchanged") == 1
    assert store.catalog.stats()["reports"] == 1
    assert store.index.count() == store.catalog.stats()["chunks"]


def test_replace_reingests_a_changed_report_under_the_same_name(store, tmp_path):
    """--replace swaps a changed file's older version for the new one, leaving no old chunks behind."""
    folder = copy_samples(tmp_path / "in", GREENFLEET)
    ingest_paths([folder], store.settings, store=store)
    (folder / GREENFLEET).write_bytes(sample(AQUACLEAN).read_bytes())
    summary = ingest_paths([folder], store.settings, store=store, replace=True)
    assert summary.count("replaced") == 1
    reports = store.catalog.reports()
    assert len(reports) == 1 and reports[0].meta.acronym == "AquaClean"
    assert _agree(store)


def test_delete_leaves_no_orphans(store, tmp_path):
    """Deleting a report removes its rows, chunks, vectors and original file, and nothing else."""
    ingest_paths([copy_samples(tmp_path / "in", GREENFLEET, AQUACLEAN)], store.settings, store=store)
    victim, survivor = store.catalog.reports()
    store.delete_report(victim.id)
    assert [r.id for r in store.catalog.reports()] == [survivor.id]
    assert store.index.count() == survivor.chunk_count
    assert _agree(store)
    assert not store.original_path(victim.sha256).exists()
    assert store.original_path(survivor.sha256).exists()


def test_reindex_rebuilds_the_same_index(store, tmp_path):
    """The index is derived data: rebuilding it from the catalog gives the same ids and vectors."""
    ingest_paths([copy_samples(tmp_path / "in", GREENFLEET)], store.settings, store=store)
    ids = sorted(store.index.iter_ids())
    before = store.index.vectors(ids)
    store.reindex()
    after = store.index.vectors(ids)
    assert sorted(store.index.iter_ids()) == ids
    assert all(np.allclose(before[i], after[i], atol=1e-5) for i in ids)


def test_reconcile_repairs_a_disagreeing_index(store, tmp_path):
    """Vectors without chunks are removed and missing vectors restored."""
    ingest_paths([copy_samples(tmp_path / "in", GREENFLEET)], store.settings, store=store)
    ids = sorted(store.index.iter_ids())
    store.index.delete(ids[:2])
    store.index.add(["stray-00001"], np.ones((1, 384), dtype=np.float32) / np.sqrt(384), [{"report_id": 999}])
    result = store.reconcile()
    assert (result.removed_vectors, result.restored_vectors) == (1, 2)
    assert _agree(store)


def test_a_bad_pdf_is_skipped_with_its_reason(store, tmp_path):
    """A text-less PDF is named in the summary and does not stop the batch."""
    folder = copy_samples(tmp_path / "in", GREENFLEET)
    textless_pdf(folder / "scan.pdf")
    summary = ingest_paths([folder], store.settings, store=store)
    assert summary.count("added") == 1
    assert [(o.file.name, o.reason) for o in summary.rejected] == [("scan.pdf", "no text layer")]
    assert summary.line().endswith("1 skipped: scan.pdf (no text layer)")


def test_a_second_writer_fails_at_once(settings):
    """Only one process may write to a data directory; the second is told who holds it."""
    with WriterLock(settings.lock_path):
        done = subprocess.run(
            [sys.executable, "-m", "kbcli", "--data-dir", str(settings.data_dir), "ingest", str(SAMPLES)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    assert "Another process" in done.stderr and "Traceback" not in done.stderr


def test_the_lock_is_exclusive_within_a_process(settings):
    """Even a second open in the same process is refused."""
    with WriterLock(settings.lock_path), pytest.raises(WriterBusyError):
        WriterLock(settings.lock_path).acquire()


def test_catalog_passes_integrity_check(store, tmp_path):
    """The catalog is a sound SQLite database after ingesting."""
    ingest_paths([copy_samples(tmp_path / "in", GREENFLEET)], store.settings, store=store)
    assert store.catalog.integrity_check() == "ok"
