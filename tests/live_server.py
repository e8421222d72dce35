"""The app on a real loopback socket (uvicorn in a thread), for tests that need real HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


@contextmanager
def serve(app) -> Iterator[str]:
    """Run ``app`` with its lifespan on 127.0.0.1 and a free port; yields the base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def create_account(settings, role: str = "editor") -> tuple[str, str]:
    """A real account (kb.accounts) in the catalog of ``settings``, created when missing; returns name and password."""
    from kb.accounts import Accounts, Role
    from tests.logins import PASSWORD, account_name

    accounts = Accounts.open(settings)
    try:
        name = account_name(role)
        if accounts.by_name(name) is None:
            accounts.add(name, Role.parse(role), PASSWORD)
    finally:
        accounts.close()
    return name, PASSWORD


def log_in(client, name: str, password: str) -> str:
    """Log an httpx client in through POST /api/login; the CSRF token becomes a default header and is returned.

    Over plain http to 127.0.0.1 the session cookie is not marked Secure (KB_COOKIE_SECURE=auto), so
    the client keeps and sends it."""
    token = client.get("/api/session").json()["csrf_token"]
    answer = client.post("/api/login", json={"name": name, "password": password}, headers={"X-CSRF-Token": token})
    if answer.status_code != 200:
        raise RuntimeError(f"logging in as {name} failed: {answer.status_code} {answer.text}")
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client.headers["X-CSRF-Token"]


def wait_for_job(client, job_id: str, until=("done", "failed"), seconds: float = 120) -> dict:
    """Poll /api/jobs/{id} (over any client with ``get``) until the upload's state is one of ``until``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in until:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never reached {until}")
