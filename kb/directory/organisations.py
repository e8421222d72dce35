"""The partner directory: organisations de-duplicated across reports and registers, and the people
behind them, with the date each contact was last seen in a source.

The directory is derived from the catalog's partner and contact rows (kb.directory.dedupe groups them) and
rebuilt whenever they change; hand decisions (merge two organisations, keep a name apart) are kept
and applied on every rebuild. Organisation ids stay the same as long as an organisation's main name does.
"""

from __future__ import annotations

import hashlib
import logging
import weakref
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime

from rapidfuzz import fuzz

from kb.catalog import directory as tables
from kb.catalog.database import Catalog
from kb.directory.dedupe import FUZZY_THRESHOLD, Cluster, Mention, cluster, identifiers_of
from kb.directory.names import alias_key, looks_like_organisation, normalise, org_type
from kb.errors import DiskFull, KBError, ReportNotFound

log = logging.getLogger("kb")

STALE_AFTER_YEARS = 3  # a contact not seen in any source for longer may have moved on
_deferred: weakref.WeakKeyDictionary[Catalog, int] = weakref.WeakKeyDictionary()
_current: weakref.WeakKeyDictionary[Catalog, tuple[int, int]] = weakref.WeakKeyDictionary()  # built at this state


class OrganisationNotFound(ReportNotFound):
    """No organisation (or person) has that id; a 404."""


def mentions(catalog: Catalog) -> list[Mention]:
    return [
        Mention(
            name=row["name"],
            country=row["country"],
            identifiers=identifiers_of(row["org_id"], row["vat"]),
            org_type=org_type(row["name"], row["org_type"]),
            ref=row["id"],
        )
        for row in tables.partner_rows(catalog)
        if looks_like_organisation(row["name"])  # rows stored before ingestion cleaned them
    ]


def build(catalog: Catalog) -> list[Cluster]:
    """Rebuild the directory from the catalog's partners and contacts and the hand decisions."""
    stamp = tables.fingerprint(catalog)
    decisions = tables.decisions(catalog)
    merges = [(d["alias"], d["other"]) for d in decisions if d["action"] == "merge"]
    splits = [d["alias"] for d in decisions if d["action"] == "split"]
    clusters = cluster(mentions(catalog), merges=merges, splits=splits)
    by_normalised: dict[str, str] = {}  # a normalised name -> the organisation key, for contacts
    for c in clusters:
        for alias in c.aliases:
            by_normalised.setdefault(alias.split("|", 1)[1], c.key)
    partner_org = {m.ref: c.key for c in clusters for m in c.mentions}
    report_orgs: dict[int, list[tuple[str, str]]] = {}
    for row in tables.partner_rows(catalog):
        if row["id"] in partner_org:
            report_orgs.setdefault(row["report_id"], []).append((row["role"], partner_org[row["id"]]))
    contacts_of: dict[str, list[int]] = {}
    for row in tables.contact_rows(catalog):
        key = _contact_organisation(row, by_normalised, report_orgs.get(row["report_id"], []))
        if key:
            contacts_of.setdefault(key, []).append(row["id"])
    organisations = []
    for c in clusters:
        counts = Counter(m.alias for m in c.mentions)
        names = {m.alias: m for m in c.mentions}
        organisations.append(
            {
                "key": c.key,
                "name": c.name,
                "country": c.country,
                "org_type": c.org_type,
                "identifiers": c.identifiers,
                "reasons": c.reasons,
                "aliases": [
                    {"alias": a, "name": names[a].name, "country": names[a].country, "mentions": counts[a]}
                    for a in c.aliases
                ],
                "partner_ids": [m.ref for m in c.mentions],
                "contact_ids": contacts_of.get(c.key, []),
            }
        )
    tables.write_directory(catalog, organisations, stamp)
    return clusters


