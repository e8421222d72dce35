"""Themes: suggested from the sample reports' text, kept when a person corrects them, usable as a search filter."""

from __future__ import annotations

import pytest

from kb.catalog.database import Catalog
from kb.errors import KBError
from kb.library.themes import BY_KEY, THEMES, set_themes, store_suggestion, themes_of
from kb.models import Filters, NewReport, ReportMeta


def _by_acronym(catalog: Catalog) -> dict[str, int]:
    return {r.meta.acronym: r.id for r in catalog.reports()}


def test_programme_priority_areas_are_listed_with_descriptions():
    """The three priority areas of the programme are themes of kind 'priority', described in both languages."""
    names = [t.name_sv for t in THEMES if t.kind == "priority"]
    assert names == [
        "Verksamhetsutveckling och kunskapsutbyten",
        "Omvärldsbevakning och påverkan",
        "Profilering och investeringsfrämjande",
    ]
    assert all(t.description_sv and t.description_en for t in THEMES)


@pytest.mark.parametrize(
    ("acronym", "first"),
    [("GreenFleet", "transport"), ("AquaClean", "climate"), ("ByaFiber", "digitalisation")],
)
def test_suggested_main_theme_of_each_sample(reader, acronym, first):
    """Each sample report's best suggested theme is the one a reader would give it."""
    keys = themes_of(reader.catalog, _by_acronym(reader.catalog)[acronym])
    assert [k for k in keys if BY_KEY[k].kind == "theme"][0] == first


def test_home_care_report_gets_health_and_digitalisation(reader):
    """The digital home-care report is tagged with both health and social care and digitalisation."""
    keys = themes_of(reader.catalog, _by_acronym(reader.catalog)["DigiOmsorg"])
    assert {"health", "digitalisation"} <= set(keys)


def test_every_sample_gets_exactly_one_priority_area(reader):
    """Each report is placed under one of the programme's priority areas."""
    for report in reader.catalog.reports():
        priorities = [k for k in themes_of(reader.catalog, report.id) if BY_KEY[k].kind == "priority"]
        assert len(priorities) == 1, report.meta.acronym


def test_theme_filter_narrows_search_before_ranking(reader):
    """Filtering on transport leaves only the bus report; on health, the bus report is gone."""
    query = "gemensam upphandling av elbussar"
    transport = reader.searcher.run(query, filters=Filters(theme="transport")).hits
    health = reader.searcher.run(query, filters=Filters(theme="health")).hits
    greenfleet = _by_acronym(reader.catalog)["GreenFleet"]
    assert transport and {h.report_id for h in transport} == {greenfleet}
    assert greenfleet not in {h.report_id for h in health}


@pytest.fixture
def catalog(settings):
    opened = Catalog.open(settings)
    opened.add_report(
        1, NewReport(sha256="a" * 64, filename="x.pdf", meta=ReportMeta(title="X"), pages=1, lang="sv", chunks=[])
    )
    yield opened
    opened.close()


def test_a_reviewed_choice_is_not_overwritten_by_suggestions(catalog):
    """After a person sets the themes, a new suggestion leaves them as they are."""
    store_suggestion(catalog, 1, {"climate": 0.8})
    set_themes(catalog, 1, ["culture", "priority-profiling"])
    store_suggestion(catalog, 1, {"transport": 0.9})
    assert sorted(themes_of(catalog, 1)) == ["culture", "priority-profiling"]


def test_unknown_theme_is_refused_and_nothing_changes(catalog):
    """Setting a theme that does not exist names the valid ones and keeps the stored themes."""
    store_suggestion(catalog, 1, {"climate": 0.8})
    with pytest.raises(KBError, match="Unknown theme 'weather'"):
        set_themes(catalog, 1, ["weather"])
    assert themes_of(catalog, 1) == ["climate"]
