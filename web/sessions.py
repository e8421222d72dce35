"""Signed session cookies and the security headers every response carries (both plain ASGI middleware).

The session is a small dict (account id, session epoch, CSRF token, OIDC state) signed with the
secret key by itsdangerous and kept in an HttpOnly, SameSite=Lax cookie, Secure unless KB_COOKIE_SECURE
is off (plain-http development on loopback, `make run`): a setting, never a guess from the request's
Host header, which the client chooses. Idle sessions expire after KB_SESSION_HOURS; logging out or an
account change ends them server-side (epoch).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection

COOKIE = "kb_session"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Browsers show a PDF with their own viewer, which a document policy (object-src 'none') would block.
PDF_CSP = "frame-ancestors 'none'"


def is_loopback(host_header: str) -> bool:
    """127.0.0.1:8000, [::1]:8000 and localhost are loopback addresses."""
    try:
        host = urlsplit("//" + host_header).hostname or ""
    except ValueError:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SessionMiddleware:
    def __init__(self, app, secret: str, max_age_s: int, secure: bool = True):
        self.app = app
        self.serializer = URLSafeTimedSerializer(secret, salt="kb.session")
        self.max_age_s = max_age_s
        self.secure = secure

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        data: dict = {}
        refresh = False
        raw = connection.cookies.get(COOKIE)
        if raw:
            try:
                data, signed_at = self.serializer.loads(raw, max_age=self.max_age_s, return_timestamp=True)
                refresh = _age(signed_at) > self.max_age_s / 4  # sliding expiry without a cookie on every response
            except BadSignature:  # also expired
                data, refresh = {}, True
        scope["session"] = data
        before = json.dumps(data, sort_keys=True)
        secure = self.secure

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                session = scope["session"]
                if refresh or json.dumps(session, sort_keys=True) != before:
                    headers = MutableHeaders(scope=message)
                    headers.append("Set-Cookie", self._cookie(session, secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, session: dict, secure: bool) -> str:
        if session:
            value, max_age = self.serializer.dumps(session), self.max_age_s
        else:
            value, max_age = "", 0
        return f"{COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")


def _age(signed_at: datetime) -> float:
    return (datetime.now(UTC) - signed_at).total_seconds()


# FastAPI's API documentation pages load Swagger UI / ReDoc from their CDN and start them with inline
# scripts: those pages alone allow the CDN and exactly their own inline code, by hash.
DOC_PAGES = ("/docs", "/docs/oauth2-redirect", "/redoc")
DOC_CDN = "https://cdn.jsdelivr.net"
_INLINE = re.compile(rb"<(script|style)(?![^>]*\bsrc=)[^>]*>(.*?)</\1>", re.DOTALL)


def doc_page_csp(body: bytes) -> str:
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for kind, code in _INLINE.findall(body):
        hashes[kind.decode()].append("'sha256-" + base64.b64encode(hashlib.sha256(code).digest()).decode() + "'")
    return (
        f"default-src 'self'; script-src 'self' {DOC_CDN} {' '.join(hashes['script'])}; "
        f"style-src 'self' {DOC_CDN} {' '.join(hashes['style'])}; img-src 'self' data: https://fastapi.tiangolo.com; "
        "font-src 'self' https://fonts.gstatic.com; worker-src blob:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def add_security_headers(headers: MutableHeaders, scope) -> None:
    """The headers every response carries (unless the route set its own); also used for error pages
    rendered outside this middleware (unhandled exceptions reach the outermost layer)."""
    pdf = headers.get("content-type", "").startswith("application/pdf")
    headers.setdefault("Content-Security-Policy", PDF_CSP if pdf else CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if scope["scheme"] == "https":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if not scope["path"].startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")


class SecurityHeadersMiddleware:
    """CSP without inline scripts or styles, no framing, no sniffing, a same-origin referrer, no caching of pages."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        if scope["path"] in DOC_PAGES:
            await self._doc_page(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                add_security_headers(MutableHeaders(scope=message), scope)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _doc_page(self, scope, receive, send):
        """Buffer the small documentation page, then send it with a CSP naming its inline code by hash."""
        start: dict = {}
        body = bytearray()

        async def collect(message):
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", doc_page_csp(bytes(body)))
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, collect)
        await send_with_headers(start)
        await send({"type": "http.response.body", "body": bytes(body)})
