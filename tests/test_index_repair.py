"""A damaged vector index is rebuilt from the catalog; search answers 503 meanwhile, never 500."""

from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import replace

import httpx
import pytest

from kb.search.reader import open_reader
from kb.store.writer import Store
from tests.live_server import create_account, log_in, serve, wait_for_job
from web.app import create_app

pytestmark = pytest.mark.slow

QUESTION = "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?"


def _damage_sqlite(settings) -> None:
    """Cut chroma's own database short, as a power cut in the middle of a write can."""
    os.truncate(settings.chroma_path / "chroma.sqlite3", 4096)


def _damage_segments(settings) -> None:
    """Overwrite every vector segment file with garbage."""
    for segment in settings.chroma_path.iterdir():
        if segment.is_dir():
            for part in segment.iterdir():
                part.write_bytes(os.urandom(max(part.stat().st_size, 100)))
    _damage_sqlite(settings)


@pytest.fixture
def copied(tmp_path, indexed_settings):
    data = tmp_path / "data"
    shutil.copytree(indexed_settings.data_dir, data, ignore=shutil.ignore_patterns("writer.lock"))
    return replace(indexed_settings, data_dir=data, cookie_secure=False)  # logged in over plain http


def _top(settings, embedder) -> list[str]:
    with open_reader(settings, embedder) as reader:
        return [h.chunk_id for h in reader.searcher.search(QUESTION, k=5)]


@pytest.mark.parametrize("damage", [_damage_sqlite, _damage_segments], ids=["database", "segments"])
def test_opening_a_damaged_index_replaces_it_and_reconcile_refills_it(copied, indexed_settings, embedder, damage):
    """Store.open moves a damaged index aside; reconciliation restores every vector and the same results."""
    expected = _top(indexed_settings, embedder)
    damage(copied)
    with Store.open(copied, embedder) as store:
        assert store.index_damage and "damaged" in store.index_damage.lower()
        chunks = store.catalog.stats()["chunks"]
        assert store.reconcile().restored_vectors == chunks == store.index.count()
    assert (copied.data_dir / "chroma.broken").is_dir()
    assert _top(copied, embedder) == expected


def test_the_web_app_answers_503_while_it_rebuilds_a_damaged_index(copied, indexed_settings, embedder):
    """On a damaged index the app starts at once, search says 503 with a clear message, then answers as before."""
    reader = create_account(copied, "reader")
    with serve(create_app(copied, embedder)) as url, httpx.Client(base_url=url, timeout=60) as client:
        log_in(client, *reader)
        expected = client.get("/api/search", params={"q": QUESTION}).json()
    _damage_segments(copied)
    with serve(create_app(copied, embedder)) as url, httpx.Client(base_url=url, timeout=60) as client:
        log_in(client, *reader)
        first = client.get("/api/search", params={"q": QUESTION})
        assert first.status_code == 503 and first.headers["retry-after"] == "60"
        assert first.headers["x-content-type-options"] == "nosniff"  # the security headers are on 503s too
        assert "default-src 'self'" in first.headers["content-security-policy"]
        assert "being rebuilt from the catalog" in first.json()["error"]
        page = client.get("/", params={"q": QUESTION})
        assert page.status_code == 503 and "being rebuilt from the catalog" in page.text
        assert client.get("/api/reports").status_code == 200  # the catalog keeps serving
        answer = _wait_for_search(client)
        assert answer == expected


@contextmanager
def _running(settings, embedder, role: str):
    """The app on loopback, a client logged in with ``role``, and its answer to QUESTION while all is well."""
    account = create_account(settings, role)
    app = create_app(settings, embedder)
    with serve(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        log_in(client, *account)
        yield app, client, client.get("/api/search", params={"q": QUESTION}).json()


def test_an_index_that_fails_at_run_time_is_repaired(copied, embedder):
    """When the index vanishes under a running app, search answers 503 (never 500) and comes back by itself."""
    with _running(copied, embedder, "reader") as (app, client, expected):
        app.state.kb.store.index._client.delete_collection("chunks")
        failed = client.get("/api/search", params={"q": QUESTION})
        assert failed.status_code == 503 and "repaired" in failed.json()["error"]
        assert _wait_for_search(client) == expected


def test_an_index_that_fails_under_an_upload_is_repaired(copied, embedder):
    """When the index vanishes while a register upload is stored, the job fails saying what happens, the
    repair starts at once (before any search runs into the failure), and search comes back by itself."""
    from tests.test_uploads import _register

    with _running(copied, embedder, "editor") as (app, client, expected):
        app.state.kb.store.index._client.delete_collection("chunks")
        sent = client.post(
            "/api/registers",
            files={"file": ("projektbanken.json", _register(5), "application/json")},
            data={"format": "projektbanken"},
        )
        assert sent.status_code == 202
        job = wait_for_job(client, sent.json()["id"])
        assert job["state"] == "failed" and "being checked and repaired" in job["message"]
        repair = app.state.kb.repair
        assert not repair.ready or repair.total > 0, "the failed upload did not start the repair"
        assert _wait_for_search(client) == expected


def _wait_for_search(client: httpx.Client) -> dict:
    for _ in range(600):
        answer = client.get("/api/search", params={"q": QUESTION})
        assert answer.status_code in (200, 503), answer.text
        if answer.status_code == 200:
            return answer.json()
        time.sleep(0.2)
    raise AssertionError("the index was not rebuilt in time")
