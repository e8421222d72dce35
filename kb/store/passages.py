"""What we embed for a chunk: one function, so that ingestion and reindexing agree."""

from __future__ import annotations

from kb.models import Chunk


def passage_text(chunk: Chunk) -> str:
    """The chunk's heading gives its passage context the body alone may lack."""
    if chunk.heading:
        return f"{chunk.heading}\n{chunk.text}"
    return chunk.text


def vector_metadata(report_id: int, chunk: Chunk) -> dict:
    """Fields stored beside each vector so the index can filter before ranking."""
    return {"report_id": report_id, "lang": chunk.lang, "section": chunk.section}
