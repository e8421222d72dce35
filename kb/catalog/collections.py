"""The tables of collections (kb.library.collections): collections, their ordered items, who read which."""

from __future__ import annotations

import sqlite3

from kb.catalog.connection import Database, now

_SUMMARY = (
    "SELECT c.*, (SELECT COUNT(*) FROM collection_items i WHERE i.collection_id = c.id) AS item_count, "
    "(SELECT COUNT(*) FROM (SELECT r.reader FROM collection_reads r JOIN collection_items i ON i.id = r.item_id "
    "WHERE i.collection_id = c.id GROUP BY r.reader "
    "HAVING COUNT(*) = (SELECT COUNT(*) FROM collection_items j WHERE j.collection_id = c.id))) AS finished "
    "FROM collections c"
)


def insert(db: Database, name: str, description: str, featured: bool, actor: str) -> int:
    with db._transaction() as tx:
        cursor = tx.execute(
            "INSERT INTO collections (name, description, featured, created_by, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, description, int(featured), actor, now(), now()),
        )
    return int(cursor.lastrowid or 0)


def update(db: Database, collection_id: int, name: str, description: str, featured: bool) -> None:
    db._write(
        "UPDATE collections SET name = ?, description = ?, featured = ?, updated_at = ? WHERE id = ?",
        (name, description, int(featured), now(), collection_id),
    )


def delete(db: Database, collection_id: int) -> bool:
    """Whether there was such a collection."""
    return db._write("DELETE FROM collections WHERE id = ?", (collection_id,)) > 0


def summaries(db: Database, featured_only: bool = False) -> list[sqlite3.Row]:
    where = " WHERE c.featured = 1" if featured_only else ""
    return db._rows(f"{_SUMMARY}{where} ORDER BY c.featured DESC, c.name COLLATE NOCASE")


def summary(db: Database, collection_id: int) -> sqlite3.Row | None:
    return db._row(f"{_SUMMARY} WHERE c.id = ?", (collection_id,))


def items(db: Database, collection_id: int) -> list[sqlite3.Row]:
    return db._rows(
        "SELECT id, position, kind, ref, intro FROM collection_items WHERE collection_id = ? ORDER BY position, id",
        (collection_id,),
    )


def add_item(db: Database, collection_id: int, kind: str, ref: str, intro: str) -> int:
    """Append an item, or return the id of the same one already there."""
    with db._transaction() as tx:
        row = tx.execute(
            "SELECT id FROM collection_items WHERE collection_id = ? AND kind = ? AND ref = ?",
            (collection_id, kind, ref),
        ).fetchone()
        if row is not None:
            return int(row[0])
        position = tx.execute(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM collection_items WHERE collection_id = ?", (collection_id,)
        ).fetchone()[0]
        cursor = tx.execute(
            "INSERT INTO collection_items (collection_id, position, kind, ref, intro) VALUES (?, ?, ?, ?, ?)",
            (collection_id, position, kind, ref, intro),
        )
        tx.execute("UPDATE collections SET updated_at = ? WHERE id = ?", (now(), collection_id))
    return int(cursor.lastrowid or 0)


def has_item(db: Database, collection_id: int, item_id: int) -> bool:
    found = db._row("SELECT 1 FROM collection_items WHERE id = ? AND collection_id = ?", (item_id, collection_id))
    return found is not None


def set_intro(db: Database, item_id: int, intro: str) -> None:
    db._write("UPDATE collection_items SET intro = ? WHERE id = ?", (intro, item_id))


def remove_item(db: Database, item_id: int) -> None:
    db._write("DELETE FROM collection_items WHERE id = ?", (item_id,))


def move_item(db: Database, collection_id: int, item_id: int, step: int) -> None:
    """Move an item one place up (step -1) or down (+1); positions are renumbered 1..n."""
    with db._transaction() as tx:
        ids = [
            r[0]
            for r in tx.execute(
                "SELECT id FROM collection_items WHERE collection_id = ? ORDER BY position, id", (collection_id,)
            )
        ]
        at = ids.index(item_id)
        to = max(0, min(len(ids) - 1, at + (1 if step > 0 else -1)))
        ids.insert(to, ids.pop(at))
        tx.executemany("UPDATE collection_items SET position = ? WHERE id = ?", [(i + 1, x) for i, x in enumerate(ids)])


def mark_read(db: Database, item_id: int, reader: str, read: bool) -> None:
    if read:
        db._write(
            "INSERT OR IGNORE INTO collection_reads (item_id, reader, read_at) VALUES (?, ?, ?)",
            (item_id, reader, now()),
        )
    else:
        db._write("DELETE FROM collection_reads WHERE item_id = ? AND reader = ?", (item_id, reader))


def read_items(db: Database, collection_id: int, reader: str) -> set[int]:
    rows = db._rows(
        "SELECT r.item_id FROM collection_reads r JOIN collection_items i ON i.id = r.item_id "
        "WHERE i.collection_id = ? AND r.reader = ?",
        (collection_id, reader),
    )
    return {r[0] for r in rows}


def forget_contact(db: Database, email: str) -> int:
    """Remove the items that point at a person (on erasure); returns how many."""
    return db._write(
        "DELETE FROM collection_items WHERE kind = 'contact' AND lower(substr(ref, instr(ref, ':') + 1)) = lower(?)",
        (email,),
    )
