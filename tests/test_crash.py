"""Crash consistency: `kb ingest` killed with SIGKILL at random moments loses nothing it acknowledged."""

from __future__ import annotations

import os
import random
import time

import pytest

from kb.settings import Settings
from tests.conftest import MODEL_CACHE
from tests.crash_rounds import Tally, run_round, write_batch

SECONDS = float(os.environ.get("KB_CRASH_SECONDS", "40"))  # benchmarks/crash.py runs the long version


@pytest.mark.slow
def test_sigkill_during_ingest_loses_nothing_acknowledged(tmp_path, embedder):
    """Round after round of SIGKILL mid-batch: every acknowledged report survives and is found, none is half
    visible, the catalog passes integrity_check, and after reconciliation catalog and index agree chunk for chunk."""
    settings = Settings(data_dir=tmp_path / "data", model_cache=MODEL_CACHE)
    batch = tmp_path / "batch"
    write_batch(batch, 40)
    seed = int(os.environ.get("KB_CRASH_SEED", "6"))
    rng, tally, started = random.Random(seed), Tally(), time.monotonic()
    while len(tally.rounds) < 2 or (time.monotonic() - started < SECONDS and len(tally.rounds) < 10):
        done = run_round(settings, batch, rng, tally, embedder)
        print(f"round {len(tally.rounds)}: killed {done.killed_after_s:.2f} s after the first report, {done}")
    assert tally.acknowledged, "no round stored anything before it was killed"
    assert tally.rounds[-1].reports >= len(tally.acknowledged)
