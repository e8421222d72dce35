"""A full disk under KB_DATA_DIR, on a real small file system (tmpfs, mounted by the test as root): writes are
refused with their own error (507 naming the disk), reads keep working, jobs tell the truth, nothing
half-written stays behind, and the catalog is never called damaged."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from tests.live_server import wait_for_job
from tests.logins import PASSWORD, ensure_account, https_client, log_in
from tests.pdfs import text_pdf
from web.app import create_app

pytestmark = pytest.mark.slow
QUESTION = "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?"
FULL = "is full"


@pytest.fixture(scope="module")
def disk(tmp_path_factory):
    """A 48 MiB tmpfs of its own; skipped where the tests cannot mount one (not root, no mount)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root")
    mount = tmp_path_factory.mktemp("disk")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], check=False).returncode:
        pytest.skip("this machine does not let the tests mount a tmpfs")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture(scope="module")
def client(disk, indexed_settings, embedder):
    """The app on a copy of the sample reports on the small disk, logged in as an admin."""
    data = disk / "data"
    shutil.copytree(indexed_settings.data_dir, data, ignore=shutil.ignore_patterns("writer.lock"))
    with https_client(create_app(replace(indexed_settings, data_dir=data), embedder)) as c:
        log_in(c, "admin")
        yield c


@contextmanager
def filled(disk: Path, leave: int = 0):
    """Fill the disk but for ``leave`` bytes while inside; free it again after."""
    filler = disk / "filler"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with open(filler, "wb") as out:
        try:
            out.write(b"\0" * max(0, free - leave))
            out.flush()
            os.fsync(out.fileno())
        except OSError:
            pass
    try:
        yield
    finally:
        filler.unlink()


def _debris(data: Path) -> list[str]:
    found = [p.name for p in (data / "files").glob("*.part")] + [p.name for p in data.glob("*.part*")]
    return found + [p.name for p in (data / "uploads").glob("*")] if (data / "uploads").is_dir() else found


def test_reads_keep_working_and_writes_say_the_disk_is_full(client, disk):
    """On a full disk search, the directory and the report pages answer; a review or an upload gets 507 naming
    KB_DATA_DIR's disk and leaves nothing behind; logging in and out still work."""
    report_id = client.get("/api/reports").json()[0]["id"]
    ensure_account(client, "reader")
    with filled(disk):
        found = client.get("/api/search", params={"q": QUESTION})
        assert found.status_code == 200 and found.json()["groups"]
        assert client.get("/", params={"q": QUESTION}).status_code == 200
        assert client.get("/api/organisations").status_code == 200
        assert client.get(f"/reports/{report_id}").status_code == 200
        review = client.post(f"/reports/{report_id}/review", data={"title": "On a full disk"})
        assert review.status_code == 507 and "KB_DATA_DIR" in review.text and FULL in review.text
        pdf = text_pdf(disk.parent / "full.pdf", ["A report", "5 Lessons learned\n" + "Plan the upkeep first. " * 60])
        upload = client.post("/api/uploads", files={"file": ("full.pdf", pdf.read_bytes(), "application/pdf")})
        assert upload.status_code == 507 and FULL in upload.json()["error"]
        assert _debris(client.app.state.kb.settings.data_dir) == []
        log_in(client, "reader")
        assert client.post("/api/logout").status_code == 204
        log_in(client, "admin")
    assert client.post(f"/reports/{report_id}/review", data={"title": "Room again"}).status_code in (200, 303)


def test_an_upload_job_tells_the_truth_wherever_the_disk_runs_out(client, disk, caplog):
    """With more and more room, each upload's job is done exactly when its report was stored (also when the
    lexicon file could not be saved after it), or failed saying the disk is full; never "broken file", never debris."""
    settings = client.app.state.kb.settings
    outcomes = []
    for n, leave in enumerate((16, 64, 160, 320, 640, 1280)):
        pdf = text_pdf(
            disk.parent / f"room{n}.pdf",
            [f"Report {n} on room", "5 Lessons learned\n" + f"Lesson {n}: budget the upkeep before planting. " * 40],
        )
        with filled(disk, leave * 1024):
            sent = client.post("/api/uploads", files={"file": (pdf.name, pdf.read_bytes(), "application/pdf")})
            job = wait_for_job(client, sent.json()["id"]) if sent.status_code == 202 else None
        stored = any(r["file"] == pdf.name for r in client.get("/api/reports").json())
        if job is None:
            assert sent.status_code == 507 and not stored
            outcomes.append("refused")
        elif stored:
            assert job["state"] == "done", job
            unsaved = any("lexicon was not saved" in r.getMessage() for r in caplog.records)
            outcomes.append("stored, lexicon unsaved" if unsaved else "stored")
            caplog.clear()
        else:
            assert job["state"] == "failed" and FULL in job["message"], job
            outcomes.append("failed")
        assert _debris(settings.data_dir) == [], leave
    print("outcomes by room left:", outcomes)
    assert "stored, lexicon unsaved" in outcomes and "failed" in outcomes


def test_the_catalog_on_a_full_disk_is_not_called_damaged(client, disk):
    """`kb stats` on a full disk reports the counts; it never advises restoring an intact catalog."""
    settings = client.app.state.kb.settings
    env = {**os.environ, "KB_DATA_DIR": str(settings.data_dir), "KB_MODEL_CACHE": str(settings.model_cache)}
    with filled(disk):
        done = subprocess.run([sys.executable, "-m", "kbcli", "stats"], capture_output=True, text=True, env=env)
    assert "backup" not in done.stderr.lower(), done.stderr
    assert done.returncode == 0 and '"reports"' in done.stdout, done.stderr


def test_logging_in_works_on_a_full_disk(client, disk):
    """A new session can log in (its audit entry goes to the server log when it cannot be saved)."""
    name = ensure_account(client, "reader")
    with filled(disk):
        client.cookies.clear()
        token = client.get("/api/session").json()["csrf_token"]
        answer = client.post("/api/login", json={"name": name, "password": PASSWORD}, headers={"X-CSRF-Token": token})
        assert answer.status_code == 200
    log_in(client, "admin")