def _contact_organisation(row: dict, by_normalised: dict[str, str], orgs: list[tuple[str, str]]) -> str | None:
    """The contact's organisation: named like one of the report's partners, else anywhere; else the lead."""
    named = normalise(row["organisation"] or "")
    if named:
        for _role, key in orgs:
            if fuzz.ratio(named, key.split("|", 1)[1]) >= FUZZY_THRESHOLD:
                return key
        if named in by_normalised:
            return by_normalised[named]
        return None
    leads = [key for role, key in orgs if role == "lead partner"]
    return leads[0] if len(leads) == 1 else (orgs[0][1] if len(orgs) == 1 else None)


def ensure_current(catalog: Catalog) -> None:
    """Rebuild when partners, contacts or decisions changed since the last build (cheap when not),
    except while the rebuild is :func:`deferred`."""
    if _deferred.get(catalog):
        return
    state = catalog.state()  # read before the fingerprint: a write in between changes it again
    if _current.get(catalog) == state:  # every search asks; the catalog has not changed since
        return
    if catalog.get_meta("directory") == tables.fingerprint(catalog):
        _current[catalog] = state
        return
    try:
        build(catalog)
    except DiskFull as exc:  # a read must not need a write: the directory as built last time serves
        log.warning("the partner directory was not rebuilt: %s", exc)


@contextmanager
def deferred(catalog: Catalog) -> Iterator[None]:
    """While many entries are written (a register import, batch by batch), searches and pages keep the
    directory as it was instead of rebuilding it after every batch; the writer builds it once at the end."""
    _deferred[catalog] = _deferred.get(catalog, 0) + 1
    try:
        yield
    finally:
        _deferred[catalog] -= 1


# -- hand corrections ---------------------------------------------------------------------
def merge(catalog: Catalog, organisation_id: int, other_id: int, actor: str) -> int:
    """Join two organisations for good; returns the id of the joined organisation."""
    ensure_current(catalog)
    first, second = organisation(catalog, organisation_id), organisation(catalog, other_id)
    if first["id"] == second["id"]:
        raise KBError("An organisation cannot be merged with itself.")
    tables.add_decision(catalog, "merge", first["key"], second["key"], actor)
    catalog.audit(actor, "merge organisations", f"{first['name']} + {second['name']}")
    build(catalog)
    return _organisation_named(catalog, first["key"])


def split(catalog: Catalog, organisation_id: int, alias: str, actor: str) -> int:
    """Keep one of an organisation's names apart as an organisation of its own; returns its id."""
    ensure_current(catalog)
    org = organisation(catalog, organisation_id)
    if alias not in {a["alias"] for a in org["aliases"]}:
        raise KBError(f"{org['name']} has no name {alias!r}; the organisation page lists its names.")
    if len(org["aliases"]) < 2:
        raise KBError(f"{org['name']} has only one name; there is nothing to split.")
    tables.add_decision(catalog, "split", alias, org["key"], actor)
    catalog.audit(actor, "split organisation", f"{alias} from {org['name']}")
    build(catalog)
    return _organisation_named(catalog, alias)


def _organisation_named(catalog: Catalog, alias: str) -> int:
    found = tables.organisation_by_alias(catalog, alias)
    assert found is not None, alias  # build() gives every name an organisation
    return found


# -- pages ---------------------------------------------------------------------------------
def organisation(catalog: Catalog, organisation_id: int) -> dict:
    org = tables.organisation(catalog, organisation_id)
    if org is None:
        raise OrganisationNotFound(f"No organisation has id {organisation_id}; /organisations lists them.")
    return org


def organisation_page(catalog: Catalog, organisation_id: int, today: date | None = None) -> dict:
    """An organisation with its projects, roles, countries and contacts (each with when it was last seen)."""
    ensure_current(catalog)
    org = organisation(catalog, organisation_id)
    projects: dict[int, dict] = {}
    for row in tables.projects_of(catalog, organisation_id):
        project = projects.setdefault(row["report_id"], {**row, "roles": []})
        if row["role"] not in project["roles"]:
            project["roles"].append(row["role"])
    for project in projects.values():
        project.pop("role", None)
    contacts = [contact_view(row, today) for row in tables.contacts_of_organisation(catalog, organisation_id)]
    return {
        "organisation": {k: org[k] for k in ("id", "name", "country", "org_type", "identifiers")},
        "names": org["aliases"],
        "why_joined": org["reasons"],
        "countries": sorted({a["country"] for a in org["aliases"] if a["country"]}),
        "roles": dict(Counter(r for p in projects.values() for r in p["roles"])),
        "projects": list(projects.values()),
        "contacts": sorted(contacts, key=lambda c: (c["stale"], c["name"])),
    }


