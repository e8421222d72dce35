"""Whom to call: organisations and contact persons ranked by how strongly their projects match a search.

Built from the result kb.search.ranking returns (lesson passages of reports and matching register projects).
A passage or register description *matches* when its similarity to the query is within MARGIN of the
best one's; a project's strength is how far its best match lies above that cut, raised a little for
every further matching passage; an organisation's score is the sum of the strengths of its matching
projects, weighed by its role in each; a person's, the sum over the projects they are the contact for.
Each carries its evidence ("3 matching lessons in CWPharma, lead partner").
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.catalog import directory as tables
from kb.catalog.database import Catalog
from kb.directory import organisations as directory
from kb.search.ranking import SearchResult, group_by_report

ROLE_WEIGHT = {"lead partner": 1.0, "partner": 0.85, "associated": 0.7}
MARGIN = 0.05  # a passage matches when its cosine similarity is within this of the best one's
EXTRA_PASSAGE = 0.1  # each further matching passage of a project adds this share to its strength


@dataclass(frozen=True)
class PartnerFilters:
    country: str | None = None  # ISO 3166 alpha-2
    org_type: str | None = None  # public, research, business, other


def recommend(catalog: Catalog, result: SearchResult, filters: PartnerFilters | None = None, k: int = 10) -> dict:
    """{"organisations": [...], "people": [...]}, best first, with evidence per matching project."""
    filters = filters or PartnerFilters()
    directory.ensure_current(catalog)
    projects: dict[int, dict] = {}
    groups = group_by_report(result.hits + result.projects)
    best = max((_similarity(h) for g in groups for h in g.hits), default=0.0)
    cut = best - MARGIN
    for group in groups:
        matching = sorted((s for s in map(_similarity, group.hits) if s >= cut), reverse=True)
        if not matching:
            continue
        report = catalog.report(group.report_id)
        projects[group.report_id] = {
            "report_id": group.report_id,
            "project": report.meta.acronym or report.meta.title or report.filename,
            "kind": report.kind,
            "passages": len(matching),
            "strength": (matching[0] - cut + 0.001) * (1 + EXTRA_PASSAGE * (len(matching) - 1)),
        }
    organisations: dict[int, dict] = {}
    for row in tables.organisations_of_reports(catalog, list(projects)):
        if not _passes(row["country"] or row["row_country"], row["org_type"], filters):
            continue
        project = projects[row["report_id"]]
        entry = organisations.setdefault(
            row["id"],
            {
                "id": row["id"],
                "name": row["name"],
                "country": row["country"],
                "org_type": row["org_type"],
                "score": 0.0,
                "evidence": [],
            },
        )
        if any(e["report_id"] == project["report_id"] for e in entry["evidence"]):
            continue
        entry["score"] += project["strength"] * ROLE_WEIGHT.get(row["role"], 0.85)
        entry["evidence"].append(_evidence(project, row["role"]))
    org_info = {o["id"]: o for o in organisations.values()}
    people: dict[str, dict] = {}
    known_orgs = {r["id"]: r for r in tables.organisations_of_reports(catalog, list(projects))}
    for row in tables.contacts_of_reports(catalog, list(projects)):
        org = known_orgs.get(row["organisation_id"])
        if filters.country or filters.org_type:
            if org is None or row["organisation_id"] not in org_info:
                continue
        contact = directory.contact_view(row)
        project = projects[row["report_id"]]
        person = people.setdefault(
            contact["person"],
            {**contact, "organisation_name": org["name"] if org else row["organisation"], "score": 0.0, "evidence": []},
        )
        if person["last_seen"] is None or (contact["last_seen"] or "") > person["last_seen"]:
            person.update(last_seen=contact["last_seen"], stale=contact["stale"])
        if any(e["report_id"] == project["report_id"] for e in person["evidence"]):
            continue
        person["score"] += project["strength"]
        person["evidence"].append(_evidence(project, row["role"]))
    return {
        "organisations": _best(organisations.values(), k),
        "people": _best(people.values(), k),
    }


def _similarity(hit) -> float:
    """The dense similarity: comparable across lesson passages and register descriptions (fused scores are not)."""
    value = hit.extra.get("similarity")
    return float(value) if value is not None else hit.score


def _passes(country: str | None, org_type: str | None, filters: PartnerFilters) -> bool:
    if filters.country and (country or "").upper() != filters.country.upper():
        return False
    return not (filters.org_type and org_type != filters.org_type)


def _evidence(project: dict, role: str | None) -> dict:
    return {
        "report_id": project["report_id"],
        "project": project["project"],
        "kind": project["kind"],
        "passages": project["passages"],
        "role": role,
    }


def _best(items, k: int) -> list[dict]:
    ranked = sorted(items, key=lambda item: (-item["score"], item["name"]))[:k]
    for item in ranked:
        item["score"] = round(item["score"], 4)
        item["evidence"].sort(key=lambda e: -e["passages"])
    return ranked
