"""Project registers: imported as searchable projects with organisations and contacts, never duplicated."""

from __future__ import annotations

import json

import pytest

from ingest.registers import EMBED_BATCH, import_entries, import_register, read_register
from kb.errors import KBError
from kb.passages import passage_text
from kb.search import Searcher

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


def test_a_large_register_is_stored_batch_by_batch_as_if_one_by_one(store, tmp_path):
    """Over two batches, with one project listed twice: every entry keeps its own vector, the later
    listing updates the earlier, the index holds exactly the catalog's passages and progress reaches the end."""
    records = [
        dict(
            RECORDS[n % 2],
            **{"ärende-id": str(91000000 + n), "projektnamn": f"Projekt {n}: {RECORDS[n % 2]['projektnamn']}"},
        )
        for n in range(EMBED_BATCH + 10)
    ]
    records.append(dict(records[3], projektledare="Nora Nyledare"))  # the same project again, changed
    path = tmp_path / "large.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    steps: list[tuple[int, int]] = []
    summary = import_entries(read_register(path, "projektbanken"), store, progress=lambda *step: steps.append(step))
    assert (summary.added, summary.updated, summary.unchanged) == (len(records) - 1, 1, 0)
    assert steps[-1] == (len(records), len(records)) and len(steps) >= 2
    assert [done for done, _ in steps] == sorted(done for done, _ in steps)
    entry = store.catalog.report_by_external_id("projektbanken:91000003")
    assert store.catalog.contacts_of(entry.id)[0].name == "Nora Nyledare"
    wanted = {cid for ids in store.catalog.chunk_ids_by_report().values() for cid in ids}
    assert wanted == set(store.index.iter_ids()) and len(wanted) == len(records) - 1
    for report in store.catalog.reports()[:: EMBED_BATCH // 4]:
        chunk = store.catalog.chunks_of(report.id)[0]
        alone = store.embedder.passages([passage_text(chunk)])[0]
        assert float(store.index.vectors([chunk.id])[chunk.id] @ alone) > 0.999


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
