"""The start page for newcomers: what the knowledge base is, the priority areas, where to begin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kb.library import collections as paths
from kb.library.themes import THEMES, lesson_counts
from kb.models import Role
from web.auth import requires
from web.state import AppState
from web.templating import render, ui_lang

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
RECENT = 5
TOP_THEMES = 5


def start_view(request: Request) -> dict:
    """Priority areas, featured collections (all collections while none is featured), recent reports, top themes."""
    state: AppState = request.app.state.kb
    lang = ui_lang(request)
    catalog = state.store.catalog
    collections = paths.all_collections(catalog, featured_only=True) or paths.all_collections(catalog)
    reports = [r for r in catalog.reports() if r.published and r.kind == "report"]
    counts = lesson_counts(catalog)
    recent = sorted(reports, key=lambda r: (r.ingested_at, r.id), reverse=True)[:RECENT]
    themes: list[dict[str, Any]] = [
        {
            "key": t.key,
            "kind": t.kind,
            "name": t.name(lang),
            "description": t.description(lang),
            "lessons": counts.get(t.key, 0),
        }
        for t in THEMES
    ]
    return {
        "priorities": [t for t in themes if t["kind"] == "priority"],
        "collections": [c.as_json() for c in collections],
        "recent": [r.as_json() for r in recent],
        "themes": sorted((t for t in themes if t["kind"] == "theme" and t["lessons"]), key=lambda t: -t["lessons"])[
            :TOP_THEMES
        ],
    }


@router.get("/start", response_class=HTMLResponse, dependencies=[requires(Role.READER)])
def start_page(request: Request):
    return render(request, "start.html", start_view(request))


@api.get("/start", dependencies=[requires(Role.READER)])
def api_start(request: Request) -> dict:
    return start_view(request)


@api.get("/themes", dependencies=[requires(Role.READER)])
def api_themes() -> list[dict]:
    """The themes and the programme's priority areas, with the descriptions that suggest them."""
    return [
        {
            "key": t.key,
            "kind": t.kind,
            "name_sv": t.name_sv,
            "name_en": t.name_en,
            "description_sv": t.description_sv,
            "description_en": t.description_en,
        }
        for t in THEMES
    ]


routers = (router, api)  # the pages, and their JSON twins under /api
