"""Search: embed the question, rank passages, return hits joined with their reports."""

from __future__ import annotations

from kb.catalog import Catalog
from kb.embedder import Embedder
from kb.index import VectorIndex
from kb.models import Hit


class Searcher:
    """Answers questions from the catalog and the vector index; reads only."""

    def __init__(self, catalog: Catalog, index: VectorIndex, embedder: Embedder):
        self.catalog = catalog
        self.index = index
        self.embedder = embedder

    def search(self, query: str, k: int = 10) -> list[Hit]:
        query = " ".join(query.split())
        if not query:
            return []
        vector = self.embedder.query(query)
        ranked = self.index.query(vector, k)
        # Vectors whose chunk is not (yet) in the catalog belong to an unfinished write: skip them.
        rows = self.catalog.chunks_with_reports([cid for cid, _ in ranked])
        hits = []
        for cid, score in ranked:
            if cid not in rows:
                continue
            chunk, report = rows[cid]
            hits.append(
                Hit(
                    chunk_id=cid,
                    report_id=report.id,
                    file=report.filename,
                    title=report.meta.title or report.filename,
                    page_start=chunk.page_start,
                    page_end=chunk.page_end,
                    section=chunk.section,
                    lang=chunk.lang,
                    text=chunk.text,
                    score=score,
                )
            )
        return hits