def person_key(email: str | None, name: str) -> str:
    """A person's page id: from the e-mail address where there is one, else the name (never shown raw)."""
    basis = f"e:{email.strip().lower()}" if email and email.strip() else f"n:{' '.join(name.lower().split())}"
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def contact_view(row: dict, today: date | None = None) -> dict:
    seen, stale = staleness(row["seen"], today)
    return {
        "person": person_key(row["email"], row["name"]),
        "contact_id": row["id"],
        "name": row["name"],
        "role": row["role"],
        "organisation": row["organisation"],
        "organisation_id": row["organisation_id"],
        "email": row["email"],
        "phone": row["phone"],
        "report_id": row["report_id"],
        "project": row["project"],
        "source": row["kind"],
        "last_seen": seen,
        "stale": stale,
    }


def staleness(seen: str | None, today: date | None = None) -> tuple[str | None, bool]:
    """The last-seen date as the source gives it (a day or a year) and whether it is older than STALE_AFTER_YEARS."""
    if not seen:
        return None, True
    today = today or datetime.now(UTC).date()
    try:
        when = date.fromisoformat(seen) if len(seen) >= 10 else date(int(seen[:4]), 12, 31)
    except ValueError:
        return seen, True
    return seen, (today - when).days > STALE_AFTER_YEARS * 365


def person_rows(catalog: Catalog, key: str) -> list[dict]:
    ensure_current(catalog)
    rows = [contact_view(r) for r in tables.contact_rows(catalog) if person_key(r["email"], r["name"]) == key]
    if not rows:
        raise OrganisationNotFound("No person has that id; they may have been erased.")
    return rows


def person_page(catalog: Catalog, key: str) -> dict:
    rows = person_rows(catalog, key)
    latest = max(rows, key=lambda r: r["last_seen"] or "")
    emails = sorted({r["email"] for r in rows if r["email"]})
    return {
        "person": {
            "key": key,
            "name": latest["name"],
            "role": latest["role"],
            "organisation": latest["organisation"],
            "email": emails[0] if emails else None,
            "phone": next((r["phone"] for r in rows if r["phone"]), None),
            "last_seen": latest["last_seen"],
            "stale": all(r["stale"] for r in rows),
        },
        "appearances": sorted(rows, key=lambda r: r["last_seen"] or "", reverse=True),
    }


def correct_person(catalog: Catalog, key: str, values: Mapping[str, str | None], actor: str) -> str:
    """Correct a person in every contact row; returns the person's (possibly new) key."""
    rows = person_rows(catalog, key)
    name = (values.get("name") or "").strip()
    if not name:
        raise KBError("A person needs a name; to remove them, erase them instead.")
    email = (values.get("email") or "").strip() or None
    if email:
        from email_validator import EmailNotValidError, validate_email

        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise KBError(f"{email!r} is not an e-mail address: {exc}") from exc
    cleaned = {k: ((v or "").strip() or None) for k, v in values.items()}
    cleaned["email"] = email
    tables.update_contacts(catalog, [r["contact_id"] for r in rows], cleaned)
    catalog.audit(actor, "correct person", f"person {key} ({len(rows)} contact rows)")  # no name: it may be erased
    return person_key(email, name)


def list_page(catalog: Catalog, query: str = "", country: str = "", kind: str = "", page: int = 1) -> dict:
    ensure_current(catalog)
    size = 50
    total, rows = tables.list_organisations(catalog, query.strip(), country.strip(), kind, size, (page - 1) * size)
    return {"total": total, "page": page, "pages": max(1, -(-total // size)), "organisations": rows}


__all__ = ["alias_key", "build", "ensure_current", "merge", "organisation_page", "person_page", "split"]
