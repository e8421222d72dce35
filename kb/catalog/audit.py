"""The audit log: who changed what, when, and how it went."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kb.catalog.connection import Database, now


class AuditLog(Database):
    def audit(self, actor: str, action: str, target: str, outcome: str = "ok") -> None:
        """Append an entry."""
        self._write(
            "INSERT INTO audit_log (at, actor, action, target, outcome) VALUES (?, ?, ?, ?, ?)",
            (now(), actor, action, target, outcome),
        )

    def audit_entries(self, limit: int = 200) -> list[dict]:
        rows = self._rows("SELECT at, actor, action, target, outcome FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(r) for r in rows]

    def pseudonymise_audit(self, needles: Sequence[str], key: str) -> int:
        """Replace a person's address and names by their key in the log's earlier entries; returns how many."""
        pattern = re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)), re.IGNORECASE)
        with self._transaction() as tx:
            changed = {}
            for needle in needles:
                for r in tx.execute(
                    "SELECT id, target, outcome FROM audit_log WHERE instr(lower(target), lower(?)) "
                    "OR instr(lower(outcome), lower(?))",
                    (needle, needle),
                ):
                    changed[r["id"]] = (pattern.sub(key, r["target"]), pattern.sub(key, r["outcome"]))
            tx.executemany(
                "UPDATE audit_log SET target = ?, outcome = ? WHERE id = ?",
                [(target, outcome, rid) for rid, (target, outcome) in changed.items()],
            )
        return len(changed)
