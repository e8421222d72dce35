"""Kill `kb ingest` with SIGKILL at random moments and check what survives (shared by the test and
benchmarks/crash.py).

A round starts `python -m kbcli ingest --verbose` on a batch of generated reports, waits until it
has acknowledged at least one report (a line printed after the catalog commit), kills it at a
random moment a little later, then checks the data directory as a restarted server would find it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from kb.catalog.database import Catalog
from kb.catalog.index import VectorIndex
from kb.errors import IndexDamaged
from kb.search.ranking import Searcher
from kb.settings import Settings
from kb.store.writer import Store
from tests.pdfs import text_pdf

ROOT = Path(__file__).resolve().parent.parent

SENTENCES = [
    "The municipality procured electric buses together with two neighbouring towns to share the tender costs.",
    "Depot charging was cheaper than charging at the end stops, but it needed a larger grid connection.",
    "Drivers asked for training in regenerative braking before the winter timetable started.",
    "The heat pumps in the school buildings halved the energy bill within the first two years.",
    "Tenants were more willing to sort food waste once the bins stood inside the stairwell.",
    "The broadband cooperative found volunteers to dig trenches when the farmers owned the land.",
    "Home care staff used tablets to report visits, which saved about twenty minutes a shift.",
    "The wetland removed phosphorus from the stream, though less in the dry summer months.",
    "A shared procurement team kept the legal knowledge that each small town lacked on its own.",
    "Cyclists used the new station garages when they were lit, locked and close to the platform.",
    "The pilot showed that older residents needed a person to call, not only an application.",
    "Partner cities met every quarter, and the meetings in person built the trust the project needed.",
    "Maintenance budgets had to be agreed before planting, or the young trees dried out in July.",
    "The data platform was only used once each department owned the quality of its own records.",
    "Translation of the tender documents took three months longer than the project plan assumed.",
    "Local companies joined the network after the first joint training day at the harbour.",
]


def write_batch(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """``count`` distinct English reports of three pages each (about three passages each)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        rng = random.Random(seed * 100_003 + n)
        pages = [f"Project Nordlys {seed}-{n} - Final report\nProgramme: Interreg Europe"]
        for page, heading in enumerate(("3 Results", "5 Lessons learned")):
            sentences = " ".join(rng.sample(SENTENCES, 12))
            # codes of its own, so that no two passages are near-duplicates that search would fold together
            codes = " ".join(f"nx{seed}r{n}p{page}c{i}" for i in range(40))
            pages.append(f"{heading}\nIn project Nordlys {seed}-{n}, {sentences} Reference codes: {codes}.")
        paths.append(text_pdf(folder / f"nordlys_{seed:03d}_{n:03d}.pdf", pages))
    return paths


@dataclass
class Round:
    acknowledged: list[str]  # file names the child printed as stored before it was killed
    killed_after_s: float
    index_was_damaged: bool
    vectors_without_chunks: int  # invisible leftovers of an interrupted write, removed by reconciliation
    reports: int


@dataclass
class Tally:
    rounds: list[Round] = field(default_factory=list)
    acknowledged: set[str] = field(default_factory=set)


def run_round(settings: Settings, batch: Path, rng: random.Random, tally: Tally, embedder) -> Round:
    """One kill and the checks that follow it; raises AssertionError on any loss or half-visible report."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KB_MODEL_CACHE": str(settings.model_cache)}
    child = subprocess.Popen(
        [sys.executable, "-m", "kbcli", "--data-dir", str(settings.data_dir), "ingest", "--verbose", str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    lines: list[str] = []
    first = threading.Event()

    def read() -> None:
        for line in child.stdout:
            lines.append(line)
            first.set()
        first.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    first.wait(timeout=600)
    delay = rng.uniform(0.0, 2.5)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait()
    reader.join(timeout=10)
    child.stdout.close()
    acknowledged = [line.split()[1].rstrip(":") for line in lines if line.startswith(("added ", "replaced "))]
    tally.acknowledged.update(acknowledged)
    checked = check(settings, tally.acknowledged, embedder)
    result = Round(acknowledged, delay, *checked)
    tally.rounds.append(result)
    return result


def check(settings: Settings, acknowledged: set[str], embedder) -> tuple[bool, int, int]:
    """The checks a restart must pass; returns (index was damaged, stray vectors, reports)."""
    catalog = Catalog.open(settings)
    try:
        assert catalog.integrity_check() == "ok"
        by_report = catalog.chunk_ids_by_report()
        chunks = {cid for ids in by_report.values() for cid in ids}
        for report in catalog.reports():
            assert report.chunk_count == len(by_report.get(report.id, ())), f"report {report.id} is half stored"
    finally:
        catalog.close()
    damaged, stray = False, 0
    try:
        index = VectorIndex.open(settings, embedder.index_id, embedder.dim)
        try:
            index.check()
            present = set(index.iter_ids())
            missing = chunks - present
            assert not missing, f"{len(missing)} catalog chunks have no vector: a report is half visible"
            stray = len(present - chunks)
        finally:
            index.close()
    except IndexDamaged:
        damaged = True  # the kill broke chroma's files: Store.open must rebuild it from the catalog
    with Store.open(settings, embedder) as store:
        assert damaged == bool(store.index_damage)
        store.reconcile()
        wanted = {cid for ids in store.catalog.chunk_ids_by_report().values() for cid in ids}
        assert set(store.index.iter_ids()) == wanted, "catalog and index disagree after reconciliation"
        stored = {r.filename: r for r in store.catalog.reports()}
        assert acknowledged <= stored.keys(), f"acknowledged reports lost: {sorted(acknowledged - stored.keys())}"
        searcher = Searcher(store.catalog, store.index, embedder)
        for name in acknowledged:
            report = stored[name]
            passage = max((c.text for c in store.catalog.chunks_of(report.id)), key=len)
            hits = searcher.search(passage, k=5)
            assert report.id in {h.report_id for h in hits}, f"{name} is stored but not found"
        return damaged, stray, len(stored)
