"""Ingestion reads the next files ahead while it embeds and stores earlier ones, in order."""

from __future__ import annotations

import shutil
from dataclasses import replace

from ingest.pipeline import ReadAhead, ingest_paths
from tests.conftest import copy_samples
from tests.pdfs import textless_pdf

GREENFLEET = "example_greenfleet_final_report_en.pdf"
AQUACLEAN = "example_aquaclean_final_report_en.pdf"


def test_outcomes_keep_the_files_order_and_reasons_with_files_read_ahead(store, tmp_path):
    """With two readers ahead, a bad file and a copy of a good one get the outcomes a one-by-one run gives."""
    folder = copy_samples(tmp_path / "in", GREENFLEET, AQUACLEAN)
    textless_pdf(folder / "b_scan.pdf")
    shutil.copy(folder / GREENFLEET, folder / "f_copy.pdf")
    settings = replace(store.settings, parse_workers=2)
    seen = []
    summary = ingest_paths([folder], settings, store=store, on_file=lambda o: seen.append(o.file.name))
    assert seen == ["b_scan.pdf", AQUACLEAN, GREENFLEET, "f_copy.pdf"]
    assert [(o.file.name, o.status, o.reason) for o in summary.outcomes] == [
        ("b_scan.pdf", "rejected", "no text layer"),
        (AQUACLEAN, "added", ""),
        (GREENFLEET, "added", ""),
        ("f_copy.pdf", "unchanged", ""),
    ]
    assert store.index.count() == store.catalog.stats()["chunks"]


def test_files_already_stored_are_not_read_again(store, tmp_path):
    """Reading ahead skips files whose content the catalog holds, unless they are to be re-read."""
    folder = copy_samples(tmp_path / "in", GREENFLEET)
    ingest_paths([folder], store.settings, store=store)
    files = [folder / GREENFLEET]

    def stored(_path, sha: str) -> bool:
        return store.catalog.report_by_sha(sha) is None

    with ReadAhead(files, store.settings, stored, workers=1) as ahead:
        assert [reading for _, _, reading in ahead] == [None]
    with ReadAhead(files, store.settings, lambda _p, _s: True, workers=1) as ahead:
        [(_, _, reading)] = list(ahead)
        assert reading.result().filename == GREENFLEET
