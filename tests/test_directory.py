"""The partner directory: the CSV mapping, de-duplicated organisations, hand corrections, last-seen dates,
recommendations and corrections of a person, on a real catalog, index and model."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingest.register_csv import parse_mapping
from ingest.registers import import_register
from kb.directory import organisations as directory
from kb.directory.dedupe import Mention, cluster, identifiers_of
from kb.errors import KBError
from kb.search.ranking import Searcher
from kb.search.recommend import PartnerFilters, recommend

FIXTURES = Path(__file__).parent / "fixtures"
CSV = FIXTURES / "linkoping_projektlista.csv"
MAPPING = parse_mapping((FIXTURES / "linkoping_projektlista.map").read_text(encoding="utf-8"))


@pytest.fixture
def index_mode():
    """The directory reads the catalog; the embedded index is enough (tests/test_store.py covers the server)."""
    return None


def _projektbanken(tmp_path, rows) -> Path:
    path = tmp_path / "pb.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def _pb(ident: str, org: str, leader: str, email: str, title: str, text: str) -> dict:
    return {
        "ärende-id": ident,
        "stödmottagare": org,
        "projektnamn": title,
        "projektbeskrivning": text,
        "projekt_starttid": "2016-01-01",
        "projekt_sluttid": "2018-12-31",
        "projektledare": leader,
        "e-post": email,
        "telnr": "",
    }


def test_names_join_by_spelling_identifier_and_country(tmp_path):
    """Endings and legal forms join, a shared VAT number joins, one letter apart in a place name does not."""
    mentions = [
        Mention("Lunds universitet", "SE"),
        Mention("LUND UNIVERSITET", "SE"),
        Mention("Exempel Energi AB", "SE", identifiers_of(None, "SE5560000001")),
        Mention("Exempel Kraft", "SE", identifiers_of(None, "SE 556000 0001")),
        Mention("Norrköpings kommun", "SE"),
        Mention("Nordköpings kommun", "SE"),
        Mention("Skola 1 i Exempelby", "SE"),
        Mention("Skola 2 i Exempelby", "SE"),
        Mention("Lunds universitet", None),
    ]
    groups = {frozenset(m.name for m in c.mentions) for c in cluster(mentions)}
    assert frozenset({"Lunds universitet", "LUND UNIVERSITET"}) in groups
    assert frozenset({"Exempel Energi AB", "Exempel Kraft"}) in groups
    assert frozenset({"Norrköpings kommun"}) in groups and frozenset({"Nordköpings kommun"}) in groups
    assert frozenset({"Skola 1 i Exempelby"}) in groups


def test_a_bare_acronym_joins_the_one_name_spelt_out_with_it():
    """"KWB" joins "Kompetenzzentrum Wasser Berlin" (one report says KWB for it); "CAB", said of two, joins neither."""
    mentions = [
        Mention("Kompetenzzentrum Wasser Berlin", "DE", acronym="KWB"),
        Mention("KWB", None),
        Mention("County Administrative Board of Östergötland", "SE", acronym="CAB"),
        Mention("Central Agricultural Board", "SE", acronym="CAB"),
        Mention("CAB", "SE"),
    ]
    groups = {frozenset(m.name for m in c.mentions) for c in cluster(mentions)}
    assert frozenset({"Kompetenzzentrum Wasser Berlin", "KWB"}) in groups
    assert frozenset({"CAB"}) in groups


def test_false_friends_found_on_real_registers_stay_apart():
    """Two universities one ending apart, and departments of one government sharing its VAT number, stay apart."""
    mentions = [
        Mention("Universidade Federal do Pará", "BR"),
        Mention("Universidade Federal do Paraná", "BR"),
        *[
            Mention(f"Consejería de {d} de Exempleria", "ES", identifiers_of(None, "ESS0000001A"))
            for d in ("Salud", "Cultura", "Agricultura", "Hacienda")
        ],
        Mention("Departamento de Salud Gobierno Vasco", "ES", identifiers_of(None, "ESS4833001C")),
        Mention("Departamento de Educación del Gobierno Vasco", "ES", identifiers_of(None, "ESS4833001C")),
        Mention("University of Oxford", "UK", identifiers_of(None, "GB125506730")),
        Mention(
            "The Chancellor, Masters and Scholars of the University of Oxford",
            "UK",
            identifiers_of(None, "GB125506730"),
        ),
    ]
    assert len(cluster(mentions)) == 2 + 4 + 2 + 1


def test_hand_decisions_override_the_automatic_links():
    """A name kept apart leaves its organisation; a hand merge joins names no rule would join."""
    mentions = [
        Mention("Lunds universitet", "SE"),
        Mention("Lund University", "SE"),
        Mention("LUNDS UNIVERSITET", "SE"),
    ]
    assert len(cluster(mentions)) == 2
    merged = cluster(mentions, merges=[("SE|lunds universitet", "SE|lund university")])
    assert len(merged) == 1
    assert len(cluster(mentions, splits=["SE|lunds universitet"])) == 2


def test_csv_mapping_imports_and_reimport_updates(store, tmp_path):
    """The municipality's own list imports through a mapping; importing again updates, never duplicates."""
    summary = import_register(CSV, "csv", store, MAPPING)
    assert (summary.added, summary.updated, summary.unchanged) == (3, 0, 0)
    assert import_register(CSV, "csv", store, MAPPING).unchanged == 3
    changed = tmp_path / "lista.csv"
    changed.write_text(CSV.read_text(encoding="utf-8").replace("Sara Solberg", "Sara Solgren"), encoding="utf-8")
    summary = import_register(changed, "csv", store, MAPPING)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 2)
    assert len(store.catalog.reports()) == 3
    entry = store.catalog.report_by_external_id("csv:LKP-001")
    assert store.catalog.contacts_of(entry.id)[0].name == "Sara Solgren"
    assert entry.meta.period_start == 2019 and entry.meta.budget_total == 4_200_000


