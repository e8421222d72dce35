"""Project registers: imported as searchable projects with organisations and contacts, never duplicated."""

from __future__ import annotations

import gzip
import json
import sqlite3

import pytest

from ingest.registers import EMBED_BATCH, ImportStopped, import_entries, import_register, read_register
from kb.catalog import directory as directory_catalog
from kb.directory import organisations as directory
from kb.errors import KBError
from kb.search.ranking import Searcher
from kb.store.passages import passage_text

RECORDS = [
    {
        "ärende-id": "90000001",
        "stödmottagare": "Exempelby kommun",
        "beviljat_belopp_sek": 2500000,
        "projektnamn": "Fiber till byarna i Exempelby",
        "projektbeskrivning": "Projektet bygger ortsammanbindande fibernät till byar på landsbygden där "
        "operatörerna inte bygger, så att företag och hushåll får snabbt bredband.",
        "projekt_starttid": "2017-01-01",
        "projekt_sluttid": "2019-12-31",
        "projektledare": "Lena Exempelsson",
        "telnr": "070-000 00 01",
        "e-post": "lena.exempelsson@exempelby.example.org",
    },
    {
        "ärende-id": "90000002",
        "stödmottagare": "Testregionen",
        "beviljat_belopp_sek": 900000,
        "projektnamn": "Besöksnäring i skärgården",
        "projektbeskrivning": "Företag i skärgården utvecklar gemensamma paket för turister under lågsäsong.",
        "projekt_starttid": "2018-03-01",
        "projekt_sluttid": "2020-02-28",
        "projektledare": "Per Provare",
        "telnr": "",
        "e-post": "per.provare@testregionen.example.org",
    },
]


