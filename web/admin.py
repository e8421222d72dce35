"""Admin pages and their JSON twins: the audit log and accounts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from kb.catalog.accounts import NAME, Accounts, generate_password
from kb.errors import AccountError
from kb.models import Account, Role
from web.auth import AdminUser, auth_state, requires
from web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[requires(Role.ADMIN)])
api = APIRouter(prefix="/api", tags=["admin"], dependencies=[requires(Role.ADMIN)])
ACTIONS = ("role", "reset", "disable", "enable")


class AuditEntry(BaseModel):
    at: str
    actor: str
    action: str
    target: str
    outcome: str


class AccountOut(BaseModel):
    name: str
    role: str
    source: str
    disabled: bool
    created_at: str
    password: str | None = None  # only in the answer that created or reset it


RoleName = Literal["reader", "editor", "admin"]


class NewAccount(BaseModel):
    name: Annotated[str, Field(pattern=NAME.pattern)]
    role: RoleName = "reader"


class AccountChange(BaseModel):
    role: RoleName | None = None
    disabled: bool | None = None
    reset_password: bool = False


def _audit(request: Request, actor: str, action: str, target: str, outcome: str = "ok") -> None:
    state = request.app.state.kb
    state.store.catalog.audit(actor, action, target, outcome)


def audit_entries(request: Request, limit: int) -> list[dict]:
    state = request.app.state.kb
    return state.store.catalog.audit_entries(limit)


# -- the audit log -------------------------------------------------------------------------------
@router.get("/admin/audit")
def audit_page(request: Request, limit: Annotated[int, Query(ge=1, le=5000)] = 200):
    return render(request, "audit.html", {"entries": audit_entries(request, limit), "limit": limit})


@api.get("/admin/audit", response_model=list[AuditEntry])
def api_audit(request: Request, limit: Annotated[int, Query(ge=1, le=5000)] = 200):
    """The latest audit-log entries, newest first: who did what to what, when, and how it went."""
    return audit_entries(request, limit)


# -- accounts ------------------------------------------------------------------------------------
def add_account(request: Request, admin: str, name: str, role: str) -> tuple[Account, str]:
    password = generate_password()
    try:
        account = auth_state(request).accounts.add(name.strip(), Role.parse(role), password)
    except AccountError as exc:
        _audit(request, admin, "add account", name[:64], f"failed: {exc}")
        raise
    _audit(request, admin, "add account", account.name, f"ok as {account.role.label}")
    return account, password


def change_account(request: Request, admin: str, name: str, change: AccountChange) -> tuple[Account, str | None]:
    accounts = auth_state(request).accounts
    password = None
    try:
        account = accounts.by_name(name)
        if account is None:
            raise AccountError(f"No account is named {name!r}.")
        new_role = Role.parse(change.role) if change.role else account.role
        if (new_role < Role.ADMIN or change.disabled) and _is_last_admin(accounts, account):
            raise AccountError("This is the last active admin account; make another admin first.")
        if change.role:
            account = accounts.set_role(name, new_role)
            _audit(request, admin, "change role", name, f"ok: {new_role.label}")
        if change.disabled is not None:
            account = accounts.set_disabled(name, change.disabled)
            _audit(request, admin, "disable account" if change.disabled else "enable account", name)
        if change.reset_password:
            password = generate_password()
            account = accounts.set_password(name, password)
            _audit(request, admin, "reset password", name)
    except AccountError as exc:
        _audit(request, admin, "change account", name[:64], f"failed: {exc}")
        raise
    return account, password


def _is_last_admin(accounts: Accounts, account: Account) -> bool:
    if account.role < Role.ADMIN or account.disabled:
        return False
    return not any(a.role >= Role.ADMIN and not a.disabled and a.id != account.id for a in accounts.all())


def _users_page(request: Request, notice: str = "", password: str = "", status_code: int = 200):
    accounts = auth_state(request).accounts.all()
    context = {"accounts": accounts, "roles": [r.label for r in Role if r > Role.PUBLIC], "notice": notice}
    return render(request, "users.html", {**context, "password": password}, status_code=status_code)


@router.get("/admin/users")
def users_page(request: Request):
    return _users_page(request)


@router.post("/admin/users")
def users_add(
    request: Request,
    admin: AdminUser,
    name: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(pattern="^(reader|editor|admin)$")] = "reader",
):
    try:
        account, password = add_account(request, admin.actor, name, role)
    except AccountError as exc:
        return _users_page(request, str(exc), status_code=400)
    return _users_page(request, account.name, password)


@router.post("/admin/users/{name}")
def users_change(
    request: Request,
    admin: AdminUser,
    name: str,
    action: Annotated[str, Form(pattern="^(role|reset|disable|enable)$")],
    role: Annotated[str, Form(pattern="^(|reader|editor|admin)$")] = "",
):
    change = AccountChange.model_validate(  # checks the role name
        {
            "role": role if action == "role" else None,
            "disabled": {"disable": True, "enable": False}.get(action),
            "reset_password": action == "reset",
        }
    )
    try:
        account, password = change_account(request, admin.actor, name, change)
    except AccountError as exc:
        return _users_page(request, str(exc), status_code=400)
    if password:
        return _users_page(request, account.name, password)
    return RedirectResponse("/admin/users", status_code=303)


@api.get("/admin/users", response_model=list[AccountOut])
def api_users(request: Request):
    return [a.as_json() for a in auth_state(request).accounts.all()]


@api.post("/admin/users", response_model=AccountOut, status_code=201)
def api_users_add(request: Request, admin: AdminUser, new: NewAccount):
    """Create a local account; the answer holds its generated password, shown this once."""
    if auth_state(request).accounts.by_name(new.name) is not None:
        raise HTTPException(409, f"An account named {new.name!r} exists already.")
    try:
        account, password = add_account(request, admin.actor, new.name, new.role)
    except AccountError as exc:
        raise HTTPException(400, str(exc)) from None
    return {**account.as_json(), "password": password}


@api.patch("/admin/users/{name}", response_model=AccountOut)
def api_users_change(request: Request, admin: AdminUser, name: str, change: AccountChange):
    """Change an account's role, disable or enable it, or reset its password (returned once)."""
    if auth_state(request).accounts.by_name(name) is None:
        raise HTTPException(404, f"No account is named {name!r}.")
    try:
        account, password = change_account(request, admin.actor, name, change)
    except AccountError as exc:
        raise HTTPException(400, str(exc)) from None
    return {**account.as_json(), "password": password}


routers = (router, api)  # the pages, and their JSON twins under /api
