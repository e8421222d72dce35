"""The follow-up figures for the committees' tertial and annual reports, computed in one place.

What counts: published final reports (kind ``report``); register projects describe other
organisations' work and drafts are not yet checked, so neither is counted. Money is never added
across currencies: every money row is per currency. A project's year is the year it ended
(``period_end``, else ``period_start``). A project with several themes counts under each, so
the theme rows add up to more than the total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from kb.catalog import followup as queries
from kb.catalog.database import Catalog
from kb.library.themes import THEMES

DIMENSIONS = ("programme", "year", "department", "theme")
TOP_PARTNERS = 10


@dataclass(frozen=True)
class MoneyRow:
    """Projects in one group and one currency, with their summed budget and EU funding."""

    key: str | None  # None: not recorded
    currency: str | None
    projects: int
    budget_total: float
    eu_funding: float


@dataclass(frozen=True)
class CountryRow:
    country: str | None  # ISO 3166 alpha-2; None: not recorded
    organisations: int
    projects: int


@dataclass(frozen=True)
class PartnerRow:
    name: str
    projects: int
    country: str | None


@dataclass(frozen=True)
class Figures:
    projects: int
    totals: list[MoneyRow]
    by: dict[str, list[MoneyRow]]
    countries: list[CountryRow]
    partners: list[PartnerRow]

    def as_json(self) -> dict:
        return {
            "projects": self.projects,
            "totals": [asdict(r) for r in self.totals],
            "by": {dim: [asdict(r) for r in rows] for dim, rows in self.by.items()},
            "countries": [asdict(r) for r in self.countries],
            "partners": [asdict(r) for r in self.partners],
        }


def figures(catalog: Catalog) -> Figures:
    projects = queries.projects(catalog)
    themes: dict[int, list[str]] = defaultdict(list)
    for rid, key in queries.theme_pairs(catalog):
        themes[rid].append(key)
    keys: dict[str, Callable[[Any], Sequence[str | None]]] = {  # of a project's row
        "programme": lambda p: [p["programme"]],
        "year": lambda p: [None if p["year"] is None else str(p["year"])],
        "department": lambda p: [p["department"]],
        "theme": lambda p: themes.get(p["id"]) or [None],
    }
    by = {dim: _money_rows([(k, p) for p in projects for k in keys[dim](p)]) for dim in DIMENSIONS}
    theme_order = {t.key: i for i, t in enumerate(THEMES)}
    by["theme"].sort(key=lambda r: (r.key is None, theme_order.get(r.key or "", 99), r.currency or ""))
    by["year"].sort(key=lambda r: (r.key is None, r.key or "", r.currency or ""))
    return Figures(
        projects=len(projects),
        totals=_money_rows([(None, p) for p in projects]),
        by=by,
        countries=_countries(catalog),
        partners=_partners(catalog),
    )


def _money_rows(pairs) -> list[MoneyRow]:
    sums: dict[tuple, list] = {}
    for key, p in pairs:
        row = sums.setdefault((key, p["currency"]), [0, 0.0, 0.0])
        row[0] += 1
        row[1] += p["budget_total"] or 0.0
        row[2] += p["eu_funding"] or 0.0
    rows = [MoneyRow(k, cur, n, budget, eu) for (k, cur), (n, budget, eu) in sums.items()]
    return sorted(rows, key=lambda r: (-r.projects, r.key is None, r.key or "", r.currency or ""))


def _countries(catalog: Catalog) -> list[CountryRow]:
    found = [CountryRow(c, n, projects) for c, n, projects in queries.partner_countries(catalog)]
    return sorted(found, key=lambda r: (-r.organisations, r.country is None, r.country or ""))


def _partners(catalog: Catalog, limit: int = TOP_PARTNERS) -> list[PartnerRow]:
    """Organisations by how many projects they took part in; one spelling per organisation."""
    groups: dict[str, dict] = {}
    for name, country, rid in queries.partner_rows(catalog):
        group = groups.setdefault(" ".join(name.lower().split()), {"name": name, "country": country, "ids": set()})
        group["ids"].add(rid)
        group["country"] = group["country"] or country
    rows = [PartnerRow(g["name"], len(g["ids"]), g["country"]) for g in groups.values()]
    return sorted(rows, key=lambda r: (-r.projects, r.name.lower()))[:limit]
