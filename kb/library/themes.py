"""Themes and the programme's priority areas: suggested from a report's text, corrected by a person.

A report's themes are suggested by embedding similarity: each theme has a short description we
wrote in Swedish and English, embedded with the model's ``query: `` prompt (a description is
short and says what is sought), and compared with the report's stored passage vectors. A theme's
score is the mean of its three best passage similarities, so one strong section counts and the
report's length does not. The best theme is always suggested, and others within
``THEME_MARGIN`` of it, at most three; and the one priority area that fits best.

Suggestions are stored with source ``auto``; the review form stores a person's choice as
``review``, which later suggestions never overwrite. Tables: ``report_themes`` (kb.catalog.database SCHEMA).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kb.catalog import themes as tables
from kb.catalog.database import Catalog
from kb.catalog.index import VectorIndex
from kb.errors import KBError
from kb.model.embedder import Embedder


@dataclass(frozen=True)
class Theme:
    key: str
    kind: str  # "theme" or "priority" (one of the programme's three priority areas)
    name_sv: str
    name_en: str
    description_sv: str
    description_en: str

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_sv

    def description(self, lang: str) -> str:
        return self.description_en if lang == "en" else self.description_sv


THEMES: tuple[Theme, ...] = (
    Theme(
        "climate",
        "theme",
        "Klimat och miljö",
        "Climate and environment",
        "Klimatomställning, energi, vatten och avlopp, naturvård, cirkulär ekonomi och minskade utsläpp.",
        "Climate transition, energy, water and wastewater, nature protection, circular economy and lower emissions.",
    ),
    Theme(
        "digitalisation",
        "theme",
        "Digitalisering",
        "Digitalisation",
        "Digitala tjänster, bredband och uppkoppling, e-förvaltning, data och ny teknik i verksamheten.",
        "Digital services, broadband and connectivity, e-government, data and new technology at work.",
    ),
    Theme(
        "education",
        "theme",
        "Utbildning och kompetens",
        "Education and skills",
        "Skola, vuxenutbildning, kompetensutveckling för medarbetare, praktik och livslångt lärande.",
        "Schools, adult education, skills development for staff, traineeships and lifelong learning.",
    ),
    Theme(
        "health",
        "theme",
        "Vård, omsorg och hälsa",
        "Health and social care",
        "Äldreomsorg, hemtjänst, folkhälsa, socialtjänst, läkemedel och stöd till personer som behöver omsorg.",
        "Elderly care, home care, public health, social services, medicines and support for people in care.",
    ),
    Theme(
        "transport",
        "theme",
        "Transporter och mobilitet",
        "Transport and mobility",
        "Kollektivtrafik, bussar, cykel, gods, laddinfrastruktur och hållbart resande.",
        "Public transport, buses, cycling, freight, charging infrastructure and sustainable travel.",
    ),
    Theme(
        "business",
        "theme",
        "Näringsliv och innovation",
        "Business and innovation",
        "Företagande, innovation, forskning och samverkan med företag, tillväxt och nya tjänster.",
        "Entrepreneurship, innovation, research and cooperation with companies, growth and new services.",
    ),
    Theme(
        "culture",
        "theme",
        "Kultur och fritid",
        "Culture and leisure",
        "Kulturarv, konst, bibliotek, turism, idrott och fritidsverksamhet.",
        "Cultural heritage, arts, libraries, tourism, sports and leisure activities.",
    ),
    Theme(
        "democracy",
        "theme",
        "Demokrati och delaktighet",
        "Democracy and participation",
        "Medborgardialog, civilsamhälle, föreningar, inkludering, jämställdhet och lokalt engagemang.",
        "Citizen dialogue, civil society, associations, inclusion, equality and local engagement.",
    ),
    Theme(
        "priority-development",
        "priority",
        "Verksamhetsutveckling och kunskapsutbyten",
        "Organisational development and knowledge exchange",
        "EU-projekt som utvecklar kommunens verksamhet: nya arbetssätt, pilotförsök och utbyte av erfarenheter "
        "med andra kommuner och regioner i Europa.",
        "EU projects that develop the municipality's services: new ways of working, pilots and exchange of "
        "experience with other municipalities and regions in Europe.",
    ),
    Theme(
        "priority-monitoring",
        "priority",
        "Omvärldsbevakning och påverkan",
        "Monitoring and influencing",
        "Att följa EU:s politik och regelverk, delta i nätverk och påverka beslut och lagstiftning som rör kommunen.",
        "Following EU policy and rules, taking part in networks and influencing decisions and legislation that "
        "concern the municipality.",
    ),
    Theme(
        "priority-profiling",
        "priority",
        "Profilering och investeringsfrämjande",
        "Profiling and investment promotion",
        "Att marknadsföra kommunen och regionen, locka investeringar, företag och kompetens, och synas i Europa.",
        "Marketing the municipality and the region, attracting investment, companies and talent, and being "
        "visible in Europe.",
    ),
)
BY_KEY = {t.key: t for t in THEMES}
THEME_MARGIN = 0.01  # cosine: themes this close to the best one are suggested too
MAX_THEMES = {"theme": 3, "priority": 1}
TOP_PASSAGES = 3


def theme(key: str) -> Theme:
    try:
        return BY_KEY[key]
    except KeyError:
        raise KBError(f"Unknown theme {key!r}; use one of {', '.join(BY_KEY)}.") from None


class ThemeSuggester:
    """Scores passage vectors against the theme descriptions; embeds the descriptions once."""

    def __init__(self, embedder: Embedder):
        self._embedder = embedder
        self._vectors: np.ndarray | None = None

    def _theme_vectors(self) -> np.ndarray:
        if self._vectors is None:
            sv = self._embedder.queries([t.description_sv for t in THEMES])
            en = self._embedder.queries([t.description_en for t in THEMES])
            both = sv + en
            self._vectors = both / np.linalg.norm(both, axis=1, keepdims=True)
        return self._vectors

    def scores(self, passage_vectors: np.ndarray) -> dict[str, float]:
        """Each theme's mean similarity to its best passages."""
        if len(passage_vectors) == 0:
            return {}
        sims = np.asarray(passage_vectors, dtype=np.float32) @ self._theme_vectors().T  # passages x themes
        top = np.sort(sims, axis=0)[::-1][:TOP_PASSAGES]
        return {t.key: float(top[:, i].mean()) for i, t in enumerate(THEMES)}

    def suggest(self, passage_vectors: np.ndarray) -> dict[str, float]:
        """The suggested themes and priority areas with their scores."""
        scores = self.scores(passage_vectors)
        chosen: dict[str, float] = {}
        for kind, limit in MAX_THEMES.items():
            ranked = sorted(((s, k) for k, s in scores.items() if BY_KEY[k].kind == kind), reverse=True)
            if ranked:
                best = ranked[0][0]
                chosen |= {k: s for s, k in ranked[:limit] if s >= best - THEME_MARGIN}
        return chosen


