"""Uploading a PDF final report (page and API), and following its job until it is stored as a draft.

The body is limited and checked before it is read (web.body_limit); the file is checked by signature,
stored under a generated name outside any served folder and read by kb.store.jobs' worker
(ingest.pipeline.ingest_upload), never in the request."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse

from ingest.sandbox import starts_like_pdf
from kb.catalog.disk import writing_to
from kb.errors import ReportRejected
from kb.models import Role
from kb.settings import Settings
from kb.store.jobs import QueueFull
from web.auth import UploadingUser, actor, can_edit, count_upload, current_user, requires
from web.deps import StateDep
from web.schemas import ERROR_RESPONSES, JobOut
from web.state import AppState
from web.templating import render

router = APIRouter()
api = APIRouter(prefix="/api", tags=["api"], responses=ERROR_RESPONSES)
EDITOR = requires(Role.EDITOR)
JobId = Annotated[str, PathParam(max_length=64)]


async def receive(upload: UploadFile, settings: Settings) -> tuple[Path, str, str]:
    """Store the upload under a generated name outside any served folder; returns (path, sha256, shown name)."""
    folder = settings.uploads_dir
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


async def accept(request: Request, state: AppState, upload: UploadFile):
    """Receive an upload and queue it for reading; returns (job, None), or (None, report) for a duplicate.
    The received file is deleted unless a job takes it."""
    path, sha256, name = await receive(upload, state.settings)
    try:
        existing = state.store.stored(sha256)
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
            state.store.catalog.audit("web", "upload", name, "refused: queue full")
            raise HTTPException(503, str(exc), headers={"Retry-After": "60"}) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    count_upload(request)
    return job, None


def job_status(request: Request, state: AppState, job_id: str) -> dict:
    """An upload's job, for its uploader or an admin; a stored report deleted since makes it failed."""
    job = state.jobs.get(job_id)
    user = current_user(request)
    owner = (job or {}).get("owner") or ""
    mine = job is not None and (user.role >= Role.ADMIN or owner.casefold() == (user.name or "").casefold())
    if job is None or not mine:
        raise HTTPException(404, f"No upload of yours has id {job_id}.")
    if job["state"] == "done" and job["report_id"] is not None:
        if state.store.catalog.report_by_id(job["report_id"]) is None:
            job = {**job, "state": "failed", "message": f"Report {job['report_id']} was deleted after it was stored."}
    return job


@router.get("/upload", response_class=HTMLResponse, include_in_schema=False, dependencies=[EDITOR])
def upload_page(request: Request, state: StateDep):
    return render(request, "upload.html", {"max_mb": state.settings.max_file_mb})


@router.post("/upload", include_in_schema=False)
async def upload(request: Request, state: StateDep, file: Annotated[UploadFile, File()], user: UploadingUser):
    job, existing = await accept(request, state, file)
    if existing is not None:
        return RedirectResponse(f"/reports/{existing.id}?duplicate=1", status_code=303)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@api.post("/uploads", response_model=JobOut, status_code=202)
async def api_upload(request: Request, state: StateDep, file: Annotated[UploadFile, File()], user: UploadingUser):
    job, existing = await accept(request, state, file)
    if existing is not None:
        return {
            "id": "",
            "filename": existing.filename,
            "state": "duplicate",
            "message": "already stored",
            "report_id": existing.id,
        }
    return job.as_json()


@router.get("/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False, dependencies=[EDITOR])
def job_page(request: Request, state: StateDep, job_id: JobId):
    job = job_status(request, state, job_id)
    if job["state"] == "done" and job["kind"] == "report":
        return RedirectResponse(f"/reports/{job['report_id']}/review", status_code=303)
    return render(request, "job.html", {"job": job})


@api.get("/jobs/{job_id}", response_model=JobOut, dependencies=[EDITOR])
def api_job(request: Request, state: StateDep, job_id: JobId):
    return job_status(request, state, job_id)


routers = (router, api)  # the pages, and their JSON twins under /api
