"""The data behind each page, built once and rendered either as HTML or as JSON."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from kb.models import Filters
from kb.search.ranking import SearchResult, group_by_report
from kb.search.recommend import PartnerFilters, recommend
from kb.text.terms import stems, tokens
from web.state import AppState

_WORD = re.compile(r"([^\W_]+)")


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


def _highlight_words(state: AppState, query: str, lang: str) -> set[str]:
    """Query words worth marking: not the language's function words (too common in its passages)."""
    words = {w for w in tokens(query) if len(w) > 2}
    common = state.store.catalog.term_document_share(sorted(words), lang)
    words = {w for w in words if common.get(w, 0.0) <= state.searcher.options.max_term_share}
    return words | set(stems(sorted(words), lang)) | set(stems(sorted(words), "en"))


def search_view(
    state: AppState, query: str, filters: Filters, k: int = 20, partner_filters: PartnerFilters | None = None
) -> dict:
    """Lessons grouped by report, the projects behind them, and the people to call."""
    if state.repair is not None:
        state.repair.require()
    with state.lock:
        result: SearchResult = state.searcher.run(query, k=k, filters=filters)
        recommended = recommend(state.store.catalog, result, partner_filters)
        reports = {h.report_id: state.store.catalog.report(h.report_id) for h in result.hits + result.projects}
        words = _highlight_words(state, query, result.lang or "sv")
        partners = {rid: state.store.catalog.partners_of(rid) for rid in reports}
        contacts = {rid: state.store.catalog.contacts_of(rid) for rid in reports}
    groups = []
    for group in group_by_report(result.hits):
        groups.append(
            {
                "report": reports[group.report_id].as_json(),
                "hits": [
                    {**hit.as_json(), "heading": hit.extra.get("heading"), "html": highlight(hit.text, words, hit.lang)}
                    for hit in group.hits
                ],
            }
        )
    people = []  # by how strongly their project matches: reports come in the order of their best passage
    for group in group_by_report(result.hits + result.projects):
        report = reports[group.report_id]
        project = report.meta.acronym or report.meta.title or report.filename
        evidence = {"report_id": report.id, "project": project, "matching_passages": len(group.hits)}
        for c in contacts[report.id]:
            people.append(
                {
                    "kind": "contact",
                    "name": c.name,
                    "role": c.role,
                    "organisation": c.organisation,
                    "email": c.email,
                    "phone": c.phone,
                    "country": None,
                    **evidence,
                }
            )
        if report.contact and all(report.contact != c.name for c in contacts[report.id]):
            people.append(
                {
                    "kind": "contact",
                    "name": report.contact,
                    "role": None,
                    "organisation": report.department,
                    "email": None,
                    "phone": None,
                    "country": None,
                    **evidence,
                }
            )
        for p in partners[report.id]:
            people.append(
                {
                    "kind": "partner",
                    "name": p.name,
                    "role": p.role,
                    "organisation": None,
                    "email": None,
                    "phone": None,
                    "country": p.country,
                    **evidence,
                }
            )
    return {
        "query": result.query,
        "lang": result.lang,
        "weak": result.weak and bool(query.strip()),
        "groups": groups,
        "projects": [reports[g.report_id].as_json() for g in group_by_report(result.hits + result.projects)],
        "people": people,
        "partners": recommended,  # organisations and people ranked by their matching projects (kb.search.recommend)
    }