# -- stored themes ------------------------------------------------------------------------
def themes_of(catalog: Catalog, report_id: int) -> list[str]:
    return tables.themes_of(catalog, report_id)


def store_suggestion(catalog: Catalog, report_id: int, suggested: dict[str, float]) -> None:
    """Replace a report's suggested themes, unless a person has already chosen them."""
    tables.store_suggestion(catalog, report_id, suggested)


def set_themes(catalog: Catalog, report_id: int, keys: Sequence[str]) -> None:
    """A person's choice (the review form); it replaces the suggestion and is kept from then on."""
    for key in keys:
        theme(key)
    catalog.report(report_id)
    tables.set_themes(catalog, report_id, keys)


def lesson_counts(catalog: Catalog) -> dict[str, int]:
    """Lesson, recommendation and challenge passages of published reports, per theme."""
    return tables.lesson_counts(catalog)


def suggest_missing(catalog: Catalog, index: VectorIndex, suggester: ThemeSuggester) -> int:
    """Suggest themes for stored reports that have none (catalogs from before themes); returns how many."""
    by_report = catalog.chunk_ids_by_report()
    done = 0
    for report_id in tables.reports_without_themes(catalog):
        ids = sorted(by_report.get(report_id, ()))
        vectors = index.vectors(ids) if ids else {}
        if vectors:
            store_suggestion(catalog, report_id, suggester.suggest(np.vstack(list(vectors.values()))))
            done += 1
    return done
