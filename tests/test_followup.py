"""Follow-up figures, checked against totals counted by hand from samples/make_samples.py."""

from __future__ import annotations

from kb.catalog.database import Catalog
from kb.library.followup import CountryRow, MoneyRow, figures
from kb.models import NewReport, Partner, ReportMeta

# The four sample reports (samples/make_samples.py), counted by hand:
#   GreenFleet  Interreg Baltic Sea Region  2019-2022  EUR  2 450 000 total,  1 960 000 EU
#   AquaClean   LIFE                        2018-2021  EUR  3 100 000 total,  1 705 000 EU
#   ByaFiber    ERDF (ERUF)                 2016-2019  SEK 12 400 000 total,  6 200 000 EU
#   DigiOmsorg  ESF+                        2021-2023  SEK  8 600 000 total,  4 300 000 EU


def test_totals_per_currency(reader):
    """Four projects: two in euro (5.55 M, 3.665 M from the EU), two in kronor (21 M, 10.5 M)."""
    found = figures(reader.catalog)
    assert found.projects == 4
    assert found.totals == [
        MoneyRow(None, "EUR", 2, 5_550_000, 3_665_000),
        MoneyRow(None, "SEK", 2, 21_000_000, 10_500_000),
    ]


def test_by_programme(reader):
    """One project per programme, each with its own budget."""
    rows = {r.key: r for r in figures(reader.catalog).by["programme"]}
    assert rows["Interreg Baltic Sea Region"] == MoneyRow("Interreg Baltic Sea Region", "EUR", 1, 2_450_000, 1_960_000)
    assert rows["LIFE"] == MoneyRow("LIFE", "EUR", 1, 3_100_000, 1_705_000)
    assert rows["ERDF"] == MoneyRow("ERDF", "SEK", 1, 12_400_000, 6_200_000)
    assert rows["ESF+"] == MoneyRow("ESF+", "SEK", 1, 8_600_000, 4_300_000)


def test_by_end_year(reader):
    """Projects count under the year they ended: 2019, 2021, 2022 and 2023, in that order."""
    rows = figures(reader.catalog).by["year"]
    assert [(r.key, r.currency, r.projects) for r in rows] == [
        ("2019", "SEK", 1),
        ("2021", "EUR", 1),
        ("2022", "EUR", 1),
        ("2023", "SEK", 1),
    ]


def test_by_theme_counts_a_project_under_each_of_its_themes(reader):
    """Both Swedish-language projects are digitalisation projects: 21 M kronor between them."""
    rows = {(r.key, r.currency): r for r in figures(reader.catalog).by["theme"]}
    assert rows[("digitalisation", "SEK")].projects == 2
    assert rows[("digitalisation", "SEK")].budget_total == 21_000_000
    assert rows[("transport", "EUR")].eu_funding == 1_960_000


def test_partner_countries(reader):
    """Sweden 3 organisations in 2 projects, Finland 2 in 2, four countries with one; five without a country."""
    assert figures(reader.catalog).countries == [
        CountryRow(None, 5, 2),
        CountryRow("SE", 3, 2),
        CountryRow("FI", 2, 2),
        CountryRow("DE", 1, 1),
        CountryRow("EE", 1, 1),
        CountryRow("LV", 1, 1),
        CountryRow("PL", 1, 1),
    ]


def test_partner_organisations_are_merged_across_spellings_and_drafts_do_not_count(settings):
    """The same organisation written twice counts once per project; drafts and register entries are left out."""
    catalog = Catalog.open(settings)
    meta = ReportMeta(
        title="T",
        programme="URBACT",
        period_start=2020,
        period_end=2022,
        budget_total=100.0,
        eu_funding=80.0,
        currency="EUR",
    )
    for rid, status, kind, name in [
        (1, "published", "report", "Linköpings kommun"),
        (2, "published", "report", "linköpings  Kommun"),
        (3, "draft", "report", "Linköpings kommun"),
        (4, "published", "register", "Linköpings kommun"),
    ]:
        catalog.add_report(
            rid,
            NewReport(
                sha256=str(rid) * 64,
                filename=f"{rid}.pdf",
                meta=meta,
                pages=1,
                lang="sv",
                chunks=[],
                status=status,
                kind=kind,
                partners=[Partner(name, "SE", "partner", 1)],
            ),
        )
    catalog.update_report(1, meta, "Kommunledningsförvaltningen", None)
    found = figures(catalog)
    assert found.projects == 2
    assert found.totals == [MoneyRow(None, "EUR", 2, 200.0, 160.0)]
    assert [(p.name, p.projects) for p in found.partners] == [("Linköpings kommun", 2)]
    assert {r.key: r.projects for r in found.by["department"]} == {"Kommunledningsförvaltningen": 1, None: 1}
    catalog.close()
