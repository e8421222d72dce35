"""An upload's job tells the truth to its uploader: lost with a killed server, or pointing at a report
deleted since, and the report belongs to whoever uploaded the file that was stored."""

from __future__ import annotations

import os
import shutil
import signal
from dataclasses import replace

import httpx
import pytest

from kb.store.jobs import LOST
from tests.live_server import create_account, log_in, start_kb_serve, wait_for_job
from tests.logins import log_in as log_in_as
from tests.pdfs import slow_pdf, text_pdf

REPORT = [
    "Cykelgarage vid stationer - slutrapport",
    "5 Lärdomar\nCykelgaragen vid stationerna användes mer än väntat när de låg inom femtio meter från perrongen. "
    "Den viktigaste lärdomen är att låsbara platser och belysning betydde mer för pendlarna än laddning. " * 3,
]


@pytest.mark.slow
def test_an_upload_lost_to_a_killed_server_shows_as_failed_to_its_uploader(tmp_path, indexed_settings):
    """kill -9 while an upload is read: after the restart its job is failed with the reason, for its uploader
    only, and the audit log says so too."""
    data = tmp_path / "data"
    shutil.copytree(indexed_settings.data_dir, data, ignore=shutil.ignore_patterns("writer.lock"))
    settings = replace(indexed_settings, data_dir=data)
    editor, other = create_account(settings, "editor"), create_account(settings, "admin")
    process, url = start_kb_serve(data)
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            log_in(client, *editor)
            sent = client.post(
                "/api/uploads", files={"file": ("slow.pdf", slow_pdf(tmp_path / "slow.pdf").read_bytes())}
            )
            job = sent.json()
            wait_for_job(client, job["id"], until=("reading",))
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    process, url = start_kb_serve(data)
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            log_in(client, *editor)
            after = client.get(f"/api/jobs/{job['id']}").json()
            assert (after["state"], after["message"], after["filename"]) == ("failed", LOST, "slow.pdf")
            assert LOST in client.get(f"/jobs/{job['id']}").text
            client.cookies.clear()
            log_in(client, *other)
            entries = client.get("/api/admin/audit").json()
            assert any(
                e["action"] == "upload" and e["target"] == "slow.pdf" and "stopped" in e["outcome"] for e in entries
            )
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def client(app_client):
    return app_client


def _upload(client, path) -> dict:
    job = client.post("/api/uploads", files={"file": (path.name, path.read_bytes(), "application/pdf")}).json()
    return wait_for_job(client, job["id"])


def test_a_job_whose_report_was_deleted_says_so(client, tmp_path):
    """A done upload whose report an admin deleted since shows as failed, naming the deleted report."""
    log_in_as(client, "editor")
    done = _upload(client, text_pdf(tmp_path / "garage.pdf", REPORT))
    assert done["state"] == "done"
    log_in_as(client, "admin")
    assert client.delete(f"/api/reports/{done['report_id']}").status_code == 204
    log_in_as(client, "editor")
    after = client.get(f"/api/jobs/{done['id']}").json()
    assert after["state"] == "failed" and f"Report {done['report_id']} was deleted" in after["message"]


def test_a_report_belongs_to_whoever_uploaded_the_stored_file(client, tmp_path):
    """Editor A's draft is deleted; editor B uploads the same file again and owns the new report: B reviews it,
    A neither sees it nor its job."""
    pdf = text_pdf(tmp_path / "owned.pdf", [REPORT[0], REPORT[1].replace("femtio", "sextio")])
    log_in_as(client, "editor")
    first = _upload(client, pdf)
    log_in_as(client, "admin")
    client.post("/api/admin/users", json={"name": "second-editor", "role": "editor"})
    client.delete(f"/api/reports/{first['report_id']}")
    password = client.patch("/api/admin/users/second-editor", json={"reset_password": True}).json()["password"]
    client.cookies.clear()
    token = client.get("/api/session").json()["csrf_token"]
    login = client.post(
        "/api/login", json={"name": "second-editor", "password": password}, headers={"X-CSRF-Token": token}
    )
    client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    second = _upload(client, pdf)
    assert second["state"] == "done" and second["report_id"] != first["report_id"]
    assert client.get(f"/reports/{second['report_id']}/review").status_code == 200
    assert client.get(f"/api/reports/{second['report_id']}").json()["uploaded_by"] == "second-editor"
    log_in_as(client, "editor")
    assert client.get(f"/api/reports/{second['report_id']}").status_code == 404
    assert client.get(f"/reports/{second['report_id']}/review").status_code == 403
    assert client.get(f"/api/jobs/{second['id']}").status_code == 404
