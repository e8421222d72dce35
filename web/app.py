"""The FastAPI app: create_app(settings) opens the knowledge base once and serves pages and their JSON twins."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest import pipeline
from kb.errors import DiskFull, IndexUnavailable, KBError, ReportNotFound, VectorIndexError
from kb.library.themes import suggest_missing
from kb.model.embedder import Embedder
from kb.search.ranking import Searcher
from kb.settings import Settings
from kb.store.writer import Store
from web import auth, uploads
from web.body_limit import BodyLimitMiddleware
from web.i18n import LANGUAGES, ORG_TYPE_LABELS, SECTION_LABELS, translate
from web.index_repair import IndexRepair
from web.jobs import LOST, Job, Jobs
from web.register_uploads import import_register_upload
from web.sessions import add_security_headers
from web.state import AppState

HERE = Path(__file__).parent
SAMPLES = HERE.parent / "samples"
log = logging.getLogger("kb.web")


def create_app(settings: Settings, embedder: Embedder | None = None, *, seed_samples: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The app answers searches: every core on one query, not bulk work's batches side by side.
        store = Store.open(settings, embedder or Embedder.load(settings))
        try:
            left = uploads.discard_leftovers(settings)  # only now: the store's writer lock is ours
            if left:
                log.warning("Deleted %d uploaded files an earlier run queued and never read.", left)
            if store.partial_files_discarded:
                log.warning("Deleted %d files an earlier run left half-written.", store.partial_files_discarded)
            try:
                for lost in store.catalog.fail_unfinished_jobs(LOST):
                    store.catalog.audit("kb serve", "upload", lost["filename"], "failed: the server stopped before it")
            except DiskFull as exc:  # the app still serves searches; the journal is put right at a later start
                log.warning("Upload jobs of an earlier run not marked failed: %s", exc)
            if seed_samples and not store.catalog.reports() and SAMPLES.is_dir():
                pipeline.ingest_paths([SAMPLES], settings, store=store)
            lock = threading.RLock()
            themes_for_old_reports = lambda: suggest_missing(store.catalog, store.index, store.themes)  # noqa: E731
            repair = IndexRepair(store, lock, on_ready=themes_for_old_reports)
            repair.start()
            work = {
                "report": lambda job: _ingest_upload(store, lock, job),
                "register": lambda job: import_register_upload(store, lock, job),
            }
            jobs = Jobs(
                {kind: _repairing(repair, run) for kind, run in work.items()},
                capacity=settings.upload_queue,
                journal=CatalogJournal(store, lock),
            )
            jobs.start()
            searcher = Searcher(store.catalog, store.index, store.embedder, lexicon=store.lexicon)
            app.state.kb = AppState(settings, store, searcher, lock, jobs, repair=repair)
            app.state.auth = auth.AuthState.open(settings, store.catalog.accounts)
            yield
            jobs.stop()
            repair.stop()
        finally:
            store.close()

    app = FastAPI(
        title="Lärdomsbanken",
        description="Lessons from completed EU projects, searchable in Swedish and English.",
        lifespan=lifespan,
        dependencies=[Depends(auth.guard)],  # every route: who is asking, CSRF, and a declared role
        # the interactive pages load Swagger UI and ReDoc from a CDN: only when asked for (KB_DOCS)
        docs_url="/docs" if settings.docs else None,
        redoc_url="/redoc" if settings.docs else None,
    )
    app.state.settings = settings
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["section_label"] = lambda kind: SECTION_LABELS.get(kind, kind)
    templates.env.globals["money"] = _money
    templates.env.globals["org_type_label"] = lambda kind: ORG_TYPE_LABELS.get(kind, kind)
    app.state.templates = templates
    app.add_middleware(BodyLimitMiddleware, settings=settings)  # inside the session middleware (auth.install)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    from web import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    from web import collections, followup, start

    for module in (collections, followup, start):
        module.install(app)
    from web import directory

    app.include_router(directory.router)
    _install_error_handlers(app, templates)
    auth.install(app, settings)
    api.document_errors(app)
    return app


def _repairing(repair: IndexRepair, work: Callable[[Job], None]) -> Callable[[Job], None]:
    """An upload's work that, when the vector index fails under it, has the index checked and repaired
    (as a failed search does) and says so."""

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


def _ingest_upload(store: Store, lock: threading.RLock, job: Job) -> None:
    """Background work for one PDF: read and embed outside the lock, store as a draft inside it."""
    job.state = "reading"
    analysis = pipeline.analyse(job.path, store.settings, job.sha256, job.filename)
    job.state = "embedding"
    vectors = store.embed_chunks(analysis.chunks)
    job.state = "storing"
    with lock:
        existing = store.catalog.report_by_sha(job.sha256)
        if existing is not None:
            job.report_id = existing.id
        else:
            job.report_id = pipeline.store_analysis(
                store, analysis, job.path, status="draft", vectors=vectors, uploaded_by=job.owner
            )


class CatalogJournal:
    """Upload jobs recorded in the catalog, under the app's lock (web.jobs.Journal)."""

    def __init__(self, store: Store, lock: threading.RLock):
        self._store, self._lock = store, lock

    def save(self, job: dict) -> None:
        with self._lock:
            self._store.catalog.save_job(job)

    def load(self, job_id: str) -> dict | None:
        with self._lock:
            return self._store.catalog.job(job_id)


