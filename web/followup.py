"""The follow-up view for the committees: figures from kb.library.followup as tables, SVG bar charts and CSV.

Charts are horizontal bar charts drawn as inline SVG by a template (_bar_chart.html) from geometry
computed here. We tried the small libraries first: pygal adds a deprecated import hook to
sys.meta_path when imported (an ImportWarning on every later import in the process), leather
measures category labels so that long organisation names squeeze the plot to nothing and is styled
through module-level globals, and matplotlib is tens of megabytes for six bar charts. The SVG
needs no script, prints cleanly and works offline; each chart has its table beside it.
"""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kb.errors import KBError
from kb.library import followup
from kb.library.themes import BY_KEY
from kb.models import Role
from web.auth import requires
from web.deps import app_state
from web.i18n import translate
from web.templating import render, ui_lang

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
TABLES = ("totals", *followup.DIMENSIONS, "countries", "partners")
CHART_WIDTH, LABEL_WIDTH, BAR_HEIGHT, GAP, MAX_LABEL = 520, 200, 22, 8, 26


def _figures(request: Request) -> followup.Figures:
    state = app_state(request)
    return followup.figures(state.store.catalog)


def _label(table: str, key: str | None, lang: str) -> str:
    if key is None:
        return translate("ej angivet", lang)
    if table == "theme" and key in BY_KEY:
        return BY_KEY[key].name(lang)
    return key


def bar_chart(title: str, labels: list[str], values: list[int]) -> dict:
    """Geometry of a horizontal bar chart (SVG user units), one bar per label, longest bar full width."""
    top = max(values, default=0) or 1
    plot = CHART_WIDTH - LABEL_WIDTH - 40  # room for the value after the longest bar
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        short = label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
        length = round(plot * value / top, 1)
        y = i * (BAR_HEIGHT + GAP)
        bars.append({"label": label, "short": short, "value": value, "y": y, "length": length})
    return {
        "title": title,
        "width": CHART_WIDTH,
        "height": max(1, len(bars)) * (BAR_HEIGHT + GAP),
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "bars": bars,
    }


def _count_by_key(rows: list[followup.MoneyRow]) -> dict[str | None, int]:
    counts: dict[str | None, int] = {}
    for row in rows:
        counts[row.key] = counts.get(row.key, 0) + row.projects
    return counts


def followup_view(request: Request) -> dict:
    lang = ui_lang(request)
    figures = _figures(request)
    tables = []
    for dim, title, column in (
        ("programme", "Projekt per program", "Program"),
        ("year", "Projekt per slutår", "Slutår"),
        ("department", "Projekt per förvaltning", "Förvaltning"),
        ("theme", "Projekt per tema", "Tema"),
    ):
        rows = figures.by[dim]
        counts = _count_by_key(rows)
        tables.append(
            {
                "id": dim,
                "title": translate(title, lang),
                "column": translate(column, lang),
                "rows": [{**row.__dict__, "label": _label(dim, row.key, lang)} for row in rows],
                "chart": bar_chart(
                    translate(title, lang), [_label(dim, k, lang) for k in counts], list(counts.values())
                ),
            }
        )
    countries = [{**r.__dict__, "label": r.country or translate("ej angivet", lang)} for r in figures.countries]
    partners = [r.__dict__ for r in figures.partners]
    return {
        "figures": figures,
        "tables": tables,
        "countries": countries,
        "countries_chart": bar_chart(
            translate("Partnerorganisationer per land", lang),
            [c["label"] for c in countries],
            [c["organisations"] for c in countries],
        ),
        "partners": partners,
        "partners_chart": bar_chart(
            translate("Vanligaste partnerorganisationer", lang),
            [p["name"] for p in partners],
            [p["projects"] for p in partners],
        ),
    }


@router.get("/followup", response_class=HTMLResponse, dependencies=[requires(Role.READER)])
def followup_page(request: Request):
    return render(request, "followup.html", followup_view(request))


@api.get("/followup", dependencies=[requires(Role.READER)])
def api_followup(request: Request) -> dict:
    """Projects, budget and EU funding (per currency) by programme, end year, department and theme;
    partner countries; the most frequent partner organisations."""
    return _figures(request).as_json()


def csv_rows(figures: followup.Figures, table: str) -> list[list]:
    """One table of the follow-up view as rows, header first (the CSV export)."""
    money = ["currency", "projects", "budget_total", "eu_funding"]

    def amounts(r: followup.MoneyRow) -> list:
        return [r.currency or "", r.projects, _plain(r.budget_total), _plain(r.eu_funding)]

    if table == "totals":
        return [money] + [amounts(r) for r in figures.totals]
    if table in followup.DIMENSIONS:
        return [[table, *money]] + [[r.key or "", *amounts(r)] for r in figures.by[table]]
    if table == "countries":
        return [["country", "organisations", "projects"]] + [
            [r.country or "", r.organisations, r.projects] for r in figures.countries
        ]
    if table == "partners":
        return [["organisation", "country", "projects"]] + [
            [r.name, r.country or "", r.projects] for r in figures.partners
        ]
    raise KBError(f"Unknown table {table!r}; use one of {', '.join(TABLES)}.")


def _plain(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(…) sends data away).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralised(value: object) -> object:
    """A text cell that would start a formula gets a leading apostrophe, as OWASP's CSV-injection guidance
    says: the spreadsheet shows the text as typed instead of running it. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


@router.get("/followup/{table}.csv", dependencies=[requires(Role.READER)])
def followup_csv(request: Request, table: str):
    out = io.StringIO()
    rows = csv_rows(_figures(request), table)
    csv.writer(out, lineterminator="\r\n").writerows([neutralised(cell) for cell in row] for row in rows)
    return Response(
        "\ufeff" + out.getvalue(),  # the byte-order mark makes Excel read UTF-8 (å, ä, ö)
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="uppfoljning-{table}.csv"'},
    )


routers = (router, api)  # the pages, and their JSON twins under /api
