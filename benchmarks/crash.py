"""Kill `kb ingest` with SIGKILL at random moments, many rounds, and check that nothing acknowledged is lost.

Usage: python benchmarks/crash.py [--rounds 20] [--seed 1] [--files 80]
Each round is the check in tests/test_crash.py: every acknowledged report survives and is found, none is
half visible, the catalog passes integrity_check, catalog and index agree after reconciliation, and a
damaged index is rebuilt. Prints one line per round and a summary.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.model.embedder import Embedder  # noqa: E402
from kb.settings import Settings  # noqa: E402
from tests.crash_rounds import Tally, run_round, write_batch  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--files", type=int, default=80)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-crash-") as tmp:
        settings = Settings.from_env(data_dir=Path(tmp) / "data")
        embedder = Embedder.load(settings)
        batch = Path(tmp) / "batch"
        write_batch(batch, args.files, seed=args.seed)
        rng, tally, started = random.Random(args.seed), Tally(), time.perf_counter()
        for number in range(1, args.rounds + 1):
            done = run_round(settings, batch, rng, tally, embedder)
            print(
                f"round {number}: killed {done.killed_after_s:.2f} s after the first acknowledgement; "
                f"{len(done.acknowledged)} acknowledged, {done.reports} stored, "
                f"{done.vectors_without_chunks} stray vectors, index damaged: {done.index_was_damaged}",
                flush=True,
            )
        damaged = sum(r.index_was_damaged for r in tally.rounds)
        stray = sum(1 for r in tally.rounds if r.vectors_without_chunks)
        print(
            f"{len(tally.rounds)} rounds survived in {time.perf_counter() - started:.0f} s: "
            f"{len(tally.acknowledged)} acknowledged reports all present and found, none half visible; "
            f"{stray} rounds left invisible stray vectors (removed), {damaged} damaged indexes rebuilt"
        )


if __name__ == "__main__":
    main()