def ui_lang(request: Request) -> str:
    lang = request.query_params.get("ui") or request.cookies.get("ui") or "sv"
    return lang if lang in LANGUAGES else "sv"


def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    lang = ui_lang(request)
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(
        request,
        template,
        {**context, "lang": lang, "_": lambda text, **kw: translate(text, lang).format(**kw)},
        status_code=status_code,
    )
    if request.query_params.get("ui") in LANGUAGES:
        response.set_cookie("ui", lang, max_age=365 * 24 * 3600, httponly=True, samesite="lax")
    return response


def _money(value: float | None, currency: str | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}".replace(",", "\u00a0") + (f" {currency}" if currency else "")


def _install_error_handlers(app: FastAPI, templates: Jinja2Templates) -> None:
    def respond(request: Request, status: int, message: str, headers: dict[str, str] | None = None):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status, headers=headers)
        response = render(request, "error.html", {"status": status, "message": message}, status_code=status)
        response.headers.update(headers or {})
        return response

    @app.exception_handler(ReportNotFound)
    async def not_found(request: Request, exc: ReportNotFound):
        return respond(request, 404, str(exc))

    @app.exception_handler(IndexUnavailable)
    async def index_unavailable(request: Request, exc: IndexUnavailable):
        return respond(request, 503, str(exc), headers={"Retry-After": "60"})

    @app.exception_handler(VectorIndexError)
    async def index_failed(request: Request, exc: VectorIndexError):
        log.warning("vector index failed on %s: %s", request.url.path, exc)
        if request.app.state.kb.repair is not None:
            request.app.state.kb.repair.failed_at_run_time()
        return respond(
            request,
            503,
            "Search is unavailable while the search index is checked and repaired; try again shortly.",
            headers={"Retry-After": "60"},
        )

    @app.exception_handler(DiskFull)
    async def disk_full(request: Request, exc: DiskFull):
        log.error("disk full on %s %s: %s", request.method, request.url.path, exc)
        return respond(request, 507, str(exc))

    @app.exception_handler(KBError)
    async def kb_error(request: Request, exc: KBError):
        return respond(request, 400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "Request failed"
        return respond(request, exc.status_code, message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or "request" for e in exc.errors())
        return respond(request, 422, f"Invalid value for: {fields}")

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        response = respond(request, 500, "Something went wrong on our side; the error has been logged.")
        add_security_headers(response.headers, request.scope)  # this handler runs outside the middleware
        return response
