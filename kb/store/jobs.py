"""Uploads (PDF reports and project registers) are read and embedded by a background worker, never in a request.

Each job is also written to a journal (the catalog's upload_jobs table) when it is queued, when its
work starts and when it ends, so that an upload lost with a killed server shows as failed, with the
reason, to its uploader after the restart, instead of vanishing. What a job does is given by whoever
runs the worker (the web app: ingest.uploads for a PDF, ingest.registers for a register).
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from kb.errors import KBError, ReportRejected, VectorIndexError
from kb.store.repair import IndexRepair

log = logging.getLogger("kb")

STATES = ("queued", "reading", "embedding", "storing", "done", "failed")
LOST = "The server stopped before this upload was stored; upload the file again."


class QueueFull(KBError):
    """Every place in the upload queue is taken; the client should try again later."""


@dataclass
class Job:
    id: str
    kind: str  # "report" (a PDF) or "register" (a project register file)
    filename: str
    path: Path
    sha256: str = ""  # a report's
    details: dict = field(default_factory=dict)  # what else the kind's work needs, e.g. a register's format
    owner: str | None = None  # the account that uploaded it: it owns the report, and sees the job
    state: str = "queued"
    message: str = ""
    report_id: int | None = None  # a report's, once stored
    done: int = 0  # a register's entries so far, of total
    total: int = 0
    result: dict | None = None  # a register's counts: added, updated, unchanged
    stopping: threading.Event = field(default_factory=threading.Event, repr=False)  # set when the app stops

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "filename": self.filename,
            "owner": self.owner,
            "state": self.state,
            "message": self.message,
            "report_id": self.report_id,
            "done": self.done,
            "total": self.total,
            "result": self.result,
        }


class Journal(Protocol):
    """Where jobs outlive the process: the catalog (kb.catalog.jobs)."""

    def save_job(self, job: dict) -> None: ...

    def job(self, job_id: str) -> dict | None: ...


@dataclass
class Jobs:
    """A bounded queue and one worker thread; ``work[job.kind]`` does one job, setting its fields.

    One worker means at most one upload is parsed (a PDF in its sandboxed child) and embedded at a
    time, so a hostile file costs search one CPU core at most; a full queue refuses more (503).
    """

    work: dict[str, Callable[[Job], None]]
    capacity: int = 8
    journal: Journal | None = None
    _queue: queue.Queue = field(init=False)
    _jobs: dict[str, Job] = field(default_factory=dict, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False)

    def __post_init__(self) -> None:
        self._queue = queue.Queue(maxsize=self.capacity)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._work, name="ingest-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Let the running job end (a register import stops at its next batch), drop the queued ones."""
        self._stopping.set()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)

    def submit(
        self, kind: str, filename: str, path: Path, sha256: str = "", owner: str | None = None, **details
    ) -> Job:
        job = Job(uuid.uuid4().hex, kind, filename, path, sha256, details, owner=owner, stopping=self._stopping)
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            raise QueueFull(f"{self.capacity} uploads are already waiting to be read; try again in a minute.") from None
        self._jobs[job.id] = job
        self._save(job)
        return job

    def get(self, job_id: str) -> dict | None:
        """A job as JSON: the running process's own, or one the journal kept from an earlier run."""
        job = self._jobs.get(job_id)
        if job is not None:
            return job.as_json()
        return self.journal.job(job_id) if self.journal is not None else None

    def _save(self, job: Job) -> None:
        if self.journal is None:
            return
        try:
            self.journal.save_job(job.as_json())
        except KBError as exc:  # e.g. a full disk: the job goes on; only its record after a restart is lost
            log.warning("could not record upload %s in the journal: %s", job.id, exc)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                if self._stopping.is_set():
                    raise KBError("The app stopped before this upload was read; upload it again.")
                job.state = "reading"
                self._save(job)
                self.work[job.kind](job)
                job.state = "done"
            except ReportRejected as exc:
                job.state, job.message = "failed", exc.label
            except KBError as exc:
                job.state, job.message = "failed", str(exc)
            except Exception:  # noqa: BLE001 - the worker must survive anything one file does
                log.exception("upload %s (%s) failed in state %s", job.id, job.kind, job.state)
                reading = job.kind == "report" and job.state == "reading"
                job.message = "broken file" if reading else "failed unexpectedly (the server log says why)"
                job.state = "failed"
            finally:
                job.path.unlink(missing_ok=True)
                self._save(job)


def repairing(repair: IndexRepair, work: Callable[[Job], None]) -> Callable[[Job], None]:
    """A job's work that, when the vector index fails under it, has the index checked and repaired (as a
    failed search does) and says so."""

    def run(job: Job) -> None:
        try:
            work(job)
        except VectorIndexError as exc:
            log.warning("vector index failed on upload %s: %s", job.id, exc)
            repair.failed_at_run_time()
            raise KBError(
                "The search index failed while this upload was stored; it is being checked and repaired. "
                "Upload the file again in a few minutes."
            ) from exc

    return run
