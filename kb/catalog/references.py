"""What points at a passage by its id from elsewhere in the catalog, followed when a passage gets a new id
(a re-reading of its report, kb.catalog.reports.Reports.reread_report)."""

from __future__ import annotations

import sqlite3

# (table, column, where): every place that holds a passage id
PASSAGE_REFERENCES = (("collection_items", "ref", "kind = 'passage'"),)


def remap_passages(tx: sqlite3.Connection, renamed: dict[str, str]) -> None:
    """Point every reference to an old passage id at its new id (inside the caller's transaction)."""
    pairs = [(new, old) for old, new in renamed.items() if old != new]
    for table, column, where in PASSAGE_REFERENCES:
        tx.executemany(f"UPDATE OR IGNORE {table} SET {column} = ? WHERE {column} = ? AND {where}", pairs)
