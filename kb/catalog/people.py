"""Partners and contact persons as each report names them, and erasing a person from the catalog."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from kb.catalog.connection import Database
from kb.catalog.keywords import reindex_terms
from kb.models import Contact, Partner


def insert_people(
    tx: sqlite3.Connection, report_id: int, partners: Sequence[Partner], contacts: Sequence[Contact]
) -> None:
    tx.executemany(
        "INSERT INTO partners (report_id, name, country, role, page) VALUES (?, ?, ?, ?, ?)",
        [(report_id, p.name, p.country, p.role, p.page) for p in partners],
    )
    tx.executemany(
        "INSERT INTO contacts (report_id, name, role, organisation, email, phone, page) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(report_id, c.name, c.role, c.organisation, c.email, c.phone, c.page) for c in contacts],
    )


class People(Database):
    def partners_of(self, report_id: int) -> list[Partner]:
        rows = self._rows(
            "SELECT name, country, role, page FROM partners WHERE report_id = ? ORDER BY role != 'lead partner', id",
            (report_id,),
        )
        return [Partner(r["name"], r["country"], r["role"], r["page"]) for r in rows]

    def contacts_of(self, report_id: int) -> list[Contact]:
        rows = self._rows(
            "SELECT name, role, organisation, email, phone, page FROM contacts WHERE report_id = ? ORDER BY id",
            (report_id,),
        )
        return [Contact(r["name"], r["role"], r["organisation"], r["email"], r["phone"], r["page"]) for r in rows]

    def replace_people(self, report_id: int, partners: Sequence[Partner], contacts: Sequence[Contact]) -> None:
        """Replace a report's partners and contacts with corrected lists."""
        with self._transaction() as tx:
            tx.execute("DELETE FROM partners WHERE report_id = ?", (report_id,))
            tx.execute("DELETE FROM contacts WHERE report_id = ?", (report_id,))
            insert_people(tx, report_id, partners, contacts)

    def contacts_by_email(self, email: str) -> list[tuple[int, Contact]]:
        rows = self._rows(
            "SELECT report_id, name, role, organisation, email, phone, page FROM contacts "
            "WHERE lower(email) = lower(?) ORDER BY id",
            (email,),
        )
        return [(r[0], Contact(r[1], r[2], r[3], r[4], r[5], r[6])) for r in rows]

    def erase_contact(self, email: str, redactions: dict[str, str]) -> None:
        """Remove a person's contact rows and write redacted texts for the chunks that named them."""
        with self._transaction() as tx:
            tx.execute("DELETE FROM contacts WHERE lower(email) = lower(?)", (email,))
            for chunk_id, text in redactions.items():
                row = tx.execute("SELECT heading, lang FROM chunks WHERE id = ?", (chunk_id,)).fetchone()
                tx.execute("UPDATE chunks SET text = ? WHERE id = ?", (text, chunk_id))
                reindex_terms(tx, chunk_id, row["heading"], text, row["lang"])
