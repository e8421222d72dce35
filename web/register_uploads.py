"""Receiving a project register file: checked in the request, imported by the background worker.

A register can hold thousands of projects (CORDIS: 12,900), minutes of embedding; the request only
stores the file and reads it once, so that a wrong format or mapping is refused at once with its reason.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from fastapi import HTTPException, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from ingest.register_csv import parse_mapping
from ingest.registers import FORMATS, import_entries, read_register
from kb.catalog.disk import writing_to
from kb.errors import KBError
from kb.store.writer import Store
from web.auth import actor
from web.jobs import Job, QueueFull
from web.uploads import display_name, upload_folder

_GZIP = b"\x1f\x8b"


async def accept_register(request: Request, upload: UploadFile, fmt: str, mapping: str) -> Job:
    """Store the upload under a generated name, check that it reads as ``fmt``, and queue its import."""
    state = request.app.state.kb
    if fmt not in FORMATS:
        raise KBError(f"Unknown register format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    columns = parse_mapping(mapping) if fmt == "csv" else None
    limit = state.settings.max_file_mb * 1024 * 1024
    body = await upload.read(limit + 1)
    if len(body) > limit:
        raise HTTPException(413, f"The file is larger than {state.settings.max_file_mb} MiB.")
    if not body:
        raise KBError("The file is empty.")
    folder = upload_folder(state.settings)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".csv.gz" if body.startswith(_GZIP) else {"csv": ".csv", "cordis": ".csv"}.get(fmt, ".json")
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    try:
        with writing_to(state.settings.data_dir):
            path.write_bytes(body)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    del body
    name = display_name(upload.filename or "register")
    try:
        entries = await run_in_threadpool(read_register, path, fmt, columns)
    except BaseException as exc:
        path.unlink(missing_ok=True)
        if not isinstance(exc, KBError):
            raise
        await run_in_threadpool(_audit, state, actor(request), name, "rejected")
        raise KBError(_named(str(exc), path, name)) from exc
    try:
        job = state.jobs.submit(
            "register", name, path, owner=actor(request), format=fmt, columns=columns, actor=actor(request)
        )
    except QueueFull as exc:
        path.unlink(missing_ok=True)
        await run_in_threadpool(_audit, state, actor(request), name, "refused: queue full")
        raise HTTPException(503, str(exc), headers={"Retry-After": "60"}) from None
    job.total = len(entries)
    return job


def import_register_upload(store: Store, lock: threading.RLock, job: Job) -> None:
    """Background work for one register: embedding outside the lock, each batch's writes inside it."""
    who, fmt = job.details["actor"], job.details["format"]
    job.state = "reading"
    try:
        entries = read_register(job.path, fmt, job.details["columns"])
        job.total, job.state = len(entries), "embedding"
        summary = import_entries(
            entries,
            store,
            progress=lambda done, total: _progress(job, done, total),
            writing=lambda: lock,
            stopped=job.stopping.is_set,
        )
    except Exception as exc:
        with lock:
            store.catalog.audit(who, "import register", job.filename, f"failed: {type(exc).__name__}")
        if isinstance(exc, KBError):
            exc.args = (_named(str(exc), job.path, job.filename),)  # keeps its kind (an index failure is repaired)
        raise
    with lock:
        store.catalog.audit(who, "import register", f"{job.filename} ({fmt})", summary.line())
    job.result = {"added": summary.added, "updated": summary.updated, "unchanged": summary.unchanged}
    job.message = summary.line()


def _audit(state, who: str, name: str, outcome: str) -> None:
    # in a worker thread: the lock may be held for a batch's writes, and the event loop must not wait for it
    with state.lock:
        state.store.catalog.audit(who, "import register", name, outcome)


def _progress(job: Job, done: int, total: int) -> None:
    job.done = done
    if done == total:
        job.state = "storing"  # the partner directory is built once all entries are stored


def _named(message: str, path: Path, name: str) -> str:
    """A message about the stored file, naming it as the user did (the generated path is not shown)."""
    return message.replace(str(path), name).replace(path.name, name)
