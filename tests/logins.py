"""Logging a test client in as each role: use these in any test of a page or an API route.

    client = https_client(create_app(settings, embedder))      # or any TestClient; log_in switches it to https
    with client:
        log_in(client, "editor")    # creates the account test-editor when missing; sets X-CSRF-Token
        client.post("/api/uploads", files=...)
        log_in(client, None)        # anonymous again (with a fresh CSRF token)

The session cookie is Secure (KB_COOKIE_SECURE=auto and the test host is not loopback), so the
client must speak https: ``https_client`` builds one, and ``log_in`` moves an http one over.
"""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from kb.models import Role

PASSWORD = "a long test password, never used outside tests"
ROLES = ("reader", "editor", "admin")


def https_client(app, **kwargs) -> TestClient:
    kwargs.setdefault("raise_server_exceptions", False)
    return TestClient(app, base_url="https://testserver", **kwargs)


def account_name(role: str) -> str:
    return f"test-{role}"


def ensure_account(client: TestClient, role: str) -> str:
    """An account with this role in the running app (created once), named test-<role>."""
    accounts = client.app.state.auth.accounts
    name = account_name(role)
    if accounts.by_name(name) is None:
        accounts.add(name, Role.parse(role), PASSWORD)
    return name


def log_in(client: TestClient, role: str | None) -> str:
    """Log in as test-<role> (None: log out); returns the session's CSRF token, also set as a default header."""
    if client.base_url.scheme != "https":
        client.base_url = httpx.URL(str(client.base_url).replace("http://", "https://", 1))
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    token = client.get("/api/session").json()["csrf_token"]
    if role is not None:
        name = ensure_account(client, role)
        client.app.state.auth.login_limiter.reset()  # a fixture logging in is not an attack
        answer = client.post("/api/login", json={"name": name, "password": PASSWORD}, headers={"X-CSRF-Token": token})
        assert answer.status_code == 200, answer.text
        token = answer.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token
