"""Passages per second of the bundled model on each backend (torch, onnx-int8), same passages.

    nice python benchmarks/backends.py DATA_DIR [--passages 128] [--rounds 2]

Takes the first passages stored in DATA_DIR's catalog (read only), embeds them with each
backend in turn, alternating over the rounds so that other load on the machine falls on
both alike, and prints the best round of each, plus how close the vectors are.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.catalog.database import Catalog  # noqa: E402
from kb.model.embedder import Embedder  # noqa: E402
from kb.settings import MODEL_BACKENDS, Settings  # noqa: E402
from kb.store.passages import passage_text  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--passages", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    settings = Settings.from_env(data_dir=args.data_dir)
    catalog = Catalog.open(settings)
    texts = [passage_text(c) for _, c in catalog.iter_chunks()][: args.passages]
    catalog.close()
    embedders = {b: Embedder.load(replace(settings, model_backend=b)) for b in MODEL_BACKENDS}
    best = {b: float("inf") for b in embedders}
    vectors = {}
    for _ in range(args.rounds):
        for backend, embedder in embedders.items():
            started = time.perf_counter()
            vectors[backend] = embedder.raw_passages(texts)
            best[backend] = min(best[backend], time.perf_counter() - started)
    cosines = np.sum(vectors["torch"] * vectors["onnx-int8"], axis=1)
    figures = {
        "passages": len(texts),
        **{f"{b}_passages_per_s": round(len(texts) / s, 2) for b, s in best.items()},
        "speedup": round(best["torch"] / best["onnx-int8"], 2),
        "cosine_min": round(float(cosines.min()), 4),
        "cosine_mean": round(float(cosines.mean()), 4),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
