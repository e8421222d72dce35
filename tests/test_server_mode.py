"""The vector index on a chroma server (KB_CHROMA_URL) behaves as the embedded one: refusal of another
model, identical rankings and filters, and a rebuild from the catalog with `kb reindex` after the
server lost its data."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import replace

import pytest

from kb.catalog.index import VectorIndex
from kb.errors import VectorIndexError
from kb.models import Filters
from kb.search.reader import open_reader
from kb.store.passages import vector_metadata
from tests.conftest import MODEL_CACHE, _drop_server_collection

pytestmark = pytest.mark.server

QUERIES = [
    "Vilka erfarenheter finns av gemensam upphandling av elbussar?",
    "läkemedelsrester i avloppsvatten",
    "What did the partners learn about stakeholder engagement?",
]


@pytest.fixture
def mode_settings(settings, index_mode):
    """Settings for the embedded index or for an emptied collection on the chroma server."""
    if index_mode is None:
        return settings
    server = replace(settings, chroma_url=index_mode)
    _drop_server_collection(server)
    return server


def kb(*args: str, data_dir, chroma_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KB_DATA_DIR": str(data_dir), "KB_MODEL_CACHE": str(MODEL_CACHE), "KB_CHROMA_URL": chroma_url}
    done = subprocess.run([sys.executable, "-m", "kbcli", *args], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, f"kb {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _copy_catalog(source, target) -> None:
    """A consistent copy of a live catalog (WAL included), leaving the source untouched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def test_the_index_refuses_another_model(mode_settings):
    """An index built with one model is not opened for another; the message names `kb reindex`."""
    VectorIndex.open(mode_settings, "model-a", 384).close()
    with pytest.raises(VectorIndexError, match="kb reindex"):
        VectorIndex.open(mode_settings, "model-b", 384)


def test_server_search_ranks_and_filters_as_embedded(indexed_settings, embedder, chroma_server, tmp_path):
    """The same catalog and vectors, served by chroma run, give the same hits in the same order, filters included."""
    server = replace(indexed_settings, data_dir=tmp_path / "server-data", chroma_url=chroma_server)
    _drop_server_collection(server)
    _copy_catalog(indexed_settings.catalog_path, server.catalog_path)
    shutil.copy(indexed_settings.lexicon_path, server.lexicon_path)  # the data directory's other derived file
    with open_reader(indexed_settings, embedder) as embedded:
        rows = list(embedded.catalog.iter_chunks())
        vectors = embedded.index.vectors([c.id for _, c in rows])
        target = VectorIndex.open(server, embedder.index_id, embedder.dim)
        target.add([c.id for _, c in rows], [vectors[c.id] for _, c in rows], [vector_metadata(r, c) for r, c in rows])
        target.close()
        with open_reader(server, embedder) as served:
            assert served.warnings == []
            for query in QUERIES:
                for filters in (None, Filters(lang="en"), Filters(section="lessons")):
                    want = [h.chunk_id for h in embedded.searcher.search(query, k=10, filters=filters)]
                    got = [h.chunk_id for h in served.searcher.search(query, k=10, filters=filters)]
                    assert got == want and want, (query, filters)


@pytest.mark.slow
def test_kb_reindex_rebuilds_a_lost_server_index_from_the_catalog(indexed_settings, embedder, chroma_server, tmp_path):
    """A chroma server that lost its data is refilled by `kb reindex` from the catalog; `kb stats` shows both."""
    server = replace(indexed_settings, data_dir=tmp_path / "data", chroma_url=chroma_server)
    _drop_server_collection(server)
    _copy_catalog(indexed_settings.catalog_path, server.catalog_path)

    before = json.loads(kb("stats", data_dir=server.data_dir, chroma_url=chroma_server).stdout)
    assert before["chunks"] > 0 and before["vectors"] == 0

    done = kb("reindex", data_dir=server.data_dir, chroma_url=chroma_server)
    assert done.stdout.strip() == f"Re-embedded {before['chunks']} chunks."
    after = json.loads(kb("stats", data_dir=server.data_dir, chroma_url=chroma_server).stdout)
    assert after["vectors"] == after["chunks"] == before["chunks"]

    query = QUERIES[1]
    done = kb("search", query, "-k", "5", "--json", data_dir=server.data_dir, chroma_url=chroma_server)
    searched = json.loads(done.stdout)
    with open_reader(indexed_settings, embedder) as embedded:
        want = [h.chunk_id for h in embedded.searcher.search(query, k=5)]
    assert [h["chunk_id"] for h in searched["hits"]] == want
