"""The partner directory's tables (declared in the catalog's schema): the SQL behind kb.directory."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from kb.catalog.connection import Database, now

_PUBLISHED = "SELECT id FROM reports WHERE status = 'published'"


def fingerprint(db: Database) -> str:
    """Changes whenever the partners, contacts, register details or hand decisions change."""
    with db._lock:
        parts = [
            db._row(f"SELECT COUNT(*), MAX(id) FROM partners WHERE report_id IN ({_PUBLISHED})"),
            db._row(f"SELECT COUNT(*), MAX(id) FROM contacts WHERE report_id IN ({_PUBLISHED})"),
            db._row("SELECT COUNT(*) FROM partner_details"),
            db._row("SELECT COUNT(*), MAX(id) FROM organisation_decisions"),
        ]
    return json.dumps([list(p) if p is not None else [] for p in parts])


def partner_rows(db: Database) -> list[dict]:
    """Every partner row of a published report or register entry, with what its register adds."""
    rows = db._rows(
        "SELECT p.id, p.report_id, p.name, p.country, p.role, d.org_id, d.vat, d.org_type FROM partners p "
        "LEFT JOIN partner_details d ON d.report_id = p.report_id AND d.name = p.name "
        f"WHERE p.report_id IN ({_PUBLISHED}) ORDER BY p.id"
    )
    return [dict(r) for r in rows]


def contact_rows(db: Database, contact_ids: Sequence[int] | None = None) -> list[dict]:
    """Contact rows of published entries with the date each was last seen in its source.

    A register entry's contacts were seen on the day the register was last imported; a report's
    contacts when the report was written, which we know as the project's last year (else the
    day the report was stored).
    """
    sql = (
        "SELECT c.id, c.report_id, c.name, c.role, c.organisation, c.email, c.phone, c.page, r.kind, "
        "COALESCE(r.acronym, r.title, r.filename) AS project, "
        "COALESCE(s.seen_at, CAST(r.period_end AS TEXT), substr(r.ingested_at, 1, 10)) AS seen, "
        "oc.organisation_id FROM contacts c JOIN reports r ON r.id = c.report_id "
        "LEFT JOIN source_seen s ON s.report_id = c.report_id "
        "LEFT JOIN organisation_contacts oc ON oc.contact_id = c.id "
        f"WHERE c.report_id IN ({_PUBLISHED})"
    )
    params: list = []
    if contact_ids is not None:
        sql += f" AND c.id IN ({','.join('?' * len(contact_ids)) or 'NULL'})"
        params = list(contact_ids)
    return [dict(r) for r in db._rows(sql + " ORDER BY c.id", params)]


def decisions(db: Database) -> list[dict]:
    rows = db._rows("SELECT action, alias, other, actor, at FROM organisation_decisions ORDER BY id")
    return [dict(r) for r in rows]


def add_decision(db: Database, action: str, alias: str, other: str | None, actor: str) -> None:
    with db._transaction() as tx:
        if action == "split":  # keeping a name apart undoes the hand merges that named it
            tx.execute(
                "DELETE FROM organisation_decisions WHERE action = 'merge' AND (alias = ? OR other = ?)", (alias, alias)
            )
        tx.execute(
            "INSERT INTO organisation_decisions (action, alias, other, actor, at) VALUES (?, ?, ?, ?, ?)",
            (action, alias, other, actor, now()),
        )


def write_directory(db: Database, organisations: list[dict], stamp: str) -> None:
    """Replace the derived directory tables; an organisation keeps its id as long as its key is the same."""
    with db._transaction() as tx:
        known = dict(tx.execute("SELECT key, id FROM organisation_ids").fetchall())
        next_id = max(known.values(), default=0) + 1
        for table in ("organisations", "organisation_aliases", "organisation_partners", "organisation_contacts"):
            tx.execute(f"DELETE FROM {table}")
        for org in organisations:
            if org["key"] not in known:
                known[org["key"]] = next_id
                tx.execute("INSERT INTO organisation_ids (key, id) VALUES (?, ?)", (org["key"], next_id))
                next_id += 1
            oid = org["id"] = known[org["key"]]
            tx.execute(
                "INSERT INTO organisations (id, key, name, country, org_type, identifiers, reasons) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    oid,
                    org["key"],
                    org["name"],
                    org["country"],
                    org["org_type"],
                    json.dumps(org["identifiers"]),
                    json.dumps(org["reasons"], ensure_ascii=False),
                ),
            )
            tx.executemany(
                "INSERT INTO organisation_aliases (alias, organisation_id, name, country, mentions) "
                "VALUES (?, ?, ?, ?, ?)",
                [(a["alias"], oid, a["name"], a["country"], a["mentions"]) for a in org["aliases"]],
            )
            tx.executemany(
                "INSERT INTO organisation_partners (partner_id, organisation_id) VALUES (?, ?)",
                [(pid, oid) for pid in org["partner_ids"]],
            )
        tx.executemany(
            "INSERT OR REPLACE INTO organisation_contacts (contact_id, organisation_id) VALUES (?, ?)",
            [(cid, known[key]) for org in organisations for cid in org["contact_ids"] for key in [org["key"]]],
        )
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('directory', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (stamp,),
        )


def organisation(db: Database, organisation_id: int) -> dict | None:
    row = db._row("SELECT * FROM organisations WHERE id = ?", (organisation_id,))
    if row is None:
        return None
    org = dict(row)
    org["identifiers"] = json.loads(org["identifiers"])
    org["reasons"] = json.loads(org["reasons"])
    org["aliases"] = [
        dict(r)
        for r in db._rows(
            "SELECT alias, name, country, mentions FROM organisation_aliases WHERE organisation_id = ? "
            "ORDER BY mentions DESC, alias",
            (organisation_id,),
        )
    ]
    return org


def organisation_by_alias(db: Database, alias: str) -> int | None:
    found = db._value("SELECT organisation_id FROM organisation_aliases WHERE alias = ?", (alias,))
    return None if found is None else int(found)


def projects_of(db: Database, organisation_id: int) -> list[dict]:
    rows = db._rows(
        "SELECT r.id AS report_id, COALESCE(r.acronym, r.title, r.filename) AS project, r.kind, r.programme, "
        "r.period_start, r.period_end, p.role, p.country, p.name FROM organisation_partners op "
        "JOIN partners p ON p.id = op.partner_id JOIN reports r ON r.id = p.report_id "
        "WHERE op.organisation_id = ? ORDER BY r.period_end DESC, r.id DESC",
        (organisation_id,),
    )
    return [dict(r) for r in rows]


def organisations_of_reports(db: Database, report_ids: Sequence[int]) -> list[dict]:
    """The partner rows of these reports with their organisation (for ranking)."""
    if not report_ids:
        return []
    marks = ",".join("?" * len(report_ids))
    rows = db._rows(
        "SELECT p.report_id, p.role, p.country AS row_country, o.id, o.name, o.country, o.org_type "
        "FROM partners p JOIN organisation_partners op ON op.partner_id = p.id "
        f"JOIN organisations o ON o.id = op.organisation_id WHERE p.report_id IN ({marks})",
        list(report_ids),
    )
    return [dict(r) for r in rows]


def contacts_of_reports(db: Database, report_ids: Sequence[int]) -> list[dict]:
    if not report_ids:
        return []
    ids = [
        r[0]
        for r in db._rows(
            f"SELECT id FROM contacts WHERE report_id IN ({','.join('?' * len(report_ids))})", list(report_ids)
        )
    ]
    return contact_rows(db, ids)


def contacts_of_organisation(db: Database, organisation_id: int) -> list[dict]:
    ids = [
        r[0]
        for r in db._rows("SELECT contact_id FROM organisation_contacts WHERE organisation_id = ?", (organisation_id,))
    ]
    return contact_rows(db, ids)


def list_organisations(
    db: Database, query: str = "", country: str = "", org_type: str = "", limit: int = 100, offset: int = 0
) -> tuple[int, list[dict]]:
    where, params = ["1"], []
    if query:
        where.append("(o.name LIKE ? OR o.id IN (SELECT organisation_id FROM organisation_aliases WHERE name LIKE ?))")
        params += [f"%{query}%", f"%{query}%"]
    if country:
        where.append("o.country = ?")
        params.append(country.upper())
    if org_type:
        where.append("o.org_type = ?")
        params.append(org_type)
    clause = " AND ".join(where)
    total = int(db._value(f"SELECT COUNT(*) FROM organisations o WHERE {clause}", params) or 0)
    rows = db._rows(
        "SELECT o.id, o.name, o.country, o.org_type, "
        "(SELECT COUNT(DISTINCT p.report_id) FROM organisation_partners op JOIN partners p ON p.id = op.partner_id "
        " WHERE op.organisation_id = o.id) AS projects, "
        "(SELECT COUNT(*) FROM organisation_aliases a WHERE a.organisation_id = o.id) AS names "
        f"FROM organisations o WHERE {clause} ORDER BY projects DESC, o.name LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return total, [dict(r) for r in rows]


def update_contacts(db: Database, contact_ids: Sequence[int], values: dict[str, str | None]) -> None:
    """Correct a person's contact rows (name, role, organisation, e-mail, phone) everywhere."""
    columns = [c for c in ("name", "role", "organisation", "email", "phone") if c in values]
    if not contact_ids or not columns:
        return
    with db._transaction() as tx:
        tx.executemany(
            f"UPDATE contacts SET {', '.join(c + ' = ?' for c in columns)} WHERE id = ?",
            [(*[values[c] for c in columns], cid) for cid in contact_ids],
        )


def record_sources(db: Database, seen: dict[int, dict[str, dict]]) -> None:
    """Register entries seen today, with what the register says about each organisation."""
    today = datetime.now(UTC).date().isoformat()
    with db._transaction() as tx:
        for report_id, details in seen.items():
            tx.execute(
                "INSERT INTO source_seen (report_id, seen_at) VALUES (?, ?) "
                "ON CONFLICT(report_id) DO UPDATE SET seen_at = excluded.seen_at",
                (report_id, today),
            )
            tx.execute("DELETE FROM partner_details WHERE report_id = ?", (report_id,))
            tx.executemany(
                "INSERT OR REPLACE INTO partner_details (report_id, name, org_id, vat, org_type) "
                "VALUES (?, ?, ?, ?, ?)",
                [(report_id, n, d.get("org_id"), d.get("vat"), d.get("org_type")) for n, d in details.items()],
            )
