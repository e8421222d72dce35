"""Receiving an uploaded PDF: size limit before reading, signature check, generated file names."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from fastapi import HTTPException, Request, UploadFile

from ingest.sandbox import starts_like_pdf
from kb.catalog.disk import writing_to
from kb.errors import ReportRejected
from kb.settings import Settings
from web.auth import actor, can_edit, count_upload, current_user
from web.jobs import QueueFull


def upload_folder(settings: Settings) -> Path:
    """Where uploads wait for the worker: outside any served folder, emptied once each is read."""
    return settings.data_dir / "uploads"


def discard_leftovers(settings: Settings) -> int:
    """Delete the files an earlier run of the app queued and never read (it was killed before it
    could): their jobs lived in that run's memory, so nothing will read them. Call as the writer."""
    folder = upload_folder(settings)
    if not folder.is_dir():
        return 0
    left = [path for path in folder.iterdir() if path.is_file()]
    for path in left:
        path.unlink(missing_ok=True)
    return len(left)


async def receive(upload: UploadFile, settings: Settings) -> tuple[Path, str, str]:
    """Store the upload under a generated name outside any served folder; returns (path, sha256, shown name)."""
    folder = upload_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.pdf"
    digest = hashlib.sha256()
    limit = settings.max_file_mb * 1024 * 1024
    size = 0
    head = b""
    try:
        with writing_to(settings.data_dir), open(path, "wb") as out:
            while block := await upload.read(1 << 20):
                size += len(block)
                if size > limit:
                    raise HTTPException(413, f"The file is larger than {settings.max_file_mb} MiB.")
                if len(head) < 1024:
                    head += block[: 1024 - len(head)]
                digest.update(block)
                out.write(block)
    except BaseException:
        path.unlink(missing_ok=True)  # nothing half-written stays behind: too large, a full disk, a drop
        raise
    if not starts_like_pdf(head):
        path.unlink(missing_ok=True)
        raise ReportRejected("not_pdf", "the file does not start with %PDF-")
    return path, digest.hexdigest(), display_name(upload.filename)


_BIDI_CONTROLS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def display_name(name: str | None) -> str:
    """A file name fit to show (always escaped by the templates) and never used as a path."""
    cleaned = "".join(c for c in (name or "") if c.isprintable() and c not in _BIDI_CONTROLS)
    cleaned = cleaned.replace("/", "_").replace("\\", "_").strip() or "report.pdf"
    return cleaned[-120:]


def pdf_download_name(name: str | None) -> str:
    """The name a stored report is downloaded under: always ending in .pdf, whatever it was uploaded as,
    so that a browser never saves or opens it as another type."""
    shown = display_name(name)
    return shown if shown.lower().endswith(".pdf") else shown[-116:] + ".pdf"


async def accept(request: Request, upload: UploadFile):
    """Receive an upload and queue it for reading; returns (job, None), or (None, report) for a duplicate.
    The received file is deleted unless a job takes it."""
    state = request.app.state.kb
    path, sha256, name = await receive(upload, state.settings)
    try:
        with state.lock:
            existing = state.store.catalog.report_by_sha(sha256)
            state.store.catalog.audit(actor(request), "upload", name, "duplicate" if existing else "queued")
        if existing is not None:
            path.unlink(missing_ok=True)
            if not existing.published and not can_edit(current_user(request), existing.as_json()):
                raise HTTPException(
                    409,
                    "This file is already stored as a draft another editor uploaded; they or an admin can publish it.",
                )
            return None, existing
        try:
            job = state.jobs.submit("report", name, path, sha256, owner=actor(request))
        except QueueFull as exc:
            with state.lock:
                state.store.catalog.audit("web", "upload", name, "refused: queue full")
            raise HTTPException(503, str(exc), headers={"Retry-After": "60"}) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    count_upload(request)
    return job, None
