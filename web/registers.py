"""Importing a project register file (page and API): read once in the request, so that a wrong format or
mapping is refused at once with its reason; imported by kb.store.jobs' worker (ingest.registers.import_job).

A register can hold thousands of projects (CORDIS: 12,900), minutes of embedding."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ingest.register_csv import FIELDS, parse_mapping
from ingest.registers import FORMATS, named, read_register
from kb.catalog.disk import writing_to
from kb.errors import KBError
from kb.models import Role
from kb.store.jobs import Job, QueueFull
from web.auth import EditorUser, actor, requires
from web.deps import StateDep
from web.schemas import JobOut
from web.state import AppState
from web.templating import render
from web.uploads import display_name

router = APIRouter()
EDITOR = requires(Role.EDITOR)
_GZIP = b"\x1f\x8b"


async def accept_register(request: Request, upload: UploadFile, fmt: str, mapping: str) -> Job:
    """Store the upload under a generated name, check that it reads as ``fmt``, and queue its import."""
    state: AppState = request.app.state.kb
    if fmt not in FORMATS:
        raise KBError(f"Unknown register format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    columns = parse_mapping(mapping) if fmt == "csv" else None
    limit = state.settings.max_file_mb * 1024 * 1024
    body = await upload.read(limit + 1)
    if len(body) > limit:
        raise HTTPException(413, f"The file is larger than {state.settings.max_file_mb} MiB.")
    if not body:
        raise KBError("The file is empty.")
    folder = state.settings.uploads_dir
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
        await run_in_threadpool(state.store.catalog.audit, actor(request), "import register", name, "rejected")
        raise KBError(named(str(exc), path, name)) from exc
    try:
        job = state.jobs.submit(
            "register", name, path, owner=actor(request), format=fmt, columns=columns, actor=actor(request)
        )
    except QueueFull as exc:
        path.unlink(missing_ok=True)
        await run_in_threadpool(
            state.store.catalog.audit, actor(request), "import register", name, "refused: queue full"
        )
        raise HTTPException(503, str(exc), headers={"Retry-After": "60"}) from None
    job.total = len(entries)
    return job


@router.get("/registers/upload", response_class=HTMLResponse, include_in_schema=False, dependencies=[EDITOR])
def register_upload_page(request: Request, state: StateDep):
    return render(
        request, "register_upload.html", {"formats": FORMATS, "fields": FIELDS, "max_mb": state.settings.max_file_mb}
    )


@router.post("/registers/upload", response_class=HTMLResponse, include_in_schema=False)
async def register_upload(
    request: Request,
    user: EditorUser,
    file: Annotated[UploadFile, File()],
    format: Annotated[str, Form()],  # noqa: A002 - the form field's name
    mapping: Annotated[str, Form()] = "",
):
    job = await accept_register(request, file, format, mapping)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.post("/api/registers", tags=["api"], response_model=JobOut, status_code=202)
async def api_register_upload(
    request: Request,
    user: EditorUser,
    file: Annotated[UploadFile, File()],
    format: Annotated[str, Form()],  # noqa: A002 - the form field's name
    mapping: Annotated[str, Form()] = "",
) -> dict:
    """Import a project register file (projektbanken, interreg-se, cordis, or csv with a column=field mapping).

    A file that does not read as the format is refused at once (400); otherwise the import is queued
    and its progress is at /api/jobs/{id}, with the counts in ``result`` once done."""
    return (await accept_register(request, file, format, mapping)).as_json()


routers = (router,)
