"""Who may do what: local accounts (argon2 password hashes), accounts vouched for by an identity
provider, and their roles. Who uploaded a report is kept on the report (kb.catalog.reports).

The table lives in the catalog (so `kb backup` keeps it), as ``Catalog.accounts``. Opening the catalog
takes no writer lock, so an admin can manage accounts with `kb user` while `kb serve` runs: accounts are
not part of what the writer lock keeps consistent (catalog and vectors). Callers write the audit log
(they know the actor).
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kb.catalog.connection import Database
from kb.errors import AccountError
from kb.models import Account, Role

NAME = re.compile(r"^[\w.@+-]{1,64}$")
MIN_PASSWORD = 10


class LoginFailed(AccountError):
    """Name and password do not match an active account; ``reason`` is for the audit log only."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__("Wrong name or password.")


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def parse_role_map(text: str) -> dict[str, Role]:
    """`kb-admins:admin,kb-editors:editor,*:reader` -> {"kb-admins": ADMIN, ...} (KB_OIDC_ROLES)."""
    mapping: dict[str, Role] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        value, sep, role = item.rpartition(":")
        if not sep or not value:
            raise AccountError(f"KB_OIDC_ROLES: {item!r} should read VALUE:ROLE, e.g. kb-editors:editor.")
        mapping[value.strip()] = Role.parse(role)
    return mapping


def role_from_claims(claims: dict, claim: str, mapping: dict[str, Role]) -> Role | None:
    """The highest role any of the claim's values maps to (``*`` matches anyone); None if none does."""
    raw = claims.get(claim)
    values = [raw] if isinstance(raw, str) else [str(v) for v in raw or []]
    roles = [mapping[v] for v in values if v in mapping] + ([mapping["*"]] if "*" in mapping else [])
    return max(roles) if roles else None


class Accounts:
    """The accounts table of a catalog (``catalog.accounts``); safe to share between request threads."""

    def __init__(self, db: Database):
        self._db = db
        self._hasher = PasswordHasher()
        self._dummy_hash = self._hasher.hash(secrets.token_hex(8))

    def _one(self, sql: str, params: tuple = ()) -> sqlite3.Row | None:
        return self._db._row(sql, params)

    def _execute(self, sql: str, params: tuple = ()) -> int:
        return self._db._write(sql, params)

    # -- reading ------------------------------------------------------------------------
    def get(self, account_id: int) -> Account | None:
        row = self._one("SELECT * FROM accounts WHERE id = ?", (account_id,))
        return _account(row) if row else None

    def by_name(self, name: str) -> Account | None:
        row = self._one("SELECT * FROM accounts WHERE name = ?", (name,))
        return _account(row) if row else None

    def all(self) -> list[Account]:
        return [_account(r) for r in self._db._rows("SELECT * FROM accounts ORDER BY name")]

    def count(self) -> int:
        return int(self._db._value("SELECT COUNT(*) FROM accounts") or 0)

    def _existing(self, name: str) -> Account:
        account = self.by_name(name)
        if account is None:
            raise AccountError(f"No account is named {name!r}; `kb user list` shows them.")
        return account

    # -- changing -----------------------------------------------------------------------
    def add(self, name: str, role: Role, password: str) -> Account:
        """A local account with a password; the name must be new."""
        if not NAME.match(name):
            raise AccountError(f"{name!r} is not a usable account name: 1-64 letters, digits or . _ @ + -")
        _check_password(password)
        try:
            self._execute(
                "INSERT INTO accounts (name, role, password_hash, source, created_at) VALUES (?, ?, ?, 'local', ?)",
                (name, role.label, self._hasher.hash(password), _now()),
            )
        except sqlite3.IntegrityError:
            raise AccountError(f"An account named {name!r} exists already.") from None
        return self._existing(name)

    def set_role(self, name: str, role: Role) -> Account:
        self._existing(name)
        self._execute("UPDATE accounts SET role = ?, epoch = epoch + 1 WHERE name = ?", (role.label, name))
        return self._existing(name)

    def set_password(self, name: str, password: str) -> Account:
        account = self._existing(name)
        if account.source != "local":
            raise AccountError(f"{name} logs in through the identity provider and has no password here.")
        _check_password(password)
        self._execute(
            "UPDATE accounts SET password_hash = ?, epoch = epoch + 1 WHERE name = ?",
            (self._hasher.hash(password), name),
        )
        return self._existing(name)

    def set_disabled(self, name: str, disabled: bool) -> Account:
        self._existing(name)
        self._execute("UPDATE accounts SET disabled = ?, epoch = epoch + 1 WHERE name = ?", (int(disabled), name))
        return self._existing(name)

    def end_sessions(self, account_id: int) -> None:
        """Every session of this account ends (logout)."""
        self._execute("UPDATE accounts SET epoch = epoch + 1 WHERE id = ?", (account_id,))

    def bootstrap_admin(self) -> str | None:
        """With no account at all, create `admin` with a random password and return it (shown once)."""
        if self.count():
            return None
        password = generate_password()
        self.add("admin", Role.ADMIN, password)
        return password

    # -- logging in ---------------------------------------------------------------------
    def verify(self, name: str, password: str) -> Account:
        """The account if the password is right; otherwise :class:`LoginFailed` (same time either way)."""
        row = self._one("SELECT * FROM accounts WHERE name = ?", (name,))
        stored = row["password_hash"] if row is not None and row["password_hash"] else self._dummy_hash
        try:
            self._hasher.verify(stored, password)
            matched = row is not None and bool(row["password_hash"])
        except (VerificationError, InvalidHashError):
            matched = False
        if row is None:
            raise LoginFailed("unknown account")
        if not matched:
            raise LoginFailed("wrong password")
        if row["disabled"]:
            raise LoginFailed("disabled")
        if self._hasher.check_needs_rehash(stored):
            self._execute(
                "UPDATE accounts SET password_hash = ? WHERE id = ?", (self._hasher.hash(password), row["id"])
            )
        return _account(row)

    def external_login(self, subject: str, name: str, role: Role) -> Account:
        """An account vouched for by the identity provider, keyed by its subject; its role follows the claims."""
        row = self._one("SELECT * FROM accounts WHERE subject = ?", (subject,))
        if row is None:
            if not NAME.match(name) or self.by_name(name) is not None:
                name = f"{name[:40]}-{secrets.token_hex(3)}" if NAME.match(name[:40] or "-") else subject[:64]
            self._execute(
                "INSERT INTO accounts (name, role, source, subject, created_at) VALUES (?, ?, 'oidc', ?, ?)",
                (name, role.label, subject, _now()),
            )
        elif row["role"] != role.label:
            self._execute("UPDATE accounts SET role = ?, epoch = epoch + 1 WHERE id = ?", (role.label, row["id"]))
        row = self._one("SELECT * FROM accounts WHERE subject = ?", (subject,))
        if row is None or row["disabled"]:
            raise LoginFailed("disabled")
        return _account(row)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"A password needs at least {MIN_PASSWORD} characters.")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _account(row: sqlite3.Row) -> Account:
    return Account(
        id=row["id"],
        name=row["name"],
        role=Role.parse(row["role"]),
        source=row["source"],
        disabled=bool(row["disabled"]),
        epoch=row["epoch"],
        created_at=row["created_at"],
    )
