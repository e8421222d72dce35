"""Who is asking, and may they: every route declares its minimum role with ``requires(Role.X)``.

    @router.get("/reports", dependencies=[requires(Role.READER)])
    def reports_page(...): ...

    @router.post("/reports/{report_id}/delete")
    def delete(request: Request, report_id: int, user: Annotated[User, requires(Role.ADMIN)]): ...

``guard`` runs before every route (an app-level dependency): it finds the user from the session,
refuses a route that declares no role (fail closed; tests/test_auth_matrix.py names it), and checks
CSRF on every state-changing request: the Origin (when sent) must be this host, ``Sec-Fetch-Site``
must not be cross-site, and the session's token must come back in the ``X-CSRF-Token`` header (JSON
API; `GET /api/session` gives it) or the ``csrf_token`` form field (``{{ csrf_field(request) }}``).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from markupsafe import Markup, escape

from kb.catalog.accounts import Accounts, parse_role_map
from kb.errors import AccountError, DiskFull, SettingsError
from kb.models import Account, Role
from kb.settings import Settings
from kb.store.visibility import may_edit
from web.ratelimit import FailureThrottle, RateLimiter

if TYPE_CHECKING:
    from web.oidc import OidcClient  # imported when single sign-on is configured (it loads Authlib)

log = logging.getLogger("kb.web.auth")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
ROLE_LABELS = {"reader": "läsare", "editor": "redaktör", "admin": "administratör"}


@dataclass(frozen=True)
class User:
    name: str | None  # None: not logged in
    role: Role  # what they may do; an anonymous visitor is PUBLIC, or READER with KB_ANONYMOUS_READ
    account_id: int | None = None

    @property
    def logged_in(self) -> bool:
        return self.account_id is not None

    @property
    def actor(self) -> str:
        """How the audit log names them."""
        return self.name or "anonymous"


@dataclass
class AuthState:
    """Kept on app.state.auth for the app's lifetime (opened in the lifespan)."""

    settings: Settings
    accounts: Accounts
    login_limiter: FailureThrottle  # password guesses: logins and the current password on /account
    upload_limiter: RateLimiter
    oidc: OidcClient | None = None  # when single sign-on is configured

    @classmethod
    def open(cls, settings: Settings, accounts: Accounts) -> AuthState:
        from web.oidc import OidcClient

        oidc = None
        if settings.oidc_metadata_url:
            try:
                roles = parse_role_map(settings.oidc_roles)
            except AccountError as exc:
                raise SettingsError(str(exc)) from exc
            oidc = OidcClient(settings, roles)
        return cls(
            settings,
            accounts,
            FailureThrottle(settings.login_attempts_per_minute, 60),
            RateLimiter(settings.uploads_per_hour, 3600),
            oidc,
        )


class LoginRequired(HTTPException):
    """Not logged in: pages redirect to /login, the API answers 401."""

    def __init__(self) -> None:
        super().__init__(401, "Log in first.")


def auth_state(request: Request) -> AuthState:
    return request.app.state.auth


def current_user(request: Request) -> User:
    """The user behind this request (cached on request.state)."""
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    state = auth_state(request)
    session = request.scope.get("session") or {}
    user = None
    account_id = session.get("account")
    if isinstance(account_id, int):
        account = state.accounts.get(account_id)
        if account is not None and not account.disabled and account.epoch == session.get("epoch"):
            user = User(account.name, account.role, account.id)
    if user is None:
        user = User(None, Role.READER if state.settings.anonymous_read else Role.PUBLIC)
    request.state.user = user
    return user


def actor(request: Request) -> str:
    return current_user(request).actor


def start_session(request: Request, account: Account) -> None:
    """A fresh session (new CSRF token) for a user who just proved who they are."""
    request.session.clear()
    request.session.update({"account": account.id, "epoch": account.epoch, "csrf": secrets.token_urlsafe(32)})
    request.state.user = User(account.name, account.role, account.id)


def end_session(request: Request) -> None:
    """Log out: this browser's cookie goes in any case; the account's other sessions end too, unless the disk
    is full (then only this one ends, and the server log says so)."""
    user = current_user(request)
    if user.account_id is not None:
        try:
            auth_state(request).accounts.end_sessions(user.account_id)
        except DiskFull as exc:
            log.warning("logout of %s ended this session only: %s", user.name, exc)
    request.session.clear()
    request.state.user = None


# -- the role each route declares ------------------------------------------------------------
def _role_check(role: Role):
    def check(request: Request) -> User:
        user = current_user(request)
        if user.role < role:
            if not user.logged_in:
                raise LoginRequired()
            raise HTTPException(403, f"This needs the {role.label} role; you are logged in as {user.role.label}.")
        return user

    check.min_role = role  # type: ignore[attr-defined]  # a mark on the function, read by declared_role
    check.__name__ = f"requires_{role.label}"
    return check


_CHECKS = {role: _role_check(role) for role in Role}


def requires(role: Role):
    """The dependency that lets a route through for ``role`` and above (and declares it)."""
    return Depends(_CHECKS[role])


