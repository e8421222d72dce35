"""The FastAPI app: create_app(settings) opens the knowledge base once and wires routers, middleware and handlers."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from ingest import pipeline, registers
from kb.catalog.secret_key import secret_key
from kb.errors import DiskFull
from kb.library.themes import suggest_missing
from kb.model.embedder import Embedder
from kb.search.ranking import Searcher
from kb.settings import Settings
from kb.store.jobs import LOST, Jobs, repairing
from kb.store.repair import IndexRepair
from kb.store.writer import Store
from web import (
    admin,
    auth,
    collections,
    directory,
    followup,
    health,
    login,
    reports,
    search,
    start,
    uploads,
)
from web import (
    registers as register_routes,
)
from web.body_limit import BodyLimitMiddleware
from web.errors import install_error_handlers
from web.schemas import document_errors
from web.sessions import SecurityHeadersMiddleware, SessionMiddleware
from web.state import AppState
from web.templating import make_templates

HERE = Path(__file__).parent
SAMPLES = HERE.parent / "samples"
ROUTER_MODULES = (
    search,
    reports,
    uploads,
    register_routes,
    directory,
    collections,
    start,
    followup,
    login,
    admin,
    health,
)
log = logging.getLogger("kb.web")


def create_app(settings: Settings, embedder: Embedder | None = None, *, seed_samples: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The app answers searches: every core on one query, not bulk work's batches side by side.
        with Store.open(settings, embedder or Embedder.load(settings)) as store:
            if store.partial_files_discarded:
                log.warning(
                    "Deleted %d files an earlier run left half-written or never read.", store.partial_files_discarded
                )
            _fail_lost_jobs(store)
            if seed_samples and not store.catalog.reports() and SAMPLES.is_dir():
                pipeline.ingest_paths([SAMPLES], settings, store=store)
            repair = IndexRepair(store, on_ready=lambda: suggest_missing(store.catalog, store.index, store.themes))
            repair.start()
            work = {
                "report": lambda job: pipeline.ingest_upload(store, job),
                "register": lambda job: registers.import_job(store, job),
            }
            jobs = Jobs(
                {kind: repairing(repair, run) for kind, run in work.items()},
                capacity=settings.upload_queue,
                journal=store.catalog,
            )
            jobs.start()
            searcher = Searcher(store.catalog, store.index, store.embedder, lexicon=store.lexicon)
            app.state.kb = AppState(settings, store, searcher, jobs, repair)
            app.state.auth = auth.AuthState.open(settings, store.catalog.accounts)
            try:
                yield
            finally:
                jobs.stop()
                repair.stop()

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
    app.state.templates = make_templates()
    # Outermost last: security headers on everything, then the session, then the body limit (it needs the session).
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    session_hours = int(settings.session_hours * 3600)
    app.add_middleware(
        SessionMiddleware, secret=secret_key(settings), max_age_s=session_hours, secure=settings.cookie_secure
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in ROUTER_MODULES:
        for router in module.routers:
            app.include_router(router)
    install_error_handlers(app)
    document_errors(app)
    return app


def _fail_lost_jobs(store: Store) -> None:
    """Uploads an earlier run queued or was reading died with it: their jobs say so to their uploaders."""
    try:
        for lost in store.catalog.fail_unfinished_jobs(LOST):
            store.catalog.audit("kb serve", "upload", lost["filename"], "failed: the server stopped before it")
    except DiskFull as exc:  # the app still serves searches; the journal is put right at a later start
        log.warning("Upload jobs of an earlier run not marked failed: %s", exc)
