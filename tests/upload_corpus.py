"""Upload files one by one through the running app's API and wait for each verdict (shared by
tests/test_malformed.py and benchmarks/malformed_web.py)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from kb.errors import REJECTION_REASONS

VERDICTS = set(REJECTION_REASONS.values()) | {"ingested", "duplicate"}


def upload_and_wait(client: httpx.Client, path: Path, limit_s: float = 900.0) -> tuple[str, float, float]:
    """``(verdict, reading seconds, total seconds)``: the verdict is "ingested", "duplicate" or a listed
    rejection reason; reading ends when the sandboxed reader has answered (before embedding)."""
    started = time.monotonic()
    while True:
        answer = client.post("/api/uploads", files={"file": (path.name, path.read_bytes(), "application/pdf")})
        if answer.status_code != 503:
            break
        time.sleep(1)  # the queue is full: the server asked to come back later
    if answer.status_code in (400, 413):
        seconds = time.monotonic() - started
        return ("too large" if answer.status_code == 413 else answer.json()["error"].split(":")[0]), seconds, seconds
    assert answer.status_code == 202, (path.name, answer.status_code, answer.text)
    job = answer.json()
    if job["state"] == "duplicate":
        seconds = time.monotonic() - started
        return "duplicate", seconds, seconds
    read = None
    while time.monotonic() - started < limit_s:
        job = client.get(f"/api/jobs/{job['id']}").json()
        now = time.monotonic() - started
        if read is None and job["state"] not in ("queued", "reading"):
            read = now
        if job["state"] in ("done", "failed"):
            return ("ingested" if job["state"] == "done" else job["message"]), read, now
        time.sleep(0.1)
    return "no verdict", read or limit_s, limit_s


def search_snapshot(client: httpx.Client, query: str) -> list[tuple[int, list[str]]]:
    """The report ids and passage ids a search returns, in order: what must not change."""
    answer = client.get("/api/search", params={"q": query})
    assert answer.status_code == 200, answer.text
    return [(g["report"]["id"], [h["chunk_id"] for h in g["hits"]]) for g in answer.json()["groups"]]
