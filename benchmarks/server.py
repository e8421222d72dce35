"""Start `kb serve` in its own process on loopback for the web benchmarks, and watch its memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def start(data_dir: Path) -> tuple[subprocess.Popen, str]:
    """`kb serve` on a free port (it ingests the sample reports into an empty data directory first), with
    an editor and a reader account for :func:`client` and no hourly upload limit in the way of a long run."""
    from kb.settings import Settings
    from tests.live_server import create_account

    settings = Settings.from_env(data_dir=data_dir)
    for role in ("editor", "reader"):
        ACCOUNTS[role] = create_account(settings, role)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KB_UPLOADS_PER_HOUR": "100000", "KB_COOKIE_SECURE": "false"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kbcli", "--data-dir", str(data_dir), "serve", "--port", str(port)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(3000):
        if process.poll() is not None:
            raise SystemExit(f"kb serve exited with {process.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("kb serve did not start")


ACCOUNTS: dict[str, tuple[str, str]] = {}  # role -> name and password of the accounts :func:`start` created


@contextmanager
def client(url: str, timeout: float, role: str = "editor") -> Iterator[httpx.Client]:
    """An HTTP client logged in with that role (an editor uploads; a reader sees published reports only),
    sending the CSRF header (the server runs with KB_COOKIE_SECURE=false, as `make run` does on loopback)."""
    from tests.live_server import log_in

    with httpx.Client(base_url=url, timeout=timeout) as session:
        log_in(session, *ACCOUNTS[role])
        yield session


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _is_reader(proc: Path) -> bool:
    """A PDF reader child after exec (between fork and exec a child still shows the server's memory)."""
    try:
        return b"ingest.pdf_worker" in (proc / "cmdline").read_bytes()
    except OSError:
        return False


class MemoryWatch:
    """Peak resident memory of the server (its own high-water mark) and of its child readers (sampled)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.child_peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit() and _status_kib(int(entry.name), "PPid") == self.pid and _is_reader(entry):
                    self.child_peak_kib = max(self.child_peak_kib, _status_kib(int(entry.name), "VmHWM"))

    @property
    def server_peak_kib(self) -> int:
        return _status_kib(self.pid, "VmHWM")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
