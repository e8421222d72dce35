"""The app on a real loopback socket (uvicorn in a thread), for tests that need real HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


@contextmanager
def serve(app) -> Iterator[str]:
    """Run ``app`` with its lifespan on 127.0.0.1 and a free port, configured as `kb serve` does; yields the
    base URL. Log in over it only with KB_COOKIE_SECURE off (``plain_http``): the session cookie is Secure."""
    from web.server import uvicorn_config

    server = uvicorn.Server(uvicorn_config(app, app.state.settings, "127.0.0.1", 0))
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


def plain_http(settings):
    """``settings`` for an app served over plain http on loopback, as `make run` serves it."""
    from dataclasses import replace

    return replace(settings, cookie_secure=False)


def create_account(settings, role: str = "editor") -> tuple[str, str]:
    """A real account in the catalog of ``settings``, created when missing; returns its name and password."""
    from kb.catalog.database import Catalog
    from kb.models import Role
    from tests.logins import PASSWORD, account_name

    catalog = Catalog.open(settings)
    accounts = catalog.accounts
    try:
        name = account_name(role)
        if accounts.by_name(name) is None:
            accounts.add(name, Role.parse(role), PASSWORD)
    finally:
        catalog.close()
    return name, PASSWORD


def log_in(client, name: str, password: str) -> str:
    """Log an httpx client in through POST /api/login; the CSRF token becomes a default header and is returned.

    Over plain http the app must run with KB_COOKIE_SECURE off (:func:`plain_http`), or the client would
    not send the Secure session cookie back."""
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


def start_kb_serve(data_dir, extra_env: dict[str, str] | None = None, wait_s: float = 180) -> tuple:
    """`kb serve --no-samples` in a process group of its own on a free loopback port, plain http (as `make
    run`); returns (process, url) once /healthz answers. Kill it with os.killpg(process.pid, signal.SIGKILL)."""
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    import httpx

    from tests.conftest import MODEL_CACHE

    root = Path(__file__).resolve().parent.parent
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "KB_MODEL_CACHE": str(MODEL_CACHE),
        "KB_COOKIE_SECURE": "false",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "kbcli", "--data-dir", str(data_dir), "serve", "--no-samples", "--port", str(port)],
        env=env,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kb serve exited with {process.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("kb serve did not start")
