"""Query latency of the search the web app uses, with the model loaded: p50, p95, max.

Usage: python benchmarks/latency.py DATA_DIR QUERIES.jsonl [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.evaluation import load_queries  # noqa: E402
from kb.reader import open_reader  # noqa: E402
from kb.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("queries", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    texts = [q.text for q in load_queries(args.queries)]
    with open_reader(Settings.from_env(data_dir=args.data_dir)) as reader:
        for text in texts[:5]:
            reader.searcher.run(text)  # warm up
        times = []
        for _ in range(args.rounds):
            for text in texts:
                reader.searcher.forget_word_vectors()  # every query's words met for the first time
                started = time.perf_counter()
                reader.searcher.run(text)
                times.append((time.perf_counter() - started) * 1000)
        chunks = reader.catalog.stats()["chunks"]
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(
        f"{len(times)} searches over {chunks} chunks: p50 {statistics.median(times):.0f} ms, "
        f"p95 {p95:.0f} ms, max {times[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
