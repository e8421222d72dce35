"""Uploads (PDF reports and project registers) are read and embedded in a background worker, never in the request."""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import KBError, ReportRejected

log = logging.getLogger("kb.web")

STATES = ("queued", "reading", "embedding", "storing", "done", "failed")


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
            "state": self.state,
            "message": self.message,
            "report_id": self.report_id,
            "done": self.done,
            "total": self.total,
            "result": self.result,
        }


@dataclass
class Jobs:
    """A bounded queue and one worker thread; ``work[job.kind]`` does one job, setting its fields.

    One worker means at most one upload is parsed (a PDF in its sandboxed child) and embedded at a
    time, so a hostile file costs search one CPU core at most; a full queue refuses more (503).
    """

    work: dict[str, Callable[[Job], None]]
    capacity: int = 8
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

    def submit(self, kind: str, filename: str, path: Path, sha256: str = "", **details) -> Job:
        job = Job(uuid.uuid4().hex, kind, filename, path, sha256, details, stopping=self._stopping)
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            raise QueueFull(f"{self.capacity} uploads are already waiting to be read; try again in a minute.") from None
        self._jobs[job.id] = job
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                if self._stopping.is_set():
                    raise KBError("The app stopped before this upload was read; upload it again.")
                self.work[job.kind](job)
                job.state = "done"
            except ReportRejected as exc:
                job.state, job.message = "failed", exc.label
            except KBError as exc:
                job.state, job.message = "failed", str(exc)
            except Exception:  # noqa: BLE001 - the worker must survive anything one file does
                log.exception("upload %s (%s) failed", job.id, job.kind)
                job.state = "failed"
                job.message = "broken file" if job.kind == "report" else "failed unexpectedly (the server log says why)"
            finally:
                job.path.unlink(missing_ok=True)
