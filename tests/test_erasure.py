"""An erasure reaches every copy we serve: the original PDF is redacted (or withheld until an admin uploads a
redacted copy), and the audit log names the person by a pseudonymous key, never their address."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from ingest.erasure import erase_person
from ingest.pipeline import ingest_paths
from ingest.sandbox import read_pdf
from kb.directory.organisations import person_key
from kb.store.people import export_person
from tests.conftest import copy_samples
from tests.logins import https_client, log_in
from web.app import create_app

EMAIL = "anna.lindqvist@norrvik.example.org"
TRACES = ("anna.lindqvist", "Anna Lindqvist", "555 01 23")


@pytest.fixture
def greenfleet(store, tmp_path):
    ingest_paths([copy_samples(tmp_path / "in", "example_greenfleet_final_report_en.pdf")], store.settings, store=store)
    return store


def _original_pages(store, report_id: int) -> list[str]:
    report = store.catalog.report(report_id)
    return [" ".join(p.split()) for p in read_pdf(store.original_path(report.sha256), store.settings).pages]


@pytest.mark.parametrize("index_mode", [None], indirect=False)
def test_the_original_pdf_is_redacted_and_keeps_everything_else(greenfleet):
    """After erasing, the stored original no longer holds the name, address or phone number; the page that
    showed them is a picture of itself with them painted over, every other page is as it was."""
    report = greenfleet.catalog.reports()[0]
    before = _original_pages(greenfleet, report.id)
    naming = [n for n, text in enumerate(before, 1) if all(trace in text for trace in TRACES)]
    assert naming == [5]
    done = erase_person(greenfleet, EMAIL, "tester")
    assert done.originals_redacted == [report.id] and done.originals_withheld == []
    after = _original_pages(greenfleet, report.id)
    assert not any(trace.lower() in " ".join(after).lower() for trace in TRACES)
    assert len(after) == len(before) == report.pages
    assert [t for n, t in enumerate(after, 1) if n != 5] == [t for n, t in enumerate(before, 1) if n != 5]
    assert greenfleet.catalog.report(report.id).original == "redacted"


@pytest.mark.parametrize("index_mode", [None], indirect=False)
def test_the_audit_log_keeps_a_pseudonymous_key_not_the_address(greenfleet):
    """The erasure is logged under the person's key, and earlier entries naming the address are rewritten."""
    export_person(greenfleet, EMAIL, "tester")
    greenfleet.catalog.audit("tester", "note", f"asked about {EMAIL}", f"Anna Lindqvist replied from {EMAIL}")
    erase_person(greenfleet, EMAIL, "tester")
    entries = greenfleet.catalog.audit_entries(50)
    text = " ".join(f"{e['target']} {e['outcome']}" for e in entries).lower()
    assert "lindqvist" not in text
    key = person_key(EMAIL, "")
    assert any(e["action"] == "erase person" and e["target"] == key for e in entries)
    assert any(e["action"] == "export person" and e["target"] == key for e in entries)


@pytest.fixture
def client(tmp_path, indexed_settings, embedder):
    data = tmp_path / "data"
    shutil.copytree(indexed_settings.data_dir, data, ignore=shutil.ignore_patterns("writer.lock"))
    with https_client(create_app(replace(indexed_settings, data_dir=data), embedder)) as c:
        yield c


def _greenfleet_id(client) -> int:
    return next(r["id"] for r in client.get("/api/reports").json() if r["acronym"] == "GreenFleet")


def test_readers_download_the_redacted_original_after_an_erasure(client, tmp_path):
    """POST /api/people/{key}/erase, then the PDF every reader downloads holds no trace of the person."""
    log_in(client, "admin")
    answer = client.post(f"/api/people/{person_key(EMAIL, 'Anna Lindqvist')}/erase").json()
    report_id = _greenfleet_id(client)
    assert (
        answer["erased"] and answer["originals_redacted"] == [report_id] and answer["person"] == person_key(EMAIL, "")
    )
    log_in(client, "reader")
    pdf = client.get(f"/reports/{report_id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    (tmp_path / "download.pdf").write_bytes(pdf.content)
    text = " ".join(" ".join(read_pdf(tmp_path / "download.pdf", client.app.state.kb.settings).pages).split())
    assert "GreenFleet" in text and not any(trace.lower() in text.lower() for trace in TRACES)
    assert "maskerade" in client.get(f"/reports/{report_id}").text


def test_an_original_that_cannot_be_redacted_is_withheld_until_an_admin_replaces_it(client, tmp_path):
    """When the original cannot be read to redact it, it is withheld (410, said on the report page) until an
    admin uploads a redacted copy, which is then served."""
    log_in(client, "admin")
    report_id = _greenfleet_id(client)
    state = client.app.state.kb
    original = state.store.original_path(state.store.catalog.report(report_id).sha256)
    original.write_bytes(b"%PDF-1.7\n" + b"\x00damaged" * 200)
    log_in(client, "admin")
    answer = client.post(f"/api/people/{person_key(EMAIL, 'Anna Lindqvist')}/erase").json()
    assert answer["originals_withheld"] == [report_id]
    log_in(client, "reader")
    gone = client.get(f"/reports/{report_id}/pdf")
    assert gone.status_code == 410 and "withheld" in gone.text
    assert "undanhållet" in client.get(f"/reports/{report_id}").text
    replacement = copy_samples(tmp_path / "copy", "example_aquaclean_final_report_en.pdf") / (
        "example_aquaclean_final_report_en.pdf"
    )
    files = {"file": ("redacted.pdf", replacement.read_bytes(), "application/pdf")}
    assert client.post(f"/api/reports/{report_id}/original", files=files).status_code == 403
    log_in(client, "admin")
    assert client.post(f"/api/reports/{report_id}/original", files=files).json()["original"] == "redacted"
    log_in(client, "reader")
    assert client.get(f"/reports/{report_id}/pdf").content == replacement.read_bytes()
