"""Logging in and out (password or the identity provider), one's own account, and the session's CSRF token."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from kb.catalog.accounts import LoginFailed
from kb.errors import AccountError, DiskFull
from kb.models import Account, Role
from web.auth import (
    ReaderUser,
    auth_state,
    client_address,
    csrf_token,
    current_user,
    end_session,
    requires,
    safe_next,
    start_session,
)
from web.templating import render

log = logging.getLogger("kb.web.auth")
router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["session"])


class Credentials(BaseModel):
    name: str
    password: str


class SessionOut(BaseModel):
    user: str | None
    role: str
    csrf_token: str


def _audit(request: Request, actor: str, action: str, target: str, outcome: str) -> None:
    """Logging in and out keeps working on a full disk: the entry then goes to the server log instead."""
    state = request.app.state.kb
    try:
        state.store.catalog.audit(actor, action, target, outcome)
    except DiskFull:
        log.warning("audit entry not saved (disk full): %s | %s | %s | %s", actor, action, target, outcome)


def password_login(request: Request, name: str, password: str) -> Account:
    """Check the throttle (this client's failures for this name), then the password; audit either way."""
    auth = auth_state(request)
    address = client_address(request)
    name = name.strip()[:64]
    key = name.lower()
    wait = auth.login_limiter.wait(address, key)
    if wait:
        _audit(request, name or "-", "login", f"from {address}", "refused: too many failed attempts")
        raise HTTPException(429, f"Too many failed logins from here; try again in {int(wait) + 1} s.")
    try:
        account = auth.accounts.verify(name, password)
    except LoginFailed as exc:
        auth.login_limiter.failed(address, key)
        _audit(request, name or "-", "login", f"from {address}", f"failed: {exc.reason}")
        raise
    auth.login_limiter.succeeded(address, key)
    start_session(request, account)
    _audit(request, account.name, "login", f"from {address}", "ok")
    return account


@router.get("/login", dependencies=[requires(Role.PUBLIC)])
def login_page(request: Request, next: str = "/"):
    auth = auth_state(request)
    return render(request, "login.html", {"next": safe_next(next), "error": "", "sso": auth.oidc is not None})


@router.post("/login", dependencies=[requires(Role.PUBLIC)])
def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form()] = "/",
):
    try:
        password_login(request, name, password)
    except LoginFailed:
        context = {"next": safe_next(next), "error": "Fel namn eller lösenord.", "sso": auth_state(request).oidc}
        return render(request, "login.html", context, status_code=400)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[requires(Role.PUBLIC)])
def logout(request: Request):
    user = current_user(request)
    if user.logged_in:
        _audit(request, user.actor, "logout", user.actor, "ok")
    end_session(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/account", dependencies=[requires(Role.READER)])
def account_page(request: Request, user: ReaderUser, saved: str = ""):
    return render(request, "account.html", {"error": "", "saved": saved, "account_user": user})


@router.post("/account/password")
def change_password(
    request: Request,
    user: ReaderUser,
    current: Annotated[str, Form(max_length=1000)] = "",
    new: Annotated[str, Form(max_length=1000)] = "",
):
    auth = auth_state(request)
    if not user.logged_in or user.name is None:
        raise HTTPException(403, "Log in with your own account to change its password.")
    address, key = client_address(request), f"password:{user.name.lower()}"
    wait = auth.login_limiter.wait(address, key)
    if wait:
        _audit(request, user.actor, "change password", user.actor, "refused: too many wrong passwords")
        raise HTTPException(429, f"Too many wrong passwords; try again in {int(wait) + 1} s.")
    try:
        auth.accounts.verify(user.name, current)
    except LoginFailed as exc:
        auth.login_limiter.failed(address, key)
        _audit(request, user.actor, "change password", user.actor, f"failed: {exc.reason}")
        return render(request, "account.html", {"error": str(exc), "saved": "", "account_user": user}, 400)
    auth.login_limiter.succeeded(address, key)
    try:
        account = auth.accounts.set_password(user.name, new)
    except AccountError as exc:
        _audit(request, user.actor, "change password", user.actor, f"failed: {getattr(exc, 'reason', exc)}")
        return render(request, "account.html", {"error": str(exc), "saved": "", "account_user": user}, 400)
    start_session(request, account)  # other sessions of this account end (epoch), this one goes on
    _audit(request, user.actor, "change password", user.actor, "ok")
    return RedirectResponse("/account?saved=1", status_code=303)


# -- single sign-on ------------------------------------------------------------------------------
@router.get("/login/oidc", dependencies=[requires(Role.PUBLIC)])
async def oidc_start(request: Request, next: str = "/"):
    oidc = auth_state(request).oidc
    if oidc is None:
        raise HTTPException(404, "Single sign-on is not configured (KB_OIDC_METADATA_URL).")
    request.session["next"] = safe_next(next)
    return await oidc.redirect(request, str(request.url_for("oidc_callback")))


@router.get("/login/oidc/callback", name="oidc_callback", dependencies=[requires(Role.PUBLIC)])
async def oidc_callback(request: Request):
    auth = auth_state(request)
    if auth.oidc is None:
        raise HTTPException(404, "Single sign-on is not configured (KB_OIDC_METADATA_URL).")
    target = safe_next(request.session.pop("next", "/"))
    try:
        account = await auth.oidc.login(request, auth.accounts)
    except AccountError as exc:
        _audit(request, getattr(exc, "who", "-"), "login (sso)", "identity provider", f"failed: {exc}")
        raise HTTPException(403, str(exc)) from None
    start_session(request, account)
    _audit(request, account.name, "login (sso)", "identity provider", f"ok as {account.role.label}")
    return RedirectResponse(target, status_code=303)


# -- the JSON twins ------------------------------------------------------------------------------
@api.get("/session", response_model=SessionOut, dependencies=[requires(Role.PUBLIC)])
def api_session(request: Request):
    """Who you are, and the token to send as X-CSRF-Token with every POST, PATCH or DELETE."""
    user = current_user(request)
    return {"user": user.name, "role": user.role.label, "csrf_token": csrf_token(request)}


@api.post("/login", response_model=SessionOut, dependencies=[requires(Role.PUBLIC)])
def api_login(request: Request, credentials: Credentials):
    """Log in with a local account; the answer carries the new session's CSRF token."""
    try:
        account = password_login(request, credentials.name, credentials.password)
    except LoginFailed as exc:
        raise HTTPException(401, str(exc)) from None
    return {"user": account.name, "role": account.role.label, "csrf_token": csrf_token(request)}


@api.post("/logout", status_code=204, dependencies=[requires(Role.PUBLIC)])
def api_logout(request: Request):
    user = current_user(request)
    if user.logged_in:
        _audit(request, user.actor, "logout", user.actor, "ok")
    end_session(request)


routers = (router, api)  # the pages, and their JSON twins under /api
