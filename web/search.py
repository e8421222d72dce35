"""The search page (/) and its JSON twin (/api/search): lessons, projects and the people behind them."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from kb.directory.names import ORG_TYPES
from kb.library.themes import BY_KEY, THEMES
from kb.models import SECTION_KINDS, Filters, Role
from kb.search.recommend import PartnerFilters
from kb.search.results import search_results
from kb.text import fields
from kb.text.terms import stems
from web.auth import requires
from web.collections import picker
from web.deps import StateDep
from web.schemas import ERROR_RESPONSES, SearchOut
from web.state import AppState
from web.templating import render

router = APIRouter()
_WORD = re.compile(r"([^\W_]+)")


def filters(programme: str, year: int | None, lang: str, section: str, theme: str) -> Filters:
    return Filters(
        programme=programme or None, year=year, lang=lang or None, section=section or None, theme=theme or None
    )


def results(state: AppState, query: str, chosen: Filters, k: int = 20, partners: PartnerFilters | None = None) -> dict:
    """kb.search.results, once the index can answer (503 while it is being rebuilt)."""
    state.repair.require()
    return search_results(state.searcher, state.store.catalog, query, chosen, k, partners)


def highlight(text: str, words: set[str], lang: str) -> Markup:
    """Escape the passage first, then wrap the words that match the query in <mark>."""
    out = []
    for piece in _WORD.split(text):
        if piece and _WORD.fullmatch(piece):
            lower = piece.lower()
            if lower in words or (len(lower) > 2 and stems([lower], lang)[0] in words):
                out.append(Markup("<mark>") + escape(piece) + Markup("</mark>"))
                continue
        out.append(escape(piece))
    return Markup("").join(out)


@router.get("/", response_class=HTMLResponse, include_in_schema=False, dependencies=[requires(Role.READER)])
def search_page(
    request: Request,
    state: StateDep,
    q: str = "",
    programme: str = "",
    year: str = "",  # an empty form field arrives as ""
    lang: str = "",
    section: str = "",
    theme: str = "",
    country: str = "",
    org_type: str = "",
):
    theme = theme if theme in BY_KEY else ""
    year_number = fields.optional_int(year, "year", 1900, 2100)
    section = section if section in SECTION_KINDS else ""
    country = country.strip().upper()[:2] if country.strip().isalpha() else ""
    org_type = org_type if org_type in ORG_TYPES else ""
    view = None
    if q.strip():
        view = results(
            state, q, filters(programme, year_number, lang, section, theme), 20, _partners(country, org_type)
        )
        words = set(view["highlight"])
        for group in view["groups"]:
            for hit in group["hits"]:
                hit["html"] = highlight(hit["text"], words, hit["lang"])
                if hit["snippet"]:
                    start, end = hit["snippet"]
                    hit["snippet_html"] = highlight(hit["text"][start:end], words, hit["lang"])
        lang_of = {h["chunk_id"]: h["lang"] for g in view["groups"] for h in g["hits"]}
        for sentence in view["answer"]:
            sentence["lang"] = lang_of.get(sentence["chunk_id"], "en")
            sentence["html"] = highlight(sentence["text"], words, sentence["lang"])
    selected = {
        "programme": programme,
        "year": year_number or "",
        "lang": lang,
        "section": section,
        "theme": theme,
        "country": country,
        "org_type": org_type,
    }
    context = {
        "q": q,
        "view": view,
        "programmes": sorted(state.store.catalog.programmes()),
        "sections": SECTION_KINDS,
        "themes": THEMES,
        "selected": selected,
        "org_types": ORG_TYPES,
        "picker": picker(request),
    }
    return render(request, "search.html", context)


@router.get(
    "/api/search",
    response_model=SearchOut,
    tags=["api"],
    responses=ERROR_RESPONSES,
    dependencies=[requires(Role.READER)],
)
def api_search(
    state: StateDep,
    q: Annotated[str, Query(max_length=4000, description="A question or a paragraph describing an initiative")],
    programme: str = "",
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    lang: Annotated[str, Query(pattern="^(|sv|en|[a-z]{2})$")] = "",
    section: Annotated[str, Query(pattern=f"^(|{'|'.join(SECTION_KINDS)})$", description="A section kind")] = "",
    k: Annotated[int, Query(ge=1, le=50)] = 20,
    theme: Annotated[str, Query(pattern=f"^(|{'|'.join(BY_KEY)})$", description="A theme key, see /api/themes")] = "",
    country: Annotated[str, Query(pattern="^(|[A-Za-z]{2})$", description="Partners from this country")] = "",
    org_type: Annotated[str, Query(pattern="^(|public|research|business|other)$")] = "",
):
    return results(state, q, filters(programme, year, lang, section, theme), k, _partners(country, org_type))


def _partners(country: str, org_type: str) -> PartnerFilters:
    return PartnerFilters(country.upper() or None, org_type or None)


routers = (router,)
