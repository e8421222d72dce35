"""Personal data: a contact person can be exported and erased everywhere, and the audit log records it."""

from __future__ import annotations

import pytest

from ingest.pipeline import ingest_paths
from kb.directory.organisations import person_key
from kb.errors import KBError
from kb.search.ranking import Searcher
from kb.store.people import erase_person, export_person
from tests.conftest import copy_samples

EMAIL = "anna.lindqvist@norrvik.example.org"


@pytest.fixture
def greenfleet(store, tmp_path):
    ingest_paths([copy_samples(tmp_path / "in", "example_greenfleet_final_report_en.pdf")], store.settings, store=store)
    return store


def test_export_lists_contact_rows_and_mentions(greenfleet):
    """Export gives every contact row and every passage that names the person."""
    data = export_person(greenfleet, EMAIL, "tester")
    assert data["contacts"][0]["name"] == "Anna Lindqvist"
    assert any(EMAIL in m["text"] for m in data["mentioned_in"])


def test_erase_leaves_no_trace_in_catalog_search_or_index(greenfleet):
    """After erasing, neither contacts, passages, keyword search nor vector search show the person."""
    assert erase_person(greenfleet, EMAIL, "tester").passages >= 1
    catalog = greenfleet.catalog
    assert catalog.contacts_by_email(EMAIL) == []
    assert catalog.chunks_mentioning(["Anna Lindqvist", EMAIL, "555 01 23"]) == []
    searcher = Searcher(catalog, greenfleet.index, greenfleet.embedder)
    for query in ("Anna Lindqvist", EMAIL, "Who was the project manager in Norrvik?"):
        assert all("Lindqvist" not in h.text for h in searcher.search(query, k=10))
    assert catalog.keyword_search(["lindqvist"], ["lindqvist"], 10) == []
    wanted = {cid for ids in catalog.chunk_ids_by_report().values() for cid in ids}
    assert wanted == set(greenfleet.index.iter_ids())
    entry = catalog.audit_entries()[0]
    assert (entry["actor"], entry["action"], entry["target"]) == ("tester", "erase person", person_key(EMAIL, ""))


def test_erasing_an_unknown_person_is_refused_and_logged(greenfleet):
    """An unknown address is a clear error, and the attempt is in the audit log."""
    with pytest.raises(KBError, match="No contact person"):
        erase_person(greenfleet, "nobody@example.org", "tester")
    assert greenfleet.catalog.audit_entries()[0]["outcome"] == "not found"
