"""Upload jobs (kb.store.jobs) kept in the catalog, so that an upload lost with a killed server shows as
failed to its uploader after the restart."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from kb.catalog.connection import Database, now

KEEP_DAYS = 30


class UploadJobs(Database):
    def save_job(self, job: dict) -> None:
        """Record an upload job's state, as Job.as_json gives it."""
        self._write(
            "INSERT INTO upload_jobs (id, kind, filename, owner, state, message, report_id, result, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state, "
            "message = excluded.message, report_id = excluded.report_id, result = excluded.result, "
            "updated_at = excluded.updated_at",
            (
                job["id"],
                job["kind"],
                job["filename"],
                job.get("owner"),
                job["state"],
                job.get("message") or "",
                job.get("report_id"),
                json.dumps(job["result"]) if job.get("result") is not None else None,
                now(),
            ),
        )

    def job(self, job_id: str) -> dict | None:
        row = self._row("SELECT * FROM upload_jobs WHERE id = ?", (job_id,))
        if row is None:
            return None
        job = {k: row[k] for k in ("id", "kind", "filename", "owner", "state", "message", "report_id")}
        return {**job, "done": 0, "total": 0, "result": json.loads(row["result"]) if row["result"] else None}

    def fail_unfinished_jobs(self, message: str) -> list[dict]:
        """Jobs an earlier run left queued or running fail with ``message`` (their work died with that run);
        records older than KEEP_DAYS go. Returns the jobs that failed now."""
        unfinished = [r["id"] for r in self._rows("SELECT id FROM upload_jobs WHERE state NOT IN ('done', 'failed')")]
        cutoff = (datetime.now(UTC) - timedelta(days=KEEP_DAYS)).isoformat(timespec="seconds")
        if not unfinished and self._value("SELECT 1 FROM upload_jobs WHERE updated_at < ? LIMIT 1", (cutoff,)) is None:
            return []  # nothing to write: the app starts on a full disk too
        with self._transaction() as tx:
            tx.executemany(
                "UPDATE upload_jobs SET state = 'failed', message = ?, updated_at = ? WHERE id = ?",
                [(message, now(), job_id) for job_id in unfinished],
            )
            tx.execute("DELETE FROM upload_jobs WHERE updated_at < ?", (cutoff,))
        return [job for job_id in unfinished if (job := self.job(job_id)) is not None]
