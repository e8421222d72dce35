"""The vector index: a chromadb collection of our own vectors under the chunk ids.

The only module that imports chromadb. The index is derived data: the catalog can always
rebuild it (``kb reindex``). We always hand chromadb our vectors; its default embedding
function would try to download a model.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from kb.catalog.disk import disk_full, is_disk_full
from kb.errors import IndexDamaged, VectorIndexError
from kb.settings import Settings

COLLECTION = "chunks"
PAGE = 5000  # chromadb rejects very large get()/add() calls; page through them


class VectorIndex:
    """Nearest-neighbour search over chunk vectors (cosine)."""

    def __init__(self, client, collection):
        self._client = client
        self._collection = collection
        self._data_dir: Path | None = None  # the embedded index's data directory; None on a chroma server

    @classmethod
    def open(cls, settings: Settings, model_id: str | None = None, dim: int | None = None) -> VectorIndex:
        """Open (or create) the index; refuse one built with another model than ``model_id``."""
        try:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            if settings.chroma_url:
                url = urlsplit(settings.chroma_url)
                client = chromadb.HttpClient(
                    host=url.hostname or "localhost",
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                settings.chroma_path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
            names = {c.name if hasattr(c, "name") else c for c in client.list_collections()}
            if COLLECTION in names:
                collection = client.get_collection(COLLECTION, embedding_function=None)
            elif model_id is not None:
                collection = _create(client, model_id, dim)
            else:
                collection = None
        except VectorIndexError:
            raise
        except Exception as exc:
            if not settings.chroma_url and is_disk_full(exc):
                raise disk_full(settings.data_dir) from exc  # not damaged: chroma writes as it opens
            where = settings.chroma_url or settings.chroma_path
            raise (VectorIndexError if settings.chroma_url else IndexDamaged)(
                f"Cannot open the vector index at {where}: {exc}. Check KB_CHROMA_URL, or run `kb reindex`."
            ) from exc
        index = cls(client, collection)
        index._data_dir = None if settings.chroma_url else settings.data_dir  # where a full disk would be ours
        built_with = index.model_id
        if model_id is not None and built_with is not None and built_with != model_id:
            raise VectorIndexError(
                f"The vector index was built with the model {built_with!r}, not {model_id!r}; "
                "run `kb reindex` to rebuild it with the configured model."
            )
        return index

    def check(self) -> None:
        """Raise VectorIndexError unless the index can count, list and answer (a damaged store fails here)."""
        if self._collection is None:
            return
        try:
            count = self._collection.count()
            probe = self._collection.get(include=["embeddings"], limit=1)
            if count and len(probe["ids"]):
                self._collection.query(query_embeddings=np.asarray(probe["embeddings"][:1]), n_results=1)
        except Exception as exc:
            raise IndexDamaged(f"The vector index is damaged: {exc}") from exc

    @classmethod
    def open_fresh(cls, settings: Settings, model_id: str | None, dim: int) -> VectorIndex:
        """Move a damaged embedded index aside (to ``chroma.broken``) and open an empty one in its place."""
        if settings.chroma_url:
            raise VectorIndexError(f"The vector index at {settings.chroma_url} is damaged; repair that server.")
        _forget_client(settings.chroma_path)
        aside = settings.chroma_path.with_name(settings.chroma_path.name + ".broken")
        shutil.rmtree(aside, ignore_errors=True)
        if settings.chroma_path.exists():
            settings.chroma_path.rename(aside)
        return cls.open(settings, model_id, dim)

    def discard(self, settings: Settings, model_id: str, dim: int) -> None:
        """Replace this damaged index by an empty one; the same object keeps serving whoever holds it."""
        self.close()
        fresh = VectorIndex.open_fresh(settings, model_id, dim)
        self._client, self._collection = fresh._client, fresh._collection

    def close(self) -> None:
        """Release the client's connections (a server client holds HTTP connections)."""
        close = getattr(self._client, "close", None)
        if close is not None:
            try:
                close()
            except Exception:  # noqa: BLE001 - closing is best effort; the process may be ending
                pass

    @property
    def model_id(self) -> str | None:
        if self._collection is None:
            return None
        return (self._collection.metadata or {}).get("model")

    def recreate(self, model_id: str, dim: int) -> None:
        """Drop every vector and start an empty collection for ``model_id``."""
        try:
            if self._collection is not None:
                self._client.delete_collection(COLLECTION)
            self._collection = _create(self._client, model_id, dim)
        except Exception as exc:
            raise VectorIndexError(f"Cannot recreate the vector index: {exc}") from exc

    def _need(self):
        if self._collection is None:
            raise VectorIndexError("The vector index is empty; ingest a report or run `kb reindex`.")
        return self._collection

    def add(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict]) -> None:
        collection = self._need()
        try:
            for start in range(0, len(ids), PAGE):
                end = start + PAGE
                collection.upsert(
                    ids=list(ids[start:end]),
                    embeddings=np.asarray(vectors[start:end], dtype=np.float32),
                    metadatas=list(metadatas[start:end]),
                )
        except Exception as exc:
            self._raise_if_disk_full(exc)
            raise VectorIndexError(f"Cannot write to the vector index: {exc}") from exc

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None:
        """Change the filter fields stored beside vectors, keeping the vectors."""
        collection = self._need()
        try:
            collection.update(ids=list(ids), metadatas=list(metadatas))
        except Exception as exc:
            self._raise_if_disk_full(exc)
            raise VectorIndexError(f"Cannot update the vector index: {exc}") from exc

    def delete(self, ids: Sequence[str]) -> None:
        if self._collection is None or not ids:
            return
        try:
            for start in range(0, len(ids), PAGE):
                self._collection.delete(ids=list(ids[start : start + PAGE]))
        except Exception as exc:
            self._raise_if_disk_full(exc)
            raise VectorIndexError(f"Cannot delete from the vector index: {exc}") from exc

    def _raise_if_disk_full(self, exc: Exception) -> None:
        """A write the embedded index refused for want of space is a full disk, not a damaged index."""
        if self._data_dir is not None and is_disk_full(exc):
            raise disk_full(self._data_dir) from exc

    def neighbours(self, vector: np.ndarray, k: int, where: dict | None = None) -> np.ndarray:
        """The stored vectors of the ``k`` nearest chunks (for pseudo-relevance feedback)."""
        if self._collection is None or k <= 0:
            return np.zeros((0, len(vector)), dtype=np.float32)
        try:
            result = self._collection.query(
                query_embeddings=np.atleast_2d(vector).astype(np.float32),
                n_results=k,
                where=where,
                include=["embeddings"],
            )
        except Exception as exc:
            raise VectorIndexError(f"The vector index failed to answer: {exc}. Run `kb reindex`.") from exc
        return np.asarray(result["embeddings"][0], dtype=np.float32)

    def query(self, vectors: np.ndarray, k: int, where: dict | None = None) -> list[list[tuple[str, float]]]:
        """For each query vector, the ``k`` nearest chunk ids with their cosine similarity, best first."""
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        if self._collection is None or k <= 0:
            return [[] for _ in vectors]
        try:
            result = self._collection.query(query_embeddings=vectors, n_results=k, where=where, include=["distances"])
        except Exception as exc:
            raise VectorIndexError(f"The vector index failed to answer: {exc}. Run `kb reindex`.") from exc
        return [
            [(cid, 1.0 - float(d)) for cid, d in zip(ids, distances, strict=True)]
            for ids, distances in zip(result["ids"], result["distances"], strict=True)
        ]

    def count(self) -> int:
        if self._collection is None:
            return 0
        try:
            return self._collection.count()
        except Exception as exc:
            raise IndexDamaged(f"The vector index cannot count its vectors: {exc}") from exc

    def iter_ids(self) -> Iterator[str]:
        if self._collection is None:
            return
        offset = 0
        while True:
            try:
                page = self._collection.get(include=[], limit=PAGE, offset=offset)["ids"]
            except Exception as exc:
                raise IndexDamaged(f"The vector index cannot list its vectors: {exc}") from exc
            yield from page
            if len(page) < PAGE:
                return
            offset += PAGE

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        collection = self._need()
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), PAGE):
            got = collection.get(ids=list(ids[start : start + PAGE]), include=["embeddings"])
            for cid, vec in zip(got["ids"], got["embeddings"], strict=True):
                found[cid] = np.asarray(vec, dtype=np.float32)
        return found


def _forget_client(path) -> None:
    """Drop chromadb's cached client system for ``path``: one that failed to start stays cached, broken."""
    from chromadb.api.shared_system_client import SharedSystemClient

    system = SharedSystemClient._identifier_to_system.pop(str(path), None)
    SharedSystemClient._identifier_to_refcount.pop(str(path), None)
    if system is not None:
        try:
            system.stop()
        except Exception:  # noqa: BLE001 - a system that never started may not stop cleanly
            pass


def _create(client, model_id: str, dim: int | None):
    return client.create_collection(
        COLLECTION,
        embedding_function=None,
        configuration={"hnsw": {"space": "cosine", "ef_construction": 200, "ef_search": 200}},
        metadata={"model": model_id, "dim": int(dim or 0)},
    )
