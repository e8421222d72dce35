"""Single sign-on against a real OpenID Connect provider started on loopback (tests/oidc_provider.py)."""

from __future__ import annotations

import httpx
import pytest
from joserfc.jwk import RSAKey

from kb.settings import Settings
from tests.conftest import MODEL_CACHE
from tests.logins import https_client, log_in
from tests.oidc_provider import Provider
from web.app import create_app


@pytest.fixture(scope="module")
def provider():
    started = Provider("lardomsbanken", "client-secret-for-tests").start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def client(tmp_path_factory, embedder, provider):
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("oidc") / "data",
        model_cache=MODEL_CACHE,
        oidc_metadata_url=f"{provider.url}/.well-known/openid-configuration",
        oidc_client_id="lardomsbanken",
        oidc_client_secret="client-secret-for-tests",
        oidc_roles="kb-admins:admin,kb-editors:editor",
    )
    with https_client(create_app(settings, embedder)) as c:
        yield c


def _sso(client, provider, user: dict) -> httpx.Response:
    """Go through the flow as a browser would: to the provider, back with a code, into the app."""
    log_in(client, None)
    provider.user = user
    start = client.get("/login/oidc", params={"next": "/reports"}, follow_redirects=False)
    assert start.status_code == 302 and start.headers["location"].startswith(f"{provider.url}/authorize?")
    assert "code_challenge=" in start.headers["location"] and "nonce=" in start.headers["location"]
    back = httpx.get(start.headers["location"], follow_redirects=False)
    assert back.status_code == 302 and back.headers["location"].startswith("https://testserver/login/oidc/callback?")
    return client.get(back.headers["location"], follow_redirects=False)


def _audit(client) -> list[tuple[str, str, str]]:
    return [(e["actor"], e["action"], e["outcome"]) for e in client.app.state.kb.store.catalog.audit_entries(50)]


def test_the_login_page_offers_single_sign_on(client):
    """With KB_OIDC_* set, the login page links to the identity provider."""
    log_in(client, None)
    assert 'href="/login/oidc?next=/"' in client.get("/login").text


def test_a_group_claim_maps_to_the_editor_role(client, provider):
    """A user in kb-editors signs in at the provider and is an editor here, with an account of their own."""
    done = _sso(client, provider, {"sub": "u-1001", "preferred_username": "anna.l", "groups": ["staff", "kb-editors"]})
    assert done.status_code == 303 and done.headers["location"] == "/reports"
    assert client.get("/api/session").json()["user"] == "anna.l"
    assert client.get("/api/session").json()["role"] == "editor"
    assert client.get("/upload").status_code == 200
    assert ("anna.l", "login (sso)", "ok as editor") in _audit(client)


def test_the_role_follows_the_claims_at_each_login(client, provider):
    """Moved to kb-admins at the provider, the same person is an admin at the next login (same account)."""
    _sso(client, provider, {"sub": "u-1002", "preferred_username": "bo.k", "groups": ["kb-editors"]})
    _sso(client, provider, {"sub": "u-1002", "preferred_username": "bo.k", "groups": ["kb-admins"]})
    assert client.get("/api/session").json() | {"csrf_token": ""} == {"user": "bo.k", "role": "admin", "csrf_token": ""}
    assert [a.name for a in client.app.state.auth.accounts.all()].count("bo.k") == 1


def test_a_user_without_a_mapped_group_is_refused(client, provider):
    """Someone the provider knows but who is in no mapped group gets no session, and the refusal is logged."""
    done = _sso(client, provider, {"sub": "u-1003", "preferred_username": "cecilia", "groups": ["staff"]})
    assert done.status_code == 403 and "no role in Lärdomsbanken" in done.text
    assert client.get("/api/session").json()["user"] is None
    assert any(a == "cecilia" and o.startswith("failed:") for a, _, o in _audit(client))


def test_an_id_token_signed_with_another_key_is_refused(client, provider):
    """An ID token whose signature does not match the provider's published keys logs no one in."""
    provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    try:
        done = _sso(client, provider, {"sub": "u-1004", "preferred_username": "mallory", "groups": ["kb-admins"]})
    finally:
        provider.signing_key = provider.key
    assert done.status_code == 403 and client.get("/api/session").json()["user"] is None


@pytest.mark.parametrize("forged", [{"aud": "another-app"}, {"exp": 1_000_000_000}, {"iss": "https://evil.example"}])
def test_an_id_token_for_another_audience_issuer_or_time_is_refused(client, provider, forged):
    """An ID token meant for another client, expired, or from another issuer logs no one in."""
    provider.overrides = forged
    try:
        done = _sso(client, provider, {"sub": "u-1005", "preferred_username": "trudy", "groups": ["kb-admins"]})
    finally:
        provider.overrides = {}
    assert done.status_code == 403 and client.get("/api/session").json()["user"] is None


def test_a_callback_with_a_forged_state_is_refused(client, provider):
    """A callback whose state this browser never started is refused (login CSRF)."""
    log_in(client, None)
    done = client.get("/login/oidc/callback", params={"code": "x", "state": "forged"}, follow_redirects=False)
    assert done.status_code == 403 and client.get("/api/session").json()["user"] is None
