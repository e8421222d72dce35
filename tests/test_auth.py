"""Logging in, sessions, CSRF, security headers, rate limits, ownership of uploads and the audit log, over HTTP."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient

from kb.models import Role
from kb.settings import Settings
from tests.conftest import MODEL_CACHE
from tests.logins import PASSWORD, account_name, ensure_account, https_client, log_in
from tests.pdfs import text_pdf
from web.app import create_app
from web.sessions import CSP


@pytest.fixture(scope="module")
def client(app_client):
    return app_client


def _form_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _audit(client) -> list[dict]:
    log_in(client, "admin")
    return client.get("/api/admin/audit", params={"limit": 500}).json()


def _upload(client, path) -> int:
    with open(path, "rb") as fh:
        job = client.post("/api/uploads", files={"file": (path.name, fh, "application/pdf")}).json()
    for _ in range(300):
        answer = client.get(f"/api/jobs/{job['id']}").json()
        if answer["state"] in ("done", "failed"):
            assert answer["state"] == "done", answer
            return answer["report_id"]
        time.sleep(0.2)
    raise AssertionError("the upload was not processed in time")


def test_login_form_wrong_then_right_password(client):
    """The login form carries a CSRF token; a wrong password says so, the right one leads on; both are audited."""
    log_in(client, None)
    name = ensure_account(client, "reader")
    page = client.get("/login", params={"next": "/reports"})
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.text
    form = {"name": name, "password": "not the password", "next": "/reports", "csrf_token": _form_token(page.text)}
    wrong = client.post("/login", data=form, headers={"X-CSRF-Token": ""})
    assert wrong.status_code == 400 and "Fel namn eller lösenord." in wrong.text
    right = client.post("/login", data={**form, "password": PASSWORD}, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/reports"
    assert client.get("/api/session").json()["user"] == name
    entries = [(e["actor"], e["action"], e["outcome"]) for e in _audit(client)]
    assert (name, "login", "failed: wrong password") in entries and (name, "login", "ok") in entries


def test_a_login_without_the_csrf_token_is_refused(client):
    """A login POST without the form's token (login CSRF) is refused."""
    log_in(client, None)
    form = {"name": account_name("reader"), "password": PASSWORD}
    answer = client.post("/login", data=form, headers={"X-CSRF-Token": ""})
    assert answer.status_code == 403 and client.get("/api/session").json()["user"] is None


