"""A real `chroma run` from the installed chromadb package on loopback (tests and benchmarks)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def start_chroma(path: Path, wait_s: float = 120.0) -> tuple[subprocess.Popen, str]:
    """Start a chroma server on ``path`` and a free port; returns the process and its URL once it answers."""
    chroma = Path(sys.executable).with_name("chroma")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"chroma run did not answer within {wait_s:.0f} s")
