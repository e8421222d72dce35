"""The key that signs session cookies: KB_SECRET_KEY, or one generated once and kept in DATA_DIR."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from kb.errors import SettingsError
from kb.settings import Settings

FILE_NAME = "secret_key"


def secret_key(settings: Settings) -> str:
    """KB_SECRET_KEY when set; otherwise DATA_DIR/secret_key, created with mode 0600 on first use."""
    if settings.secret_key:
        if len(settings.secret_key) < 32:
            raise SettingsError("KB_SECRET_KEY is too short; use at least 32 random characters.")
        return settings.secret_key
    path = settings.data_dir / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _existing_key(path)
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    return key


def _existing_key(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SettingsError(
            f"{path} is readable by others (mode {mode:o}); run `chmod 600 {path}` or set KB_SECRET_KEY."
        )
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise SettingsError(f"{path} holds no usable key; delete it to have a new one generated.")
    return key