def test_state_changes_need_the_token_and_this_origin(client):
    """A logged-in editor's upload without X-CSRF-Token, or from another origin, is refused before anything happens."""
    token = log_in(client, "editor")
    files = {"file": ("a.pdf", b"not a PDF, refused only once past the CSRF check", "application/pdf")}
    assert client.post("/api/uploads", files=files, headers={"X-CSRF-Token": "forged"}).status_code == 403
    cross = client.post("/api/uploads", files=files, headers={"X-CSRF-Token": token, "Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert "not a PDF" in client.post("/api/uploads", files=files).json()["error"]


def test_session_cookie_is_httponly_samesite_and_secure(client):
    """Over https the session cookie is Secure, HttpOnly and SameSite=Lax; its value is signed, not readable JSON."""
    log_in(client, None)
    answer = client.post(
        "/api/login",
        json={"name": ensure_account(client, "reader"), "password": PASSWORD},
        headers={"X-CSRF-Token": client.get("/api/session").json()["csrf_token"]},
    )
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("kb_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert '"account"' not in cookie


def test_the_cookie_is_secure_whatever_host_the_client_names(client):
    """A request naming a loopback Host over plain http still gets a Secure cookie: the client picks the Host header."""
    local = TestClient(client.app, base_url="http://127.0.0.1:8000")
    answer = local.get("/api/session")
    assert "kb_session=" in answer.headers["set-cookie"] and "Secure" in answer.headers["set-cookie"]


def test_plain_http_development_drops_secure_only_on_loopback(tmp_path, embedder):
    """With KB_COOKIE_SECURE=false the cookie goes without Secure (`make run`); kb serve allows it on loopback only."""
    from kb.errors import SettingsError
    from web.server import check_plain_http

    settings = Settings(data_dir=tmp_path / "data", model_cache=MODEL_CACHE, cookie_secure=False)
    with TestClient(create_app(settings, embedder), base_url="http://127.0.0.1:8000") as local:
        assert "Secure" not in local.get("/api/session").headers["set-cookie"]
    check_plain_http(settings, "127.0.0.1")
    with pytest.raises(SettingsError, match="loopback"):
        check_plain_http(settings, "0.0.0.0")


def test_a_forged_cookie_is_ignored(client):
    """A cookie not signed with the secret key is no session."""
    log_in(client, None)
    client.cookies.set("kb_session", "eyJhY2NvdW50IjogMX0.forged.signature", domain="testserver")
    assert client.get("/api/session").json()["user"] is None


def test_logout_ends_the_session_on_the_server(client):
    """After logging out, a copy of the old cookie no longer logs anyone in."""
    log_in(client, "reader")
    stolen = client.cookies.get("kb_session")
    assert client.post("/api/logout").status_code == 204
    replay = https_client(client.app)
    replay.cookies.set("kb_session", stolen, domain="testserver")
    assert replay.get("/api/session").json()["user"] is None
    assert replay.get("/api/reports").status_code == 401


@pytest.mark.parametrize("path", ["/", "/reports", "/api/reports", "/api/session", "/nowhere", "/static/style.css"])
def test_security_headers_on_every_response(client, path):
    """Pages, API answers, errors and static files carry the CSP, no-framing, nosniff and referrer headers."""
    log_in(client, "reader")
    headers = client.get(path).headers
    assert headers["content-security-policy"] == CSP and "frame-ancestors 'none'" in CSP
    assert "'unsafe-inline'" not in CSP
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


def test_a_crash_page_carries_the_security_headers_too(client):
    """An unhandled error's 500 page is rendered outside the headers middleware, with the headers all the same."""
    from web.auth import requires

    def crash() -> None:
        raise RuntimeError("a bug, for this test")

    client.app.get("/test-crash", dependencies=[requires(Role.READER)])(crash)
    log_in(client, "reader")
    response = client.get("/test-crash")
    assert response.status_code == 500 and "a bug" not in response.text
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_templates_hold_no_inline_script_or_style():
    """The CSP forbids inline scripts and styles, so no template may contain one."""
    from tests.conftest import ROOT

    for template in (ROOT / "web" / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son\w+=", text), template.name


def test_editors_edit_their_own_reports_only(client, tmp_path):
    """An editor reviews the report they uploaded; another editor may not; an admin may; readers never see the draft."""
    log_in(client, "editor")
    pdf = text_pdf(
        tmp_path / "eget.pdf",
        [
            "Egen rapport - slutrapport\nProgram: Interreg Europe\nProjektperiod: 2020-2022",
            "3 Lärdomar\nDen som laddar upp en rapport granskar den själv innan den publiceras, och ingen annan "
            "redaktör kan ändra den. Lärdomen är att ansvaret för en rapport ska ligga hos den som känner projektet "
            "bäst, och att en administratör alltid kan rätta i efterhand om något blivit fel i granskningen.",
        ],
    )
    report_id = _upload(client, pdf)
    assert client.get(f"/api/reports/{report_id}").json()["uploaded_by"] == account_name("editor")
    assert client.get(f"/reports/{report_id}/review").status_code == 200
    assert report_id in {r["id"] for r in client.get("/api/reports").json()}

    other = https_client(client.app)
    other.app.state.auth.accounts.add("other-editor", Role.EDITOR, PASSWORD)
    token = other.get("/api/session").json()["csrf_token"]
    other.post("/api/login", json={"name": "other-editor", "password": PASSWORD}, headers={"X-CSRF-Token": token})
    other.headers["X-CSRF-Token"] = other.get("/api/session").json()["csrf_token"]
    assert other.get(f"/reports/{report_id}/review").status_code == 403
    assert other.post(f"/reports/{report_id}/review", data={"title": "Kapad"}).status_code == 403

    log_in(client, "reader")
    assert client.get(f"/api/reports/{report_id}").status_code == 404
    assert report_id not in {r["id"] for r in client.get("/api/reports").json()}

    log_in(client, "admin")
    saved = client.post(f"/reports/{report_id}/review", data={"title": "Egen rapport", "publish": "1"})
    assert saved.status_code == 200
    entries = [(e["actor"], e["action"], e["target"]) for e in _audit(client)]
    assert (account_name("editor"), "upload", "eget.pdf") in entries
    assert (account_name("admin"), "publish", f"report {report_id}") in entries
    assert not any(e[2] == f"report {report_id}" and e[0] == "other-editor" for e in entries)


def test_admin_deletes_a_report_and_the_log_shows_it(client, tmp_path):
    """DELETE /api/reports/{id} is for admins; the page twin of the audit log shows the deletion."""
    log_in(client, "editor")
    pdf = text_pdf(tmp_path / "radera.pdf", ["Att radera - slutrapport\nProgram: ESF+", "1 Lärdomar\n" + "ord " * 200])
    report_id = _upload(client, pdf)
    assert client.delete(f"/api/reports/{report_id}").status_code == 403
    log_in(client, "admin")
    assert client.delete(f"/api/reports/{report_id}").status_code == 204
    assert client.get(f"/api/reports/{report_id}").status_code == 404
    page = client.get("/admin/audit").text
    assert f"report {report_id} (radera.pdf)" in page and "delete" in page


def test_admin_manages_accounts_through_the_api(client):
    """An admin creates an account (password returned once), disables it, and cannot demote the last admin."""
    log_in(client, "admin")
    created = client.post("/api/admin/users", json={"name": "new-reader", "role": "reader"}).json()
    assert created["role"] == "reader" and len(created["password"]) >= 16
    fresh = https_client(client.app)
    token = fresh.get("/api/session").json()["csrf_token"]
    login = {"name": "new-reader", "password": created["password"]}
    assert fresh.post("/api/login", json=login, headers={"X-CSRF-Token": token}).status_code == 200
    assert client.patch("/api/admin/users/new-reader", json={"disabled": True}).json()["disabled"] is True
    assert fresh.get("/api/reports").status_code == 401  # the disabled account's session ended
    for admin in client.get("/api/admin/users").json():
        if admin["role"] == "admin" and admin["name"] != account_name("admin"):
            client.patch(f"/api/admin/users/{admin['name']}", json={"disabled": True})
    last = client.patch(f"/api/admin/users/{account_name('admin')}", json={"role": "reader"})
    assert last.status_code == 400 and "last active admin" in last.json()["error"]
    actions = {(e["action"], e["target"]) for e in _audit(client)}
    assert {("add account", "new-reader"), ("disable account", "new-reader")} <= actions


def test_admin_pages_render_for_admins_only(client):
    """The account and audit pages render for an admin; a reader is refused."""
    log_in(client, "admin")
    users = client.get("/admin/users")
    assert users.status_code == 200 and account_name("admin") in users.text and 'name="csrf_token"' in users.text
    assert client.get("/admin/audit", params={"ui": "en"}).text.count("<tr>") >= 2
    client.get("/", params={"ui": "sv"})
    log_in(client, "reader")
    assert client.get("/admin/users").status_code == 403


def test_changing_ones_own_password(client):
    """A user changes their password with the current one; the old one stops working."""
    log_in(client, None)
    client.app.state.auth.accounts.add("changer", Role.READER, PASSWORD)
    token = client.get("/api/session").json()["csrf_token"]
    client.post("/api/login", json={"name": "changer", "password": PASSWORD}, headers={"X-CSRF-Token": token})
    form = _form_token(client.get("/account").text)
    new = "another long password"
    answer = client.post(
        "/account/password", data={"current": PASSWORD, "new": new, "csrf_token": form}, headers={"X-CSRF-Token": ""}
    )
    assert answer.status_code == 200 and "Lösenordet är bytt." in answer.text
    log_in(client, None)
    token = client.get("/api/session").json()["csrf_token"]
    old = client.post("/api/login", json={"name": "changer", "password": PASSWORD}, headers={"X-CSRF-Token": token})
    assert old.status_code == 401


def _login_from(app, address: str, name: str, password: str) -> int:
    """One login attempt from a client at ``address`` to the running ``app``; returns the status code."""
    c = https_client(app, client=(address, 50000))  # no `with`: the app is running already
    token = c.get("/api/session").json()["csrf_token"]
    return c.post("/api/login", json={"name": name, "password": password}, headers={"X-CSRF-Token": token}).status_code


def test_a_client_that_keeps_failing_waits_but_nobody_else_does(tmp_path, embedder):
    """Past KB_LOGIN_ATTEMPTS_PER_MINUTE failures a client waits (429, logged), even with the right password,
    while the account's owner elsewhere, who has not failed, logs in at once: guessing cannot lock anyone out."""
    settings = Settings(data_dir=tmp_path / "data", model_cache=MODEL_CACHE, login_attempts_per_minute=3)
    with https_client(create_app(settings, embedder)) as c:
        name = ensure_account(c, "admin")
        codes = [_login_from(c.app, "203.0.113.9", name, p) for p in ["wrong one!", "wrong two!", "wrong three"]]
        assert codes == [401, 401, 401]
        assert _login_from(c.app, "203.0.113.9", name, PASSWORD) == 429
        assert _login_from(c.app, "198.51.100.4", name, PASSWORD) == 200
        outcomes = [e["outcome"] for e in c.app.state.kb.store.catalog.audit_entries(10)]
        assert "refused: too many failed attempts" in outcomes


def test_the_wait_doubles_with_each_further_failure():
    """Each failure past the limit doubles the wait; a success clears the client's failures for that name."""
    from web.ratelimit import FailureThrottle

    throttle = FailureThrottle(limit=2, window_s=60)
    assert throttle.wait("a", "anna") == 0
    for _ in range(2):
        throttle.failed("a", "anna")
    first = throttle.wait("a", "anna")
    throttle.failed("a", "anna")
    second = throttle.wait("a", "anna")
    assert 25 < first <= 30 and 55 < second <= 60
    assert throttle.wait("b", "anna") == 0 and throttle.wait("a", "other") == 0
    throttle.succeeded("a", "anna")
    assert throttle.wait("a", "anna") == 0


def test_guessing_the_current_password_is_throttled_too(tmp_path, embedder):
    """Wrong current passwords on /account/password count like failed logins: past the limit the form waits (429)."""
    settings = Settings(data_dir=tmp_path / "data", model_cache=MODEL_CACHE, login_attempts_per_minute=2)
    with https_client(create_app(settings, embedder)) as c:
        log_in(c, "reader")
        form = {"new": "another long password"}
        codes = [c.post("/account/password", data={**form, "current": f"guess {i}"}).status_code for i in range(3)]
        assert codes == [400, 400, 429]
        assert c.post("/account/password", data={**form, "current": PASSWORD}).status_code == 429


def test_only_queued_uploads_count_against_the_hourly_quota(tmp_path, embedder):
    """Refused uploads (e.g. not a PDF) cost nothing; past KB_UPLOADS_PER_HOUR queued ones an editor waits (429)."""
    settings = Settings(data_dir=tmp_path / "data", model_cache=MODEL_CACHE, uploads_per_hour=1)
    first = text_pdf(tmp_path / "first.pdf", ["Lessons learned about quotas. " * 40])
    second = text_pdf(tmp_path / "second.pdf", ["Another report about other lessons. " * 40])
    with https_client(create_app(settings, embedder)) as c:
        log_in(c, "editor")
        not_pdf = {"file": ("x.pdf", b"not a pdf at all", "application/pdf")}
        assert [c.post("/api/uploads", files=not_pdf).status_code for _ in range(3)] == [400, 400, 400]
        assert c.post("/api/uploads", files={"file": ("first.pdf", first.read_bytes())}).status_code == 202
        refused = c.post("/api/uploads", files={"file": ("second.pdf", second.read_bytes())})
        assert refused.status_code == 429 and "KB_UPLOADS_PER_HOUR" in refused.json()["error"]


def test_api_docs_are_off_unless_asked_for(client):
    """/docs and /redoc load code from a CDN, so they exist only with KB_DOCS; the schema is always there."""
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "Lärdomsbanken"


def test_api_docs_allow_exactly_their_own_inline_script(tmp_path, embedder):
    """With KB_DOCS, /docs works under a CSP that names its one inline script by hash, never 'unsafe-inline'."""
    import base64
    import hashlib

    settings = Settings(data_dir=tmp_path / "data", model_cache=MODEL_CACHE, docs=True)
    with https_client(create_app(settings, embedder)) as c:
        docs = c.get("/docs")
        script = re.search(rb"<script>(.*?)</script>", docs.content, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
    csp = docs.headers["content-security-policy"]
    assert f"'sha256-{digest}'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\t/evil.example", "/\\evil.example"])
def test_login_never_redirects_off_site(target):
    """The `next` address after login is a path on this site or nothing: no open redirect."""
    from web.auth import safe_next

    assert safe_next(target) == "/"
    assert safe_next("/reports?sort=title") == "/reports?sort=title"


def test_admin_adds_and_disables_an_account_with_the_forms(client):
    """The account page's forms create an account (its password shown once) and disable it."""
    log_in(client, "admin")
    token = _form_token(client.get("/admin/users").text)
    created = client.post("/admin/users", data={"name": "form-editor", "role": "editor", "csrf_token": token})
    assert created.status_code == 200 and "visas bara nu" in created.text
    password = re.search(r'<code class="secret">([^<]+)</code>', created.text).group(1)
    assert client.app.state.auth.accounts.verify("form-editor", password).role.label == "editor"
    disabled = client.post("/admin/users/form-editor", data={"action": "disable", "csrf_token": token})
    assert disabled.status_code == 200 and client.app.state.auth.accounts.by_name("form-editor").disabled