@pytest.fixture
def register_file(tmp_path):
    path = tmp_path / "projektbanken.json"
    path.write_text(json.dumps(RECORDS, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_is_searchable_with_people(store, register_file):
    """A Swedish description of a rural broadband initiative finds the register project and its leader."""
    summary = import_register(register_file, "projektbanken", store)
    assert (summary.added, summary.updated, summary.unchanged) == (2, 0, 0)
    result = Searcher(store.catalog, store.index, store.embedder).run("Vi vill bygga bredband på landsbygden")
    assert result.projects[0].extra["project"] == "projektbanken:90000001"
    assert result.hits == []  # register entries are projects, not lessons
    entry = store.catalog.report(result.projects[0].report_id)
    contact = store.catalog.contacts_of(entry.id)[0]
    assert (contact.name, contact.email) == ("Lena Exempelsson", "lena.exempelsson@exempelby.example.org")
    assert store.catalog.partners_of(entry.id)[0].name == "Exempelby kommun"
    assert (entry.meta.period_start, entry.meta.eu_funding, entry.meta.currency) == (2017, 2500000, "SEK")


def test_reimport_updates_and_never_duplicates(store, register_file):
    """Importing again adds nothing; a changed entry is updated in place."""
    import_register(register_file, "projektbanken", store)
    assert import_register(register_file, "projektbanken", store).unchanged == 2
    changed = [dict(RECORDS[0], projektledare="Nora Nyledare"), RECORDS[1]]
    register_file.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    summary = import_register(register_file, "projektbanken", store)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    assert len(store.catalog.reports()) == 2
    entry = store.catalog.report_by_external_id("projektbanken:90000001")
    assert store.catalog.contacts_of(entry.id)[0].name == "Nora Nyledare"
    wanted = {cid for ids in store.catalog.chunk_ids_by_report().values() for cid in ids}
    assert wanted == set(store.index.iter_ids())


def _many(count: int) -> list[dict]:
    """``count`` Projektbanken records: variations on the two above, each its own project."""
    return [
        dict(
            RECORDS[n % 2],
            **{"ärende-id": str(91000000 + n), "projektnamn": f"Projekt {n}: {RECORDS[n % 2]['projektnamn']}"},
        )
        for n in range(count)
    ]


def _write(tmp_path, records: list[dict]):
    path = tmp_path / "large.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_large_register_is_stored_batch_by_batch_as_if_one_by_one(store, tmp_path):
    """Over two batches, with one project listed twice within a batch and one across batches: every entry
    keeps its own vector, a later listing updates the earlier, the index holds exactly the catalog's
    passages, and progress climbs to the end."""
    records = _many(EMBED_BATCH + 10)
    records.insert(10, dict(records[3], projektledare="Nora Nyledare"))  # again, changed, in the same batch
    records.append(dict(records[5], projektledare="Sven Sent"))  # again, changed, in the next batch
    steps: list[tuple[int, int]] = []
    path = _write(tmp_path, records)
    summary = import_entries(read_register(path, "projektbanken"), store, progress=lambda *step: steps.append(step))
    assert (summary.added, summary.updated, summary.unchanged) == (len(records) - 2, 2, 0)
    assert steps[-1] == (len(records), len(records)) and len(steps) >= 2
    assert all(a[0] < b[0] for a, b in zip(steps, steps[1:], strict=False))
    for project, leader in (("91000003", "Nora Nyledare"), ("91000005", "Sven Sent")):
        entry = store.catalog.report_by_external_id(f"projektbanken:{project}")
        assert store.catalog.contacts_of(entry.id)[0].name == leader
    wanted = {cid for ids in store.catalog.chunk_ids_by_report().values() for cid in ids}
    assert wanted == set(store.index.iter_ids()) and len(wanted) == len(records) - 2
    for report in store.catalog.reports()[:: EMBED_BATCH // 4]:
        chunk = store.catalog.chunks_of(report.id)[0]
        alone = store.embedder.passages([passage_text(chunk)])[0]
        assert float(store.index.vectors([chunk.id])[chunk.id] @ alone) > 0.999


def test_an_entry_deleted_during_an_import_and_searches_meanwhile(store, tmp_path):
    """What the web app's other users may do between two batches: an admin deletes an entry already stored,
    and a search asks for the partner directory. The import still ends well, with every remaining entry's
    source recorded, and the directory is built once, at the end."""
    records = _many(2 * EMBED_BATCH + 5)
    directory.ensure_current(store.catalog)
    before = store.catalog.get_meta("directory")
    seen_during: list[str | None] = []

    def between_batches(done: int, total: int) -> None:
        if len(seen_during) == 0:  # the first batch is stored, the second about to be planned
            first = store.catalog.report_by_external_id("projektbanken:91000000")
            store.delete_report(first.id)
        directory.ensure_current(store.catalog)  # as every search does
        seen_during.append(store.catalog.get_meta("directory"))

    summary = import_entries(
        read_register(_write(tmp_path, records), "projektbanken"), store, progress=between_batches
    )
    assert (summary.added, summary.updated, summary.unchanged) == (len(records), 0, 0)
    assert set(seen_during) == {before}, "the directory was rebuilt during the import"
    assert before != store.catalog.get_meta("directory") == directory_catalog.fingerprint(store.catalog)
    assert store.catalog.report_by_external_id("projektbanken:91000000") is None
    stored = {r.id for r in store.catalog.reports()}
    with sqlite3.connect(store.catalog.path) as direct:
        rows = direct.execute("SELECT report_id FROM source_seen").fetchall()
    assert {r[0] for r in rows} == stored and len(stored) == len(records) - 1
    organisation = directory.list_page(store.catalog, "Testregionen")["organisations"][0]
    assert len(directory.organisation_page(store.catalog, organisation["id"])["projects"]) == len(records) // 2


def test_a_stopped_import_says_how_far_it_got_and_finishes_when_run_again(store, tmp_path):
    """When the app shuts down mid-import, the import ends at the next batch with a clear error;
    importing the file again stores the rest."""
    path = _write(tmp_path, _many(EMBED_BATCH + 7))
    batches = 0

    def stopped() -> bool:
        nonlocal batches
        batches += 1
        return batches > 1

    with pytest.raises(ImportStopped, match=f"after {EMBED_BATCH} of {EMBED_BATCH + 7} projects"):
        import_entries(read_register(path, "projektbanken"), store, stopped=stopped)
    assert len(store.catalog.reports()) == EMBED_BATCH
    summary = import_register(path, "projektbanken", store)
    assert (summary.added, summary.updated, summary.unchanged) == (7, 0, EMBED_BATCH)


def test_a_truncated_compressed_table_is_a_clear_error(store, tmp_path):
    """A CORDIS table cut off in the middle of its gzip stream is refused, naming the file and the reason."""
    table = "projectID,projectAcronym,name,country,role\n" + "".join(
        f"{n},P{n},Organisation {n},SE,coordinator\n" for n in range(2000)
    )
    whole = gzip.compress(table.encode())
    cut = tmp_path / "organization.csv.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(KBError, match="organization.csv.gz does not read as cordis: EOFError"):
        import_register(cut, "cordis", store)
    assert store.catalog.reports() == []


def test_a_wrong_file_is_a_clear_error(store, tmp_path):
    """A file that is not a Projektbanken export says so."""
    bad = tmp_path / "x.json"
    bad.write_text('{"not": "a list"}')
    with pytest.raises(KBError, match="not a Projektbanken JSON export"):
        import_register(bad, "projektbanken", store)


def test_a_field_of_an_unexpected_type_is_a_clear_error(store, tmp_path):
    """A Projektbanken export whose project name is a number is refused with the file and the reason."""
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps([dict(RECORDS[0], projektnamn=5)]), encoding="utf-8")
    with pytest.raises(KBError, match="odd.json does not read as projektbanken: AttributeError"):
        import_register(odd, "projektbanken", store)
    assert store.catalog.reports() == []


def test_interreg_partner_rows_become_projects(store, tmp_path):
    """Rows of Swedish Interreg partners are grouped into one project per programme and name."""
    rows = [
        {
            "program": "AURORA",
            "projektnamn": "Renskötsel och klimat",
            "organisationsnamn": "Exempel universitet",
            "organisationsroll": "LP",
            "startdatum": "2023-01-01",
            "slutdatum": "2025-12-31",
            "partnerbudget": 100,
        },
        {
            "program": "AURORA",
            "projektnamn": "Renskötsel och klimat",
            "organisationsnamn": "Exempel sameby",
            "organisationsroll": "PP",
            "startdatum": "2023-01-01",
            "slutdatum": "2025-12-31",
            "partnerbudget": 50,
        },
    ]
    path = tmp_path / "interreg.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    assert import_register(path, "interreg-se", store).added == 1
    entry = store.catalog.report_by_external_id("interreg-se:AURORA:Renskötsel och klimat")
    roles = {p.name: p.role for p in store.catalog.partners_of(entry.id)}
    assert roles == {"Exempel universitet": "lead partner", "Exempel sameby": "partner"}


def test_cordis_rows_become_projects_with_countries(store, tmp_path):
    """CORDIS organisation rows are grouped by project, with coordinator and countries."""
    path = tmp_path / "organization.csv"
    path.write_text(
        "projectID,projectAcronym,name,country,role,city,ecContribution\n"
        "1,GREENPORT,Example Port Authority,SE,coordinator,Gävle,100000\n"
        "1,GREENPORT,Example Hafen GmbH,DE,participant,Hamburg,50000\n",
        encoding="utf-8",
    )
    assert import_register(path, "cordis", store).added == 1
    entry = store.catalog.report_by_external_id("cordis:1")
    assert entry.meta.acronym == "GREENPORT" and entry.meta.eu_funding == 150000
    partners = store.catalog.partners_of(entry.id)
    assert [(p.name, p.country, p.role) for p in partners] == [
        ("Example Port Authority", "SE", "lead partner"),
        ("Example Hafen GmbH", "DE", "partner"),
    ]
