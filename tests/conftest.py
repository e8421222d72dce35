"""Shared fixtures: real settings in tmp_path, the real model loaded once, the sample reports."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from kb.model.embedder import Embedder
from kb.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SHARED = Path(os.environ.get("KB_SHARED", ROOT.parent / "shared"))  # a worktree elsewhere points it at ../shared
CORPUS = SHARED / "corpus"
MODEL_CACHE = Path(os.environ.get("KB_TEST_MODEL_CACHE", ROOT / ".cache" / "models"))


def sample(name: str) -> Path:
    return SAMPLES / name


@pytest.fixture(scope="session")
def embedder(tmp_path_factory) -> Embedder:
    """The real default model, built once into a cache shared by test runs."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("model-data"), model_cache=MODEL_CACHE)
    return Embedder.load(settings)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", model_cache=MODEL_CACHE)


@pytest.fixture
def store(settings, embedder, index_mode):
    """A writable store; index tests run with the embedded index and with a chroma server."""
    from dataclasses import replace

    from kb.store.writer import Store

    if index_mode is not None:
        settings = replace(settings, chroma_url=index_mode)
        _drop_server_collection(settings)
    with Store.open(settings, embedder) as opened:
        yield opened


def _drop_server_collection(settings: Settings) -> None:
    """Each test starts from an empty collection on the shared server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from kb.catalog.index import COLLECTION

    host, port = settings.chroma_url.rsplit(":", 1)
    client = chromadb.HttpClient(
        host=host.split("//")[-1], port=int(port), settings=ChromaSettings(anonymized_telemetry=False)
    )
    if COLLECTION in {c.name for c in client.list_collections()}:
        client.delete_collection(COLLECTION)


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory, embedder) -> Settings:
    """A data directory holding the sample reports, ingested once; tests must only read it."""
    from ingest.pipeline import ingest_paths
    from kb.store.writer import Store

    settings = Settings(data_dir=tmp_path_factory.mktemp("indexed") / "data", model_cache=MODEL_CACHE)
    with Store.open(settings, embedder) as store:
        summary = ingest_paths([SAMPLES], settings, store=store)
    assert summary.count("added") == len(list(SAMPLES.glob("*.pdf")))
    return settings


def copy_of(settings: Settings, target: Path, **changes) -> Settings:
    """The data directory of ``settings`` copied to ``target`` (without its writer lock), with ``changes``."""
    shutil.copytree(settings.data_dir, target, ignore=shutil.ignore_patterns("writer.lock"))
    return replace(settings, data_dir=target, **changes)


@pytest.fixture(scope="module")
def app_settings(request, tmp_path_factory, indexed_settings) -> Settings:
    """A copy of the indexed sample reports for one test module's app, changed by the module's APP_SETTINGS."""
    data = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "data"
    return copy_of(indexed_settings, data, **getattr(request.module, "APP_SETTINGS", {}))


@pytest.fixture(scope="module")
def app_client(app_settings, embedder):
    """The web app on ``app_settings`` (its lifespan running) and an https TestClient, anonymous: a module's
    tests log in as the role they need (tests/logins.py)."""
    from tests.logins import https_client
    from web.app import create_app

    with https_client(create_app(app_settings, embedder)) as client:
        yield client


@pytest.fixture
def reader(indexed_settings, embedder):
    from kb.search.reader import open_reader

    with open_reader(indexed_settings, embedder) as opened:
        yield opened


@pytest.fixture
def corpus_reports() -> Path:
    folder = CORPUS / "reports"
    if not folder.is_dir():
        pytest.skip("../shared/corpus is not available")
    return folder


def copy_samples(target: Path, *names: str) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in names or [p.name for p in SAMPLES.glob("*.pdf")]:
        shutil.copy(SAMPLES / name, target / name)
    return target


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` from the installed chromadb package, on loopback."""
    from tests.chroma_server import start_chroma

    try:
        process, url = start_chroma(tmp_path_factory.mktemp("chroma-server"), wait_s=60)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def index_mode(request):
    """Run a test against the embedded store and against a chroma server."""
    return request.getfixturevalue("chroma_server") if request.param == "server" else None
