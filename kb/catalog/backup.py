"""Consistent backups while the server runs, and restores into an empty data directory.

The catalog is copied with SQLite's online backup API (a consistent snapshot even while a
writer works), the original PDFs are copied and checksummed, and a manifest records what the
backup holds. The vector index is not copied: it is derived data, rebuilt from the catalog on
restore, which gives the same vectors and so the same search results.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from kb.catalog.files import sha256_file
from kb.errors import KBError
from kb.settings import Settings

MANIFEST = "manifest.json"
CATALOG = "catalog.sqlite3"


def backup(settings: Settings, target: Path) -> dict:
    """Write a backup of the data directory into ``target`` (new or empty); returns the manifest."""
    if target.exists() and any(target.iterdir()):
        raise KBError(f"{target} is not empty; back up into a new or empty folder.")
    if not settings.catalog_path.exists():
        raise KBError(f"There is no catalog in {settings.data_dir} to back up.")
    (target / "files").mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{settings.catalog_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target / CATALOG)
    try:
        source.backup(copy)
        shas = [row[0] for row in copy.execute("SELECT sha256 FROM reports WHERE kind = 'report'")]
        counts = {t: copy.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("reports", "chunks")}
        model = copy.execute("SELECT value FROM meta WHERE key = 'embedding_model'").fetchone()
    finally:
        copy.close()
        source.close()
    files = {}
    for sha in shas:
        original = settings.files_dir / f"{sha}.pdf"
        if original.exists():
            shutil.copyfile(original, target / "files" / original.name)
            files[original.name] = sha256_file(target / "files" / original.name)
    manifest = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": str(settings.data_dir),
        "embedding_model": model[0] if model else None,
        "counts": counts,
        "catalog_sha256": sha256_file(target / CATALOG),
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def restore_files(source: Path, settings: Settings) -> dict:
    """Check a backup and copy its catalog and originals into an empty data directory."""
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise KBError(f"{source} is not a backup made by `kb backup` (no {MANIFEST}).")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if settings.catalog_path.exists():
        raise KBError(f"{settings.data_dir} already holds a catalog; restore into an empty data directory.")
    if sha256_file(source / CATALOG) != manifest["catalog_sha256"]:
        raise KBError(f"The catalog in {source} does not match its manifest; the backup is damaged.")
    for name, digest in manifest["files"].items():
        if sha256_file(source / "files" / name) != digest:
            raise KBError(f"{source / 'files' / name} does not match the manifest; the backup is damaged.")
    settings.files_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / CATALOG, settings.catalog_path)
    for name in manifest["files"]:
        shutil.copyfile(source / "files" / name, settings.files_dir / name)
    return manifest
