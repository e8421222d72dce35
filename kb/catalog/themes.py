"""The table of report themes (kb.library.themes): suggested ones ('auto') and a person's choice ('review')."""

from __future__ import annotations

from collections.abc import Sequence

from kb.catalog.connection import Database


def themes_of(db: Database, report_id: int) -> list[str]:
    rows = db._rows("SELECT theme FROM report_themes WHERE report_id = ? ORDER BY score DESC, theme", (report_id,))
    return [r[0] for r in rows]


def store_suggestion(db: Database, report_id: int, suggested: dict[str, float]) -> None:
    """Replace a report's suggested themes, unless a person has already chosen them."""
    with db._transaction() as tx:
        if tx.execute("SELECT 1 FROM report_themes WHERE report_id = ? AND source = 'review'", (report_id,)).fetchone():
            return
        tx.execute("DELETE FROM report_themes WHERE report_id = ?", (report_id,))
        tx.executemany(
            "INSERT INTO report_themes (report_id, theme, score, source) VALUES (?, ?, ?, 'auto')",
            [(report_id, key, score) for key, score in suggested.items()],
        )


def set_themes(db: Database, report_id: int, keys: Sequence[str]) -> None:
    """A person's choice; it replaces the suggestion and is kept from then on."""
    with db._transaction() as tx:
        old = dict(tx.execute("SELECT theme, score FROM report_themes WHERE report_id = ?", (report_id,)).fetchall())
        tx.execute("DELETE FROM report_themes WHERE report_id = ?", (report_id,))
        tx.executemany(
            "INSERT INTO report_themes (report_id, theme, score, source) VALUES (?, ?, ?, 'review')",
            [(report_id, key, old.get(key)) for key in dict.fromkeys(keys)],
        )


def reports_without_themes(db: Database) -> list[int]:
    rows = db._rows("SELECT id FROM reports WHERE id NOT IN (SELECT report_id FROM report_themes) ORDER BY id")
    return [r[0] for r in rows]


def lesson_counts(db: Database) -> dict[str, int]:
    """Lesson, recommendation and challenge passages of published reports, per theme."""
    rows = db._rows(
        "SELECT t.theme, COUNT(c.id) FROM report_themes t JOIN reports r ON r.id = t.report_id "
        "JOIN chunks c ON c.report_id = r.id WHERE r.status = 'published' AND r.kind = 'report' "
        "AND c.section IN ('lessons', 'recommendations', 'challenges') GROUP BY t.theme"
    )
    return {key: n for key, n in rows}
