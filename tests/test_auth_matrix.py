"""Every route declares its minimum role, and every route is tried as every role: anonymous, reader, editor, admin.

A route added without ``requires(Role.X)`` fails ``test_every_route_declares_its_role`` (and the
app refuses it at run time). The matrix needs no list of routes: it reads them from the app.
"""

from __future__ import annotations

import re

import pytest

from kb.models import Role
from kb.settings import Settings
from tests.conftest import MODEL_CACHE
from tests.logins import https_client, log_in
from web.app import create_app
from web.auth import PUBLIC_WITHOUT_DECLARATION, route_roles, undeclared_routes

# Path parameters that name nothing: an allowed role then gets 404/422, never 401/403.
SAMPLE_PARAMS = {"report_id": "999999", "job_id": "no-such-job", "name": "nobody-here"}
VISITORS = [None, "reader", "editor", "admin"]


@pytest.fixture(scope="module")
def client(app_client):
    return app_client


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE_PARAMS.get(m.group(1), "1"), path)


def _denied(answer) -> bool:
    to_login = answer.status_code == 303 and answer.headers.get("location", "").startswith("/login?next=")
    return answer.status_code in (401, 403) or to_login


def test_every_route_declares_its_role(client):
    """No route is left without a declared minimum role (FastAPI's docs and /static are public by design)."""
    assert undeclared_routes(client.app) == []


def test_the_matrix_covers_the_known_routes(client):
    """The matrix reads the routes from the app: pages, JSON twins, login and admin routes are all in it."""
    table = {(path, method): role for path, methods, role in route_roles(client.app) for method in methods}
    assert table[("/", "GET")] is Role.READER
    assert table[("/api/uploads", "POST")] is Role.EDITOR
    assert table[("/reports/{report_id}/review", "POST")] is Role.EDITOR
    assert table[("/admin/audit", "GET")] is Role.ADMIN
    assert table[("/api/reports/{report_id}", "DELETE")] is Role.ADMIN
    assert table[("/login", "POST")] is Role.PUBLIC


@pytest.mark.parametrize("visitor", VISITORS, ids=lambda v: v or "anonymous")
def test_every_route_for_every_role(client, visitor):
    """A visitor below a route's role is refused (401, 403 or sent to /login); at or above it, let through."""
    rank = Role.parse(visitor) if visitor else Role.PUBLIC
    log_in(client, visitor)
    wrong = []
    tried = 0
    for path, methods, role in route_roles(client.app):
        if path in PUBLIC_WITHOUT_DECLARATION:
            continue
        for method in sorted(methods - {"HEAD"}):
            answer = client.request(method, _concrete(path), follow_redirects=False)
            tried += 1
            allowed = rank >= role
            if allowed and (_denied(answer) or answer.status_code >= 500):
                wrong.append(f"{method} {path}: {answer.status_code} for {visitor}, who may ({role.label})")
            if not allowed and not _denied(answer):
                wrong.append(f"{method} {path}: {answer.status_code} for {visitor}, who may not ({role.label})")
            if method != "GET" and role is Role.PUBLIC:
                log_in(client, visitor)  # login/logout routes may have changed the session
    assert tried > 30
    assert wrong == []


def test_a_route_without_a_declared_role_is_named_and_closed(settings, embedder):
    """A route that declares no role is listed by undeclared_routes and refused even to an admin."""
    app = create_app(settings, embedder)

    @app.get("/forgotten")
    def forgotten():
        return {"open": True}

    assert undeclared_routes(app) == ["GET /forgotten"]
    with https_client(app) as c:
        log_in(c, "admin")
        assert c.get("/forgotten").status_code == 403
        assert c.get("/api/session").json()["role"] == "admin"


def test_anonymous_read_lets_visitors_search_but_not_upload(tmp_path, embedder):
    """With KB_ANONYMOUS_READ, a visitor who is not logged in searches and browses, and still cannot upload."""
    settings = Settings(data_dir=tmp_path / "data", model_cache=MODEL_CACHE, anonymous_read=True)
    with https_client(create_app(settings, embedder)) as c:
        assert c.get("/api/search", params={"q": "elbussar"}).status_code == 200
        assert c.get("/reports").status_code == 200
        upload = c.get("/upload", follow_redirects=False)
        assert upload.status_code == 303 and upload.headers["location"] == "/login?next=/upload"
