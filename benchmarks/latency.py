"""Query latency of the search the web app uses, with the model loaded: p50, p95, max.

Measured twice: each query asked for the first time (a Swedish query's words are embedded to
carry them over to English; the catalog's term counts, cached per process, are warm), and asked
again, as when a filter changes or more results are wanted (its words' vectors are kept).

Usage: python benchmarks/latency.py DATA_DIR QUERIES.jsonl [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.search.evaluation import load_queries  # noqa: E402
from kb.search.reader import open_reader  # noqa: E402
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
        chunks = reader.catalog.stats()["chunks"]
        for case, forget in (("asked the first time", True), ("asked again", False)):
            times, cpu = [], []
            for text in texts:
                reader.searcher.run(text)  # every query asked once
            for _ in range(args.rounds):
                for text in texts:
                    if forget:
                        reader.searcher.forget_word_vectors()
                    started, started_cpu = time.perf_counter(), time.process_time()
                    reader.searcher.run(text)
                    times.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
            for name, values in (("wall", times), ("CPU time (all threads)", cpu)):
                values.sort()
                p95 = values[int(0.95 * (len(values) - 1))]
                print(
                    f"{len(values)} searches over {chunks} chunks, {case}, {name}: "
                    f"p50 {statistics.median(values):.0f} ms, p95 {p95:.0f} ms, max {values[-1]:.0f} ms"
                )


if __name__ == "__main__":
    main()
