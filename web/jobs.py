"""Uploads are read and embedded in a background worker, never in the request."""

from __future__ import annotations

import queue
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import KBError, ReportRejected

STATES = ("queued", "reading", "embedding", "storing", "done", "failed")


class QueueFull(KBError):
    """Every place in the upload queue is taken; the client should try again later."""


@dataclass
class Job:
    id: str
    filename: str
    path: Path
    sha256: str
    state: str = "queued"
    message: str = ""
    report_id: int | None = None

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "filename": self.filename,
            "state": self.state,
            "message": self.message,
            "report_id": self.report_id,
        }


@dataclass
class Jobs:
    """A bounded queue and one worker thread; ``ingest`` does the work for one job.

    One worker means at most one PDF is parsed (in its sandboxed child) and embedded at a time,
    so a hostile file costs search one CPU core at most; a full queue refuses more (503).
    """

    ingest: object  # Callable[[Job], int]: returns the new report id
    capacity: int = 8
    _queue: queue.Queue = field(init=False)
    _jobs: dict[str, Job] = field(default_factory=dict, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._queue = queue.Queue(maxsize=self.capacity)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._work, name="ingest-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)

    def submit(self, filename: str, path: Path, sha256: str) -> Job:
        job = Job(uuid.uuid4().hex, filename, path, sha256)
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            raise QueueFull(f"{self.capacity} reports are already waiting to be read; try again in a minute.") from None
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
                job.report_id = self.ingest(job)
                job.state = "done"
            except ReportRejected as exc:
                job.state, job.message = "failed", exc.label
            except KBError as exc:
                job.state, job.message = "failed", str(exc)
            except Exception:  # noqa: BLE001 - the worker must survive anything one file does
                job.state, job.message = "failed", "broken file"
            finally:
                job.path.unlink(missing_ok=True)
