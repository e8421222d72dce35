"""The standard recipe a team would build in a day, scored like our search.

pypdf page text, LangChain's RecursiveCharacterTextSplitter(1000, 200) per page, the same
e5 model with its prompts (no language handling), chromadb top-10. Vectors are cached in
benchmarks/.cache so reruns only score.
Usage: python benchmarks/dayone_baseline.py REPORTS_DIR QUERIES.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.sandbox import read_pdf  # noqa: E402
from kb.model.embedder import Embedder  # noqa: E402
from kb.search.evaluation import Ranked, load_queries, scores, summarise  # noqa: E402
from kb.settings import Settings  # noqa: E402

CACHE = Path(__file__).with_name(".cache")


def split_pages(reports: Path, settings: Settings) -> list[tuple[str, int, str]]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    pieces = []
    for pdf in sorted(reports.glob("*.pdf")):
        for number, text in enumerate(read_pdf(pdf, settings).pages, start=1):
            pieces += [(pdf.name, number, piece) for piece in splitter.split_text(text) if piece.strip()]
    return pieces


def vectors(pieces, embedder: Embedder) -> np.ndarray:
    key = hashlib.sha256(json.dumps([p[2] for p in pieces]).encode() + embedder.model_id.encode()).hexdigest()[:16]
    path = CACHE / f"dayone-{key}.npy"
    if path.exists():
        return np.load(path)
    matrix = embedder.raw_passages([p[2] for p in pieces])
    CACHE.mkdir(exist_ok=True)
    np.save(path, matrix)
    return matrix


def run(reports: Path, queries_path: Path, settings: Settings, embedder: Embedder | None = None) -> dict:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    embedder = embedder or Embedder.load(settings)
    pieces = split_pages(reports, settings)
    matrix = vectors(pieces, embedder)
    queries = load_queries(queries_path)
    with tempfile.TemporaryDirectory() as tmp:
        client = chromadb.PersistentClient(tmp, settings=ChromaSettings(anonymized_telemetry=False))
        collection = client.create_collection(
            "dayone", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        ids = [str(i) for i in range(len(pieces))]
        for start in range(0, len(ids), 5000):
            collection.add(ids=ids[start : start + 5000], embeddings=matrix[start : start + 5000])
        per_query = []
        for query in queries:
            if query.kind == "negative":
                continue
            found = collection.query(query_embeddings=embedder.raw_queries([query.text]), n_results=10)["ids"][0]
            ranking = [Ranked(pieces[int(i)][0], pieces[int(i)][1], pieces[int(i)][1]) for i in found]
            per_query.append((query, scores(query, ranking)))
    return {"chunks": len(pieces), "groups": summarise(per_query)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", type=Path)
    parser.add_argument("queries", type=Path)
    args = parser.parse_args()
    result = run(args.reports, args.queries, Settings.from_env())
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
