"""One way errors reach the visitor: a KBError (or an HTTP error) renders error.html, or {"error": …} under /api/."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb.errors import DiskFull, IndexUnavailable, KBError, ReportNotFound, VectorIndexError
from web.auth import SAFE_METHODS, LoginRequired
from web.sessions import add_security_headers
from web.templating import render

log = logging.getLogger("kb.web")


def respond(request: Request, status: int, message: str, headers: Mapping[str, str] | None = None):
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    response = render(request, "error.html", {"status": status, "message": message}, status_code=status)
    response.headers.update(headers or {})
    return response


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        """Pages redirect to /login; the API and state changes answer 401."""
        if request.url.path.startswith("/api/") or request.method not in SAFE_METHODS:
            return JSONResponse({"error": "Log in first (POST /api/login, or /login in a browser)."}, status_code=401)
        from urllib.parse import quote

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(ReportNotFound)
    async def not_found(request: Request, exc: ReportNotFound):
        return respond(request, 404, str(exc))

    @app.exception_handler(IndexUnavailable)
    async def index_unavailable(request: Request, exc: IndexUnavailable):
        return respond(request, 503, str(exc), headers={"Retry-After": "60"})

    @app.exception_handler(VectorIndexError)
    async def index_failed(request: Request, exc: VectorIndexError):
        log.warning("vector index failed on %s: %s", request.url.path, exc)
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