def test_csv_mapping_mistakes_are_named(store, tmp_path):
    """A missing column, an unknown field, no title, or a file in another format each get a specific error."""
    with pytest.raises(KBError, match="no column 'Projektnamnet'"):
        import_register(CSV, "csv", store, parse_mapping("Projektnamnet=title"))
    with pytest.raises(KBError, match="Unknown field 'titel'"):
        parse_mapping("Projektnamn=titel")
    with pytest.raises(KBError, match="no column for title"):
        parse_mapping("Beskrivning=description")
    with pytest.raises(KBError, match="not a Projektbanken JSON export"):
        import_register(CSV, "projektbanken", store)
    assert store.catalog.reports() == []


def test_directory_joins_an_organisation_across_registers(store, tmp_path):
    """The CSV list's lead and a Projektbanken beneficiary spelt differently are one organisation with both projects."""
    import_register(CSV, "csv", store, MAPPING)
    rows = [
        _pb(
            "91000001",
            "Exempelstad kommun",
            "Kim Kontakt",
            "kim@exempelstad.example.org",
            "Laddplatser",
            "Kommunen bygger publika laddplatser för elbilar i villaområden.",
        ),
        _pb(
            "91000002",
            "Nordstads kommun",
            "Nils Nord",
            "nils@nordstad.example.org",
            "Fiber",
            "Bredband till landsbygden.",
        ),
    ]
    import_register(_projektbanken(tmp_path, rows), "projektbanken", store)
    directory.build(store.catalog)
    listing = directory.list_page(store.catalog, query="Exempelstad")
    assert listing["total"] == 1
    page = directory.organisation_page(store.catalog, listing["organisations"][0]["id"])
    assert {p["project"] for p in page["projects"]} == {
        "Solceller på skoltak",
        "Cykelfritt centrum? Nej, cykelvänligt centrum",
        "Matsvinn i skolkök",
        "Laddplatser",
    }
    assert page["roles"] == {"lead partner": 4}
    assert {c["name"] for c in page["contacts"]} == {"Sara Solberg", "Cyril Cykelsson", "Kim Kontakt"}
    assert all(c["last_seen"] == date.today().isoformat() and not c["stale"] for c in page["contacts"])
    assert page["organisation"]["org_type"] == "public"


def test_merge_and_split_survive_a_rebuild(store, tmp_path):
    """Merging two organisations by hand and splitting a name off again are kept across rebuilds."""
    import_register(CSV, "csv", store, MAPPING)
    listing = directory.list_page(store.catalog)
    ids = {o["name"]: o["id"] for o in listing["organisations"]}
    merged = directory.merge(store.catalog, ids["Ostby stad"], ids["Västby kommun"], "admin")
    page = directory.organisation_page(store.catalog, merged)
    assert {n["name"] for n in page["names"]} == {"Ostby stad", "Västby kommun"}
    directory.build(store.catalog)
    assert len(directory.organisation_page(store.catalog, merged)["names"]) == 2
    alias = next(n["alias"] for n in page["names"] if n["name"] == "Västby kommun")
    apart = directory.split(store.catalog, merged, alias, "admin")
    assert apart != merged
    assert [n["name"] for n in directory.organisation_page(store.catalog, apart)["names"]] == ["Västby kommun"]
    actions = [e["action"] for e in store.catalog.audit_entries()]
    assert "merge organisations" in actions and "split organisation" in actions


