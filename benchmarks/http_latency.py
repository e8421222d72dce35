"""/api/search over HTTP as people wait for it: a fresh `kb serve`, each question asked once.

Usage: python benchmarks/http_latency.py DATA_DIR [--queries ../shared/eval/queries.jsonl] [--count 30]
       [--servers 3]

DATA_DIR is copied first (the server's accounts are added to the copy, never to DATA_DIR). For each of
``--servers`` rounds a new `kb serve` starts on the copy, a reader logs in, one warm-up question from outside
the set is asked (its time printed apart: the first request after a start), then the first ``--count``
questions, each once. Prints wall p50, p95 and max as the client saw them, and the server's CPU time per
request. Issue #20 measured p50 104 ms, p95 161 ms on the 26 reports with the registers imported.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.server import client, start  # noqa: E402
from kb.search.evaluation import load_queries  # noqa: E402

WARM_UP = "Hur har andra kommuner arbetat med detta?"


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentiles(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[int(0.95 * (len(values) - 1))]
    return f"p50 {statistics.median(values):.0f} ms, p95 {p95:.0f} ms, max {values[-1]:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--queries", type=Path, default=ROOT.parent / "shared/eval/queries.jsonl")
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--servers", type=int, default=3)
    args = parser.parse_args()
    questions = [q.text for q in load_queries(args.queries)][: args.count]
    wall: list[float] = []
    first: list[float] = []
    cpu: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(args.data_dir, copy)
        for _ in range(args.servers):
            process, url = start(copy)
            try:
                with client(url, timeout=60, role="reader") as session:
                    started = time.perf_counter()
                    session.get("/api/search", params={"q": WARM_UP}).raise_for_status()
                    first.append((time.perf_counter() - started) * 1000)
                    cpu_before = _cpu_seconds(process.pid)
                    for question in questions:
                        started = time.perf_counter()
                        session.get("/api/search", params={"q": question}).raise_for_status()
                        wall.append((time.perf_counter() - started) * 1000)
                    cpu.append((_cpu_seconds(process.pid) - cpu_before) * 1000 / len(questions))
            finally:
                process.terminate()
                process.wait(timeout=30)
    print(f"{len(wall)} questions over HTTP, each asked once to a fresh kb serve: {_percentiles(wall)}")
    print(f"first request after a start (warm-up question): {_percentiles(first)}")
    print(f"server CPU time per question: {statistics.mean(cpu):.0f} ms (all threads)")


if __name__ == "__main__":
    main()
