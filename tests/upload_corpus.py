"""Upload files one by one through the running app's API and wait for each verdict (shared by
tests/test_malformed.py and benchmarks/malformed_web.py)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from kb.errors import REJECTION_REASONS

VERDICTS = set(REJECTION_REASONS.values()) | {"ingested", "duplicate"}


def upload_and_wait(client: httpx.Client, path: Path, limit_s: float = 90.0) -> tuple[str, float]:
    """``(verdict, seconds)``: "ingested", "duplicate" or a listed rejection reason, from upload to verdict."""
    started = time.monotonic()
    while True:
        answer = client.post("/api/uploads", files={"file": (path.name, path.read_bytes(), "application/pdf")})
        if answer.status_code != 503:
            break
        time.sleep(1)  # the queue is full: the server asked to come back later
    if answer.status_code == 413:
        return "too large", time.monotonic() - started
    if answer.status_code == 400:
        return answer.json()["error"].split(":")[0], time.monotonic() - started
    assert answer.status_code == 202, (path.name, answer.status_code, answer.text)
    job = answer.json()
    if job["state"] == "duplicate":
        return "duplicate", time.monotonic() - started
    while time.monotonic() - started < limit_s + 30:
        job = client.get(f"/api/jobs/{job['id']}").json()
        if job["state"] == "done":
            return "ingested", time.monotonic() - started
        if job["state"] == "failed":
            return job["message"], time.monotonic() - started
        time.sleep(0.1)
    return "no verdict", time.monotonic() - started


def search_snapshot(client: httpx.Client, query: str) -> list[tuple[int, list[str]]]:
    """The report ids and passage ids a search returns, in order: what must not change."""
    answer = client.get("/api/search", params={"q": query})
    assert answer.status_code == 200, answer.text
    return [(g["report"]["id"], [h["chunk_id"] for h in g["hits"]]) for g in answer.json()["groups"]]