ReaderUser = Annotated[User, requires(Role.READER)]
EditorUser = Annotated[User, requires(Role.EDITOR)]
AdminUser = Annotated[User, requires(Role.ADMIN)]


def declared_role(route) -> Role | None:
    """The strictest role a route's dependencies require, or None when it declares none."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    found: list[Role] = []
    stack = list(dependant.dependencies)
    while stack:
        dep = stack.pop()
        role = getattr(dep.call, "min_role", None)
        if role is not None:
            found.append(role)
        stack.extend(dep.dependencies)
    return max(found) if found else None


# FastAPI's own documentation routes and the static files are public by design.
PUBLIC_WITHOUT_DECLARATION = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/static"}


def route_roles(app: FastAPI) -> list[tuple[str | None, frozenset[str], Role | None]]:
    """(path, methods, declared role) of every route, with routers flattened; None where none is declared."""
    from fastapi.routing import iter_route_contexts

    table: list[tuple[str | None, frozenset[str], Role | None]] = []
    for route in iter_route_contexts(app.routes):
        methods = frozenset(route.methods or ())
        if route.path in PUBLIC_WITHOUT_DECLARATION:
            table.append((route.path, methods, Role.PUBLIC))
        else:
            table.append((route.path, methods, declared_role(route)))
    return table


def undeclared_routes(app: FastAPI) -> list[str]:
    return [f"{' '.join(sorted(m))} {path}" for path, m, role in route_roles(app) if role is None]


# -- the guard in front of every route ---------------------------------------------------------
async def guard(request: Request) -> None:
    current_user(request)
    route = request.scope.get("route")
    if declared_role(route) is None:
        log.error("route %s declares no role; refused", getattr(route, "path", request.url.path))
        raise HTTPException(403, "This address declares no role and stays closed until it does.")
    if request.method not in SAFE_METHODS:
        check_same_origin(request)
        await _check_csrf_token(request)


def check_same_origin(request: Request) -> None:
    """A state change must come from this site: same scheme and host in Origin, not marked cross-site."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise HTTPException(403, "Cross-site requests may not change anything here.")
    origin = request.headers.get("origin")
    if origin is None:
        return
    sent = urlsplit(origin)
    if sent.netloc != request.headers.get("host", ""):
        raise HTTPException(403, "Cross-site requests may not change anything here.")
    if sent.scheme != request.url.scheme:
        raise HTTPException(
            403,
            f"The request comes from {sent.scheme}:// but this site is served over {request.url.scheme}://; "
            "behind a TLS proxy, list it in KB_TRUSTED_PROXIES so that its X-Forwarded-Proto is believed.",
        )


def token_matches(request: Request, sent: str | None) -> bool:
    """Whether ``sent`` is this session's CSRF token (compared in constant time)."""
    expected = request.session.get("csrf")
    return bool(sent and expected and hmac.compare_digest(sent.encode(), str(expected).encode()))


async def _check_csrf_token(request: Request) -> None:
    sent = request.headers.get("x-csrf-token")
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get("csrf_token")  # FastAPI has parsed the form already: cached
        sent = value if isinstance(value, str) else None
    if not token_matches(request, sent):
        raise HTTPException(
            403,
            "The form has expired or did not come from this site; reload the page and try again "
            "(API clients send the X-CSRF-Token header given by GET /api/session).",
        )


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_query(request: Request) -> str:
    """``csrf_token=…`` for the address of a form that uploads a file: web.body_limit checks it before the
    body is read, where the form's own field cannot be seen yet."""
    return "csrf_token=" + quote(csrf_token(request), safe="")


def csrf_field(request: Request) -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(escape(csrf_token(request)))


def upload_quota(request: Request, user: EditorUser) -> User:
    """KB_UPLOADS_PER_HOUR per account, counting the uploads that were queued (see :func:`count_upload`);
    one refused as a duplicate, not a PDF, too large or for a full queue costs nothing."""
    wait = auth_state(request).upload_limiter.check(_upload_key(user))
    if wait:
        raise HTTPException(429, f"Too many uploads (KB_UPLOADS_PER_HOUR); try again in {int(wait) + 1} s.")
    return user


def count_upload(request: Request) -> None:
    """An upload was queued: it counts against its uploader's hourly quota."""
    auth_state(request).upload_limiter.hit(_upload_key(current_user(request)))


def _upload_key(user: User) -> str:
    return f"upload:{user.name}"


def client_address(request: Request) -> str:
    """The client's address: the connection's peer, or what a proxy in KB_TRUSTED_PROXIES says it is."""
    return request.client.host if request.client else "unknown"


UploadingUser = Annotated[User, Depends(upload_quota)]


def can_edit(user: User, report: dict) -> bool:
    """Admins edit any report; editors the ones they uploaded (``report`` as Report.as_json gives it)."""
    return may_edit(user.role, user.name, report)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never //host or a scheme."""
    # Browsers drop tabs and newlines from URLs ("/\t/evil.example" becomes "//evil.example").
    if not target or any(c.isspace() or not c.isprintable() for c in target):
        return "/"
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