def test_a_change_written_by_another_process_is_seen_by_the_next_search(store, tmp_path):
    """Searches do not read the directory's fingerprint while nothing changed; a hand merge that another
    process (here another connection) recorded still shows at once."""
    from kb.catalog import directory as tables
    from kb.catalog.database import Catalog

    import_register(CSV, "csv", store, MAPPING)
    ids = {o["name"]: o["id"] for o in directory.list_page(store.catalog)["organisations"]}
    keys = [directory.organisation(store.catalog, ids[n])["key"] for n in ("Ostby stad", "Västby kommun")]
    with Catalog.open(store.settings) as other:
        tables.add_decision(other, "merge", keys[0], keys[1], "admin")
    names = [o["name"] for o in directory.list_page(store.catalog)["organisations"]]
    assert "Ostby stad" in names and "Västby kommun" not in names, names


def test_staleness_comes_from_the_source_date():
    """A contact seen in a 2018 report is stale in 2026; one seen in a register import this year is not."""
    assert directory.staleness("2018", date(2026, 6, 1)) == ("2018", True)
    assert directory.staleness("2026-03-02", date(2026, 6, 1)) == ("2026-03-02", False)


def test_recommendation_ranks_organisations_and_people_with_evidence(store):
    """A description of solar panels on schools ranks the municipality and its contact, with the project as evidence."""
    import_register(CSV, "csv", store, MAPPING)
    result = Searcher(store.catalog, store.index, store.embedder).run("Vi vill sätta solceller på skolornas tak")
    ranked = recommend(store.catalog, result)
    top = ranked["organisations"][0]
    assert top["name"] == "Exempelstads kommun"
    assert top["evidence"][0]["role"] == "lead partner"
    assert ranked["people"][0]["name"] == "Sara Solberg"
    assert ranked["people"][0]["evidence"][0]["project"] == "Solceller på skoltak"
    business = recommend(store.catalog, result, PartnerFilters(org_type="business"))
    assert [o["name"] for o in business["organisations"]] == ["Exempel Energi AB"]
    assert business["people"] == []


def test_correcting_a_person_changes_every_row(store):
    """Correcting a person's e-mail changes it in the catalog and moves the person to a new page id."""
    import_register(CSV, "csv", store, MAPPING)
    key = directory.person_key("sara.solberg@exempelstad.example.org", "Sara Solberg")
    new_key = directory.correct_person(
        store.catalog, key, {"name": "Sara Solberg", "email": "sara.s@exempelstad.example.org", "phone": ""}, "admin"
    )
    page = directory.person_page(store.catalog, new_key)
    assert page["person"]["email"] == "sara.s@exempelstad.example.org" and page["person"]["phone"] is None
    with pytest.raises(KBError, match="not an e-mail address"):
        directory.correct_person(store.catalog, new_key, {"name": "Sara", "email": "nope"}, "admin")


def test_cli_imports_a_csv_list_with_a_mapping_file_or_pairs(tmp_path, embedder):
    """`kb import-register --format csv` takes --map-file or --map; a missing mapping is one clear line."""
    from tests.test_cli import kb

    data = tmp_path / "data"
    done = kb(
        "import-register",
        str(CSV),
        "--format",
        "csv",
        "--map-file",
        str(FIXTURES / "linkoping_projektlista.map"),
        data_dir=data,
    )
    assert done.stdout.strip() == "3 projects added, 0 updated, 0 unchanged"
    again = kb(
        "import-register",
        str(CSV),
        "--format",
        "csv",
        "--map",
        "Projektnummer=id,Projektnamn=title,"
        "Beskrivning=description,Program=programme,Start=start,Slut=end,Budget (SEK)=budget,"
        "Ansvarig organisation=lead_partner,Partner=partners,Kontaktperson=contact_name,E-post=contact_email,"
        "Telefon=contact_phone",
        data_dir=data,
    )
    assert again.stdout.strip() == "0 projects added, 0 updated, 3 unchanged"
    missing = kb("import-register", str(CSV), "--format", "csv", data_dir=data, check=False)
    assert missing.returncode == 1 and "no column for title" in missing.stderr and "Traceback" not in missing.stderr
    built = kb("directory", "build", data_dir=data)
    assert built.stdout.strip().endswith("distinct names") and built.stdout.startswith("4 organisations")
