"""Request bodies are refused before they are read: a small limit everywhere, large bodies only where a
file is uploaded, and only from a logged-in user of the route's role whose CSRF token checks out.

A FastAPI route parses its whole body before any dependency runs, so the role and CSRF checks in
web.auth come too late to keep an anonymous client from making the server read and parse 95 MB of
JSON. This middleware decides when the route first asks for its body: a declared size over the limit,
a missing login, role or token raise an HTTPException there, before a byte is taken, and the app's
error handlers answer (``{"error": …}`` under /api/). A chunked body is cut off once it passes the limit.
Browser forms that upload carry the token in their address (``?csrf_token=``) as well as in the form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb.models import Role
from kb.settings import Settings

SMALL_BODY = 64 * 1024  # any form or JSON body of the app fits; a login needs a few hundred bytes
FORM_FRAMING = 64 * 1024  # multipart boundaries and the other fields beside an uploaded file
REVIEW_FORM = 4 * 1024 * 1024  # a section choice per passage: a 2,000-page report's form is about 100 KiB


@dataclass(frozen=True)
class LargeBody:
    pattern: re.Pattern[str]
    role: Role
    limit: int
    quota: bool = False  # counts against KB_UPLOADS_PER_HOUR: refused before reading when it is used up


def large_body_routes(settings: Settings) -> list[LargeBody]:
    upload = settings.max_file_mb * 1024 * 1024 + FORM_FRAMING
    return [
        LargeBody(re.compile(r"/(upload|api/uploads)"), Role.EDITOR, upload, quota=True),
        LargeBody(re.compile(r"/(registers/upload|api/registers)"), Role.EDITOR, upload),
        LargeBody(re.compile(r"/reports/[0-9]{1,19}/original"), Role.ADMIN, upload),
        LargeBody(re.compile(r"/reports/[0-9]{1,19}/review"), Role.EDITOR, REVIEW_FORM),
    ]


def largest_body(settings: Settings) -> int:
    return max(route.limit for route in large_body_routes(settings))


class BodyLimitMiddleware:
    """Sits inside the session middleware (it needs the session to know who is asking)."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.routes = large_body_routes(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = next((r for r in self.routes if scope["method"] == "POST" and r.pattern.fullmatch(scope["path"])), None)
        limit = route.limit if route else SMALL_BODY
        declared = _declared_length(scope)
        received = 0
        checked = False

        async def limited_receive() -> Message:
            nonlocal received, checked
            if not checked:
                checked = True
                if route is not None:
                    _check_sender(Request(scope), route)
                if declared is not None and declared > limit:
                    raise HTTPException(413, _too_large(limit, route))
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, _too_large(limit, route))
            return message

        await self.app(scope, limited_receive, send)


def _check_sender(request: Request, route: LargeBody) -> None:
    """Only a logged-in user of the route's role, from this site, with the session's token, may send a large body."""
    from web.auth import LoginRequired, check_same_origin, current_user, token_matches, upload_quota

    user = current_user(request)
    if not user.logged_in:
        raise LoginRequired()
    if user.role < route.role:
        raise HTTPException(403, f"This needs the {route.role.label} role; you are logged in as {user.role.label}.")
    check_same_origin(request)
    sent = request.headers.get("x-csrf-token") or request.query_params.get("csrf_token")
    if not token_matches(request, sent):
        raise HTTPException(
            403,
            "The upload did not come with this session's token; reload the page and try again "
            "(API clients send the X-CSRF-Token header given by GET /api/session).",
        )
    if route.quota:
        upload_quota(request, user)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) < 19 else 2**63
    return None


def _too_large(limit: int, route: LargeBody | None) -> str:
    if route is not None and route.limit != REVIEW_FORM:
        return f"The file is larger than {(limit - FORM_FRAMING) // (1024 * 1024)} MiB."
    return f"The request body is larger than {limit // 1024} KiB, the most this address accepts."
