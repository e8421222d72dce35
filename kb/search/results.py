"""What a search shows, built once for the page and its JSON twin: a short answer from several reports, lessons
grouped by report (each with the sentences that answer best), the projects behind them, the people band
(contacts and partners of those projects), ranked partners (kb.search.recommend) and the words worth
highlighting."""

from __future__ import annotations

from kb.catalog.database import Catalog
from kb.models import Filters, Report
from kb.search.ranking import Searcher, SearchResult, group_by_report
from kb.search.recommend import PartnerFilters, recommend
from kb.search.sentences import answer, question_terms, snippet
from kb.text.terms import stems, tokens


def search_results(
    searcher: Searcher,
    catalog: Catalog,
    query: str,
    filters: Filters,
    k: int = 20,
    partner_filters: PartnerFilters | None = None,
) -> dict:
    """Lessons grouped by report, the projects behind them, and the people to call."""
    result: SearchResult = searcher.run(query, k=k, filters=filters)
    recommended = recommend(catalog, result, partner_filters)
    reports = {h.report_id: catalog.report(h.report_id) for h in result.hits + result.projects}
    terms = question_terms(query, result.lang or "sv", result.terms)
    groups = [
        {
            "report": reports[group.report_id].as_json(),
            "hits": [
                {**hit.as_json(), "heading": hit.extra.get("heading"), "snippet": snippet(hit.text, terms, hit.lang)}
                for hit in group.hits
            ],
        }
        for group in group_by_report(result.hits)
    ]
    weak = result.weak and bool(query.strip())
    by_project = group_by_report(result.hits + result.projects)
    return {
        "query": result.query,
        "lang": result.lang,
        "weak": weak,
        "answer": [] if weak else answer(result.hits, terms, result.lang or "sv"),
        "groups": groups,
        "projects": [reports[g.report_id].as_json() for g in by_project],
        "people": people_band(catalog, [(reports[g.report_id], len(g.hits)) for g in by_project]),
        "partners": recommended,  # organisations and people ranked by their matching projects
        "highlight": sorted(highlight_words(searcher, catalog, query, result.lang or "sv") | set(result.terms)),
    }


def people_band(catalog: Catalog, projects: list[tuple[Report, int]]) -> list[dict]:
    """The contacts and partners of each project, in the order of the projects (best match first), with
    the number of matching passages as evidence."""
    people = []
    for report, matching in projects:
        evidence = {
            "report_id": report.id,
            "project": report.meta.acronym or report.meta.title or report.filename,
            "matching_passages": matching,
        }
        contacts = catalog.contacts_of(report.id)
        for c in contacts:
            people.append(_person("contact", c.name, c.role, c.organisation, c.email, c.phone, None, evidence))
        if report.contact and all(report.contact != c.name for c in contacts):
            people.append(_person("contact", report.contact, None, report.department, None, None, None, evidence))
        for p in catalog.partners_of(report.id):
            people.append(_person("partner", p.name, p.role, None, None, None, p.country, evidence))
    return people


def _person(kind, name, role, organisation, email, phone, country, evidence: dict) -> dict:
    return {
        "kind": kind,
        "name": name,
        "role": role,
        "organisation": organisation,
        "email": email,
        "phone": phone,
        "country": country,
        **evidence,
    }


def highlight_words(searcher: Searcher, catalog: Catalog, query: str, lang: str) -> set[str]:
    """Query words worth marking in a passage, with their stems: not the language's function words (too
    common in its passages to mean anything)."""
    words = {w for w in tokens(query) if len(w) > 2}
    common = catalog.term_document_share(sorted(words), lang)
    words = {w for w in words if common.get(w, 0.0) <= searcher.options.max_term_share}
    return words | set(stems(sorted(words), lang)) | set(stems(sorted(words), "en"))
