"""Which client address the app believes: X-Forwarded-For only from KB_TRUSTED_PROXIES, over real HTTP."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from tests.live_server import create_account, plain_http, serve
from web.app import create_app

pytestmark = pytest.mark.slow


def _failed_login_address(settings, embedder, forwarded: str) -> str:
    """Fail one login through a live server while claiming ``forwarded``; the address the audit log recorded."""
    name, _ = create_account(settings, "reader")
    app = create_app(settings, embedder)
    with serve(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        token = client.get("/api/session").json()["csrf_token"]
        headers = {"X-CSRF-Token": token, "X-Forwarded-For": forwarded}
        assert client.post("/api/login", json={"name": name, "password": "wrong password"}, headers=headers).is_error
        entry = app.state.kb.store.catalog.audit_entries(1)[0]
    assert entry["action"] == "login" and entry["outcome"] == "failed: wrong password"
    return entry["target"]


def test_forwarded_headers_from_loopback_are_not_believed_by_default(tmp_path, embedder):
    """A local client cannot choose its address with X-Forwarded-For: the limiter and the audit log see the peer."""
    settings = plain_http(_settings(tmp_path))
    assert _failed_login_address(settings, embedder, "203.0.113.77") == "from 127.0.0.1"


def test_a_trusted_proxy_names_the_client(tmp_path, embedder):
    """With the proxy's address in KB_TRUSTED_PROXIES its X-Forwarded-For names the client."""
    settings = plain_http(replace(_settings(tmp_path), trusted_proxies="127.0.0.0/8"))
    assert _failed_login_address(settings, embedder, "203.0.113.77") == "from 203.0.113.77"


def _settings(tmp_path):
    from kb.settings import Settings
    from tests.conftest import MODEL_CACHE

    return Settings(data_dir=tmp_path / "data", model_cache=MODEL_CACHE)
