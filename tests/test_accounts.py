"""Accounts (kb.catalog.accounts), the session secret (kb.catalog.secret_key) and the `kb user` commands."""

from __future__ import annotations

import os
import stat

import pytest

from kb.catalog.accounts import LoginFailed, parse_role_map, role_from_claims
from kb.catalog.database import Catalog
from kb.catalog.secret_key import secret_key
from kb.errors import AccountError, SettingsError
from kb.models import Role
from kb.settings import Settings
from tests.conftest import MODEL_CACHE
from tests.test_cli import kb

PASSWORD = "a sufficiently long password"


@pytest.fixture
def accounts(settings):
    with Catalog.open(settings.check()) as catalog:
        yield catalog.accounts


def test_passwords_are_stored_as_argon2_hashes(accounts, settings):
    """The password itself is nowhere in the catalog file; an argon2id hash is."""
    accounts.add("anna", Role.EDITOR, PASSWORD)
    raw = settings.catalog_path.read_bytes() + (settings.data_dir / "catalog.sqlite3-wal").read_bytes()
    assert PASSWORD.encode() not in raw and b"$argon2id$" in raw


def test_verify_names_why_a_login_failed(accounts):
    """Right password: the account; wrong password, unknown name or disabled account: LoginFailed with the reason."""
    accounts.add("anna", Role.EDITOR, PASSWORD)
    assert accounts.verify("anna", PASSWORD).role is Role.EDITOR
    for name, password, reason in [
        ("anna", "wrong password!", "wrong password"),
        ("nobody", PASSWORD, "unknown account"),
    ]:
        with pytest.raises(LoginFailed) as failed:
            accounts.verify(name, password)
        assert failed.value.reason == reason and str(failed.value) == "Wrong name or password."
    accounts.set_disabled("anna", True)
    with pytest.raises(LoginFailed, match="Wrong name"):
        accounts.verify("anna", PASSWORD)


def test_changes_end_existing_sessions(accounts):
    """A role, password or state change bumps the account's session epoch."""
    account = accounts.add("anna", Role.READER, PASSWORD)
    assert accounts.set_role("anna", Role.EDITOR).epoch > account.epoch


def test_bad_names_passwords_and_roles_are_refused(accounts):
    """Short passwords, odd names, duplicates and unknown roles are refused with a reason."""
    with pytest.raises(AccountError, match="at least 10"):
        accounts.add("anna", Role.READER, "short")
    with pytest.raises(AccountError, match="not a usable account name"):
        accounts.add("../anna", Role.READER, PASSWORD)
    accounts.add("anna", Role.READER, PASSWORD)
    with pytest.raises(AccountError, match="exists already"):
        accounts.add("ANNA", Role.READER, PASSWORD)
    with pytest.raises(AccountError, match="Unknown role"):
        Role.parse("superuser")


def test_first_start_creates_one_admin(accounts):
    """With no accounts, bootstrap_admin creates `admin` with a random password, once."""
    password = accounts.bootstrap_admin()
    assert password and accounts.verify("admin", password).role is Role.ADMIN
    assert accounts.bootstrap_admin() is None


def test_identity_provider_claims_map_to_roles():
    """The highest mapped value wins; `*` covers anyone; no match means no role."""
    mapping = parse_role_map("kb-admins:admin, kb-editors:editor")
    assert role_from_claims({"groups": ["staff", "kb-editors"]}, "groups", mapping) is Role.EDITOR
    assert role_from_claims({"groups": "kb-admins"}, "groups", mapping) is Role.ADMIN
    assert role_from_claims({"groups": ["staff"]}, "groups", mapping) is None
    assert role_from_claims({}, "groups", parse_role_map("*:reader")) is Role.READER
    with pytest.raises(AccountError, match="VALUE:ROLE"):
        parse_role_map("kb-admins")


def test_the_secret_key_is_generated_once_with_0600(settings):
    """Without KB_SECRET_KEY a key is generated into DATA_DIR/secret_key (0600) and reused."""
    key = secret_key(settings)
    path = settings.data_dir / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(key) >= 32
    assert secret_key(settings) == key
    os.chmod(path, 0o644)
    with pytest.raises(SettingsError, match="chmod 600"):
        secret_key(settings)
    assert secret_key(Settings(data_dir=settings.data_dir, secret_key="k" * 40)) == "k" * 40


def test_kb_user_commands_manage_accounts_and_audit(tmp_path):
    """`kb user add/role/disable/passwd/list` work on the data directory and each lands in the audit log."""
    data = tmp_path / "data"
    added = kb("user", "add", "anna", "--role", "editor", data_dir=data)
    password = added.stdout.split("Password (shown once): ")[1].strip()
    with Catalog.open(Settings(data_dir=data)) as catalog:
        accounts = catalog.accounts
        assert accounts.verify("anna", password).role is Role.EDITOR
        kb("user", "role", "anna", "admin", data_dir=data)
        kb("user", "disable", "anna", data_dir=data)
        assert accounts.by_name("anna").role is Role.ADMIN and accounts.by_name("anna").disabled
    again = kb("user", "add", "anna", data_dir=data, check=False)
    assert again.returncode == 1 and again.stderr.strip() == "Error: An account named 'anna' exists already."
    assert "anna" in kb("user", "list", data_dir=data).stdout
    log = kb("audit", data_dir=data).stdout
    for line in ("add account", "change role", "disable account", "failed: An account named 'anna' exists already."):
        assert line in log


def test_kb_serve_creates_the_first_admin_and_prints_its_password(tmp_path):
    """On first start, with no accounts, `kb serve` prints the new admin's password once (the README says so)."""
    import subprocess
    import sys

    env = {**os.environ, "KB_DATA_DIR": str(tmp_path / "data"), "KB_MODEL_CACHE": str(MODEL_CACHE)}
    command = [sys.executable, "-m", "kbcli", "serve", "--no-samples", "--port", "0"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()
    finally:
        process.terminate()
        process.wait(timeout=60)
        process.stderr.close()
    password = line.split("created the account `admin` with password ")[1].strip()
    with Catalog.open(Settings(data_dir=tmp_path / "data")) as catalog:
        assert catalog.accounts.verify("admin", password).role is Role.ADMIN
