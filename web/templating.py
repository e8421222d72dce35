"""Pages are Jinja2 templates rendered in the visitor's language (Swedish unless ?ui=en, remembered in a cookie).

Templates loop and branch; formatting happens here, in the helpers they call."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from kb.library.themes import BY_KEY
from kb.models import Role
from web.auth import ROLE_LABELS, csrf_field, csrf_query, current_user
from web.i18n import LANGUAGES, ORG_TYPE_LABELS, SECTION_LABELS, translate

TEMPLATES = Path(__file__).parent / "templates"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES)
    templates.env.globals.update(
        section_label=lambda kind: SECTION_LABELS.get(kind, kind),
        org_type_label=lambda kind: ORG_TYPE_LABELS.get(kind, kind),
        theme_name=lambda key, lang: BY_KEY[key].name(lang) if key in BY_KEY else key,
        role_label=lambda label: ROLE_LABELS.get(label, label),
        money=money,
        current_user=current_user,
        csrf_field=csrf_field,
        csrf_query=csrf_query,
        Role=Role,
    )
    return templates


def ui_lang(request: Request) -> str:
    lang = request.query_params.get("ui") or request.cookies.get("ui") or "sv"
    return lang if lang in LANGUAGES else "sv"


def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    lang = ui_lang(request)
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(
        request,
        template,
        {**context, "lang": lang, "_": lambda text, **kw: translate(text, lang).format(**kw)},
        status_code=status_code,
    )
    if request.query_params.get("ui") in LANGUAGES:
        response.set_cookie("ui", lang, max_age=365 * 24 * 3600, httponly=True, samesite="lax")
    return response


def money(value: float | None, currency: str | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}".replace(",", "\u00a0") + (f" {currency}" if currency else "")
