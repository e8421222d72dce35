"""What the follow-up figures (kb.library.followup) count: published final reports, not register entries."""

from __future__ import annotations

import sqlite3

from kb.catalog.connection import Database

_SCOPE = "r.status = 'published' AND r.kind = 'report'"


def projects(db: Database) -> list[sqlite3.Row]:
    return db._rows(
        f"SELECT r.id, r.programme, COALESCE(r.period_end, r.period_start) AS year, r.department, r.currency, "
        f"r.budget_total, r.eu_funding FROM reports r WHERE {_SCOPE} ORDER BY r.id"
    )


def theme_pairs(db: Database) -> list[sqlite3.Row]:
    """(report id, theme) of every counted report."""
    return db._rows(
        f"SELECT t.report_id, t.theme FROM report_themes t JOIN reports r ON r.id = t.report_id WHERE {_SCOPE}"
    )


def partner_countries(db: Database) -> list[sqlite3.Row]:
    """(country, distinct organisation names, projects) of the counted reports' partners."""
    return db._rows(
        f"SELECT p.country, COUNT(DISTINCT lower(trim(p.name))), COUNT(DISTINCT p.report_id) "
        f"FROM partners p JOIN reports r ON r.id = p.report_id WHERE {_SCOPE} GROUP BY p.country"
    )


def partner_rows(db: Database) -> list[sqlite3.Row]:
    """(name, country, report id) of every partner row of the counted reports."""
    return db._rows(
        f"SELECT p.name, p.country, p.report_id FROM partners p JOIN reports r ON r.id = p.report_id "
        f"WHERE {_SCOPE} ORDER BY p.id"
    )
