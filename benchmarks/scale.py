"""The knowledge base at scale: N chunks (default 200,000), searched embedded and through a chroma server.

Usage: python benchmarks/scale.py [--chunks 200000] [--base .cache/corpus] [--keep DIR]
       (quick check: --chunks 20000). Run it under `nice`; it is not part of `make test`.

The real reports of an ingested data directory (``--base``, e.g. from `make bench`) are copied in with
their stored vectors, so the judged queries still have their real answers. The rest are generated:
one synthetic report per CORDIS project (../shared/corpus/registers), each chunk an organisation line
followed by real report text from a random place. A sample (``--sample``) of the synthetic chunks is
embedded by the real model, which also gives the embedding rate; the others get random unit vectors
of the model's dimension. Everything is stored through kb.store.writer.Store (catalog + FTS5 + chroma).

Printed: search latency p50/p95 through the real hybrid Searcher (model loaded, every query embedded)
in embedded mode and against `chroma run` on loopback, with where the time goes; ingestion rate into
catalog + index (excluding embedding); resident memory of the app process and the chroma server;
disk per chunk; time to rebuild the index from the catalog (index writes measured, embedding
extrapolated from the measured rate, since re-embedding 200,000 chunks takes hours on 2 cores).
Each phase runs in its own process so that memory figures are the phase's own.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from kb.models import NewReport

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.settings import Settings  # noqa: E402
from tests.chroma_server import start_chroma  # noqa: E402

SHARED = ROOT.parent / "shared"
CORDIS = SHARED / "corpus" / "registers" / "cordis_horizon_europe_organizations_ALL.csv.gz"
QUERIES = SHARED / "eval" / "queries.jsonl"
CHUNKS_PER_REPORT = 100
UPLOAD_PASSAGES = 64  # about a real report's size


# -- phases (each in its own process) ---------------------------------------------------------
def build(data: Path, base: Path, chunks: int, sample: int, seed: int) -> dict:
    """Copy the real reports in with their vectors, then add synthetic reports up to ``chunks``."""
    from kb.model.embedder import Embedder
    from kb.search.reader import open_reader
    from kb.store.passages import passage_text
    from kb.store.writer import Store

    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    base_copy = data.parent / "base"
    shutil.copytree(base, base_copy, ignore=shutil.ignore_patterns("files", "writer.lock"))
    settings = Settings.from_env(data_dir=data)
    embedder = Embedder.load(settings)
    real = []
    with open_reader(replace(settings, data_dir=base_copy), embedder) as reader:
        for report in reader.catalog.reports():
            report_chunks = reader.catalog.chunks_of(report.id)
            vectors = reader.index.vectors([c.id for c in report_chunks])
            real.append((report, report_chunks, np.vstack([vectors[c.id] for c in report_chunks])))
    shutil.rmtree(base_copy)
    donors = [c for _, cs, _ in real for c in cs if c.section != "register"]
    organisations = _cordis_rows()

    ingest_seconds = 0.0
    embed_seconds = 0.0
    stored = 0
    with Store.open(settings, embedder) as store, store.batch():
        for report, report_chunks, vectors in real:
            started = time.perf_counter()
            store.add(
                NewReport(
                    source=None,
                    sha256=report.sha256,
                    filename=report.filename,
                    meta=report.meta,
                    pages=report.pages,
                    lang=report.lang,
                    chunks=report_chunks,
                    vectors=vectors,
                    kind=report.kind,
                    external_id=report.external_id,
                )
            )
            ingest_seconds += time.perf_counter() - started
            stored += len(report_chunks)
        number = 0
        sampled = 0
        while stored < chunks:
            number += 1
            meta, report_chunks = _synthetic_report(
                number, min(CHUNKS_PER_REPORT, chunks - stored), donors, organisations, rng
            )
            embed_now = min(len(report_chunks), sample - sampled)
            vectors = _random_unit_vectors(nprng, len(report_chunks), embedder.dim)
            if embed_now > 0:
                started = time.perf_counter()
                vectors[:embed_now] = embedder.passages([passage_text(c) for c in report_chunks[:embed_now]])
                embed_seconds += time.perf_counter() - started
                sampled += embed_now
            sha = hashlib.sha256(f"scale-{seed}-{number}".encode()).hexdigest()
            started = time.perf_counter()
            store.add(
                NewReport(
                    source=None,
                    sha256=sha,
                    filename=f"scale_{number:05d}.pdf",
                    meta=meta,
                    pages=len(report_chunks),
                    lang=report_chunks[0].lang,
                    chunks=report_chunks,
                    vectors=vectors,
                )
            )
            ingest_seconds += time.perf_counter() - started
            stored += len(report_chunks)
            if number % 200 == 0:
                print(f"  stored {stored:,} chunks", file=sys.stderr, flush=True)
        figures = store.catalog.stats()
    sizes = {name: _du(data / name) for name in ("catalog.sqlite3", "chroma")}
    sizes["catalog.sqlite3"] += _du(data / "catalog.sqlite3-wal")
    return {
        "chunks": figures["chunks"],
        "reports": figures["reports"],
        "real_chunks": sum(len(cs) for _, cs, _ in real),
        "embedded_sample": sampled,
        "embed_rate": sampled / embed_seconds if embed_seconds else None,
        "ingest_seconds": ingest_seconds,
        "ingest_rate": figures["chunks"] / ingest_seconds,
        "catalog_bytes": sizes["catalog.sqlite3"],
        "chroma_bytes": sizes["chroma"],
    }


def query(data: Path, queries: Path, rounds: int, chroma_url: str | None) -> dict:
    """Search latency through the Searcher the web app uses, with a breakdown of where time goes."""
    from kb.search.evaluation import load_queries
    from kb.search.reader import open_reader
    from kb.store.passages import passage_text

    settings = Settings.from_env(data_dir=data, chroma_url=chroma_url)
    texts = [q.text for q in load_queries(queries)]
    with open_reader(settings) as reader:
        parts = _time_parts(reader)
        for text in texts[:5]:
            reader.searcher.run(text)  # warm up
        for timer in parts.values():
            timer.clear()
        times, cpu = [], []
        for _ in range(rounds):
            for text in texts:
                started, started_cpu = time.perf_counter(), time.process_time()
                reader.searcher.run(text)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
        rss = _memory(os.getpid())
        # The web app embeds each upload's passages with this same model: does it keep their memory?
        upload = [passage_text(c) for _, c in itertools.islice(reader.catalog.iter_chunks(), UPLOAD_PASSAGES)]
        reader.embedder.passages(upload)
        after_upload = _memory(os.getpid())
    first = sorted(times[: len(texts)])  # the first round: words and term counts not met before
    total = sum(times)
    breakdown = {name: 1000 * sum(timer) / len(times) for name, timer in parts.items()}
    breakdown["python (the rest)"] = total / len(times) - sum(breakdown.values())
    times.sort()
    cpu.sort()
    return {
        "searches": len(times),
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "max_ms": times[-1],
        "cpu_p50_ms": statistics.median(cpu),
        "cpu_p95_ms": cpu[int(0.95 * (len(cpu) - 1))],
        "first_round_p50_ms": statistics.median(first),
        "first_round_p95_ms": first[int(0.95 * (len(first) - 1))],
        "load_average": os.getloadavg()[0],
        "mean_ms_by_part": breakdown,
        "app_rss_mb": rss["VmRSS"],
        "app_peak_rss_mb": rss["VmHWM"],
        "upload_passages": len(upload),
        "app_rss_after_upload_mb": after_upload["VmRSS"],
    }


def rebuild(data: Path) -> dict:
    """`kb reindex`'s code path (Store.reindex) with a replaying embedder: what rebuilding costs
    besides the model, which the caller adds from the measured embedding rate."""
    from kb.model.embedder import Embedder
    from kb.store.passages import passage_text
    from kb.store.writer import Store

    settings = Settings.from_env(data_dir=data)
    embedder = Embedder.load(settings)
    with Store.open(settings, embedder) as store:
        ids = list(store.index.iter_ids())
        stored = store.index.vectors(ids)
        known = {passage_text(c): stored[c.id] for _, c in store.catalog.iter_chunks() if c.id in stored}
        words = dict(zip(store.lexicon.words, store.lexicon.vectors, strict=True))
        store.embedder = _Replay(embedder, known, words)
        started = time.perf_counter()
        count = store.reindex()
        seconds = time.perf_counter() - started
        agree = store.index.count() == count
    return {"rebuilt_chunks": count, "rebuild_seconds_without_embedding": seconds, "index_agrees": agree}


class _Replay:
    """Stands in for the model during the rebuild measurement: returns each passage's stored vector,
    and each lexicon word's."""

    def __init__(self, embedder, known: dict[str, np.ndarray], words: dict[str, np.ndarray]):
        self.index_id, self.words_id = embedder.index_id, embedder.words_id
        self.dim, self.batch_size = embedder.dim, embedder.batch_size
        self._known, self._words = known, words

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self._known[t] for t in texts])

    def words(self, words: list[str], batch_size: int | None = None) -> np.ndarray:
        return np.vstack([self._words[w] for w in words])


# -- generated data ---------------------------------------------------------------------------
def _cordis_rows() -> list[dict]:
    if not CORDIS.exists():
        raise SystemExit(f"{CORDIS} is missing: the synthetic reports are built from the CORDIS organisation table.")
    with gzip.open(CORDIS, "rt", encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row.get("name") and row.get("projectAcronym")]


def _synthetic_report(number: int, size: int, donors, organisations, rng: random.Random):
    from kb.models import Chunk, ReportMeta

    project = organisations[rng.randrange(len(organisations))]
    sha16 = hashlib.sha256(f"scale-{number}".encode()).hexdigest()[:16]
    start = rng.randrange(2014, 2024)
    meta = ReportMeta(
        title=f"{project['projectAcronym']} - final report (generated)",
        acronym=project["projectAcronym"],
        programme="Horizon Europe (generated)",
        period_start=start,
        period_end=start + rng.randrange(2, 5),
    )
    chunks = []
    for seq in range(1, size + 1):
        org = organisations[rng.randrange(len(organisations))]
        donor = donors[rng.randrange(len(donors))]
        words = donor.text.split()
        offset = rng.randrange(len(words))
        length = rng.randrange(150, 300)
        body = " ".join((words[offset:] + words)[:length])
        line = f"{org['name']} ({org['city']}, {org['country']}), {org['role']} in {org['projectAcronym']}."
        chunks.append(
            Chunk(
                id=f"{sha16}-{seq:05d}",
                seq=seq,
                page_start=seq,
                page_end=seq,
                section=donor.section,
                heading=donor.heading,
                lang=donor.lang,
                text=f"{line} {body}",
            )
        )
    return meta, chunks


def _random_unit_vectors(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


# -- measuring -----------------------------------------------------------------------------------
def _time_parts(reader) -> dict[str, list[float]]:
    """Wrap the calls the Searcher makes so that their time is recorded (instance attributes only)."""
    targets = {
        "embed query (model)": (reader.embedder, "queries"),
        "embed query words (model)": (reader.embedder, "words"),
        "dense (chroma query)": (reader.index, "query"),
        "keyword (FTS5 search)": (reader.catalog, "keyword_search"),
        "keyword (term shares)": (reader.catalog, "term_document_share"),
        "catalog lookups": (reader.catalog, "chunks_with_reports"),
    }
    timers: dict[str, list[float]] = {}
    for name, (owner, attribute) in targets.items():
        timers[name] = []
        setattr(owner, attribute, _timed(getattr(owner, attribute), timers[name]))
    return timers


def _timed(function, record: list[float]):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            record.append(time.perf_counter() - started)

    return wrapper


def _memory(pid: int) -> dict[str, float]:
    """Resident and peak resident memory (MiB) of a process, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def _du(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _phase(*args: str, env: dict | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", *args],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {args[0]}: {json.dumps(result)}", file=sys.stderr, flush=True)  # kept even if a later phase fails
    return result


# -- orchestration -------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=200_000)
    parser.add_argument(
        "--base",
        type=Path,
        default=ROOT / ".cache" / "corpus",
        help="An ingested data directory whose reports are copied in (default: make bench's).",
    )
    parser.add_argument("--sample", type=int, default=1000, help="Synthetic chunks embedded by the real model.")
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="Build into this directory and keep it (default: a temp dir).")
    parser.add_argument(
        "--search-only", action="store_true", help="Only search (both modes) in an existing --keep directory."
    )
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return _run_phase(args.phase)
    if args.search_only:
        if args.keep is None or not (args.keep / "data" / "catalog.sqlite3").exists():
            raise SystemExit("--search-only needs --keep DIR from an earlier run.")
        return _print_search(_measure_search(args, args.keep / "data"))
    if not (args.base / "catalog.sqlite3").exists():
        raise SystemExit(
            f"No ingested corpus in {args.base}: run `KB_DATA_DIR={args.base} kb ingest ../shared/corpus/reports` "
            "first, or pass --base DATA_DIR."
        )
    work = args.keep or Path(tempfile.mkdtemp(prefix="kb-scale-"))
    data = work / "data"
    if data.exists():
        raise SystemExit(f"{data} exists; pass an empty --keep directory.")
    data.parent.mkdir(parents=True, exist_ok=True)
    try:
        report = _measure(args, data)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    _print(report)


def _measure(args, data: Path) -> dict:
    print(f"Building {args.chunks:,} chunks in {data} …", file=sys.stderr, flush=True)
    report = {"build": _phase("build", str(data), str(args.base), str(args.chunks), str(args.sample), str(args.seed))}
    report.update(_measure_search(args, data))
    print("Rebuilding the index from the catalog …", file=sys.stderr, flush=True)
    report["rebuild"] = _phase("rebuild", str(data))
    return report


def _measure_search(args, data: Path) -> dict:
    report = {}
    print("Searching, embedded …", file=sys.stderr, flush=True)
    report["embedded"] = _phase("query", str(data), str(args.queries), str(args.rounds), "")
    print("Searching, chroma server on loopback …", file=sys.stderr, flush=True)
    process, url = start_chroma(data / "chroma")
    try:
        idle = _memory(process.pid)
        report["server"] = _phase("query", str(data), str(args.queries), str(args.rounds), url)
        busy = _memory(process.pid)
        report["server"].update(
            chroma_rss_idle_mb=idle["VmRSS"], chroma_rss_mb=busy["VmRSS"], chroma_peak_rss_mb=busy["VmHWM"]
        )
        print(f"  chroma server memory (MiB): idle {idle}, after the searches {busy}", file=sys.stderr, flush=True)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return report


def _run_phase(phase: list[str]) -> None:
    name, data, *rest = phase
    if name == "build":
        result = build(Path(data), Path(rest[0]), int(rest[1]), int(rest[2]), int(rest[3]))
    elif name == "query":
        result = query(Path(data), Path(rest[0]), int(rest[1]), rest[2] or None)
    else:
        result = rebuild(Path(data))
    print(json.dumps(result))


def _print(report: dict) -> None:
    build_, rebuild_ = report["build"], report["rebuild"]
    chunks = build_["chunks"]
    per_chunk = (build_["catalog_bytes"] + build_["chroma_bytes"]) / chunks
    print(
        f"\n{chunks:,} chunks in {build_['reports']:,} reports ({build_['real_chunks']:,} real, "
        f"{build_['embedded_sample']:,} generated ones embedded by the model, the rest random unit vectors)"
    )
    _print_search(report)
    print(
        f"ingestion into catalog + index (no embedding): {build_['ingest_rate']:,.0f} chunks/s "
        f"({build_['ingest_seconds']:.0f} s)"
    )
    print(
        f"disk: {per_chunk / 1024:.1f} KiB per chunk (catalog {build_['catalog_bytes'] / 2**20:,.0f} MiB, "
        f"chroma {build_['chroma_bytes'] / 2**20:,.0f} MiB)"
    )
    rate = build_["embed_rate"]
    line = (
        f"rebuild from the catalog: {rebuild_['rebuild_seconds_without_embedding']:.0f} s for "
        f"{rebuild_['rebuilt_chunks']:,} chunks without the model"
    )
    if rate:
        hours = rebuild_["rebuilt_chunks"] / rate / 3600
        line += f"; embedding at the measured {rate:.1f} chunks/s adds {hours:.1f} h"
    print(line + ("" if rebuild_["index_agrees"] else "  (INDEX DISAGREES WITH THE CATALOG)"))
    print(json.dumps(report))


def _print_search(report: dict) -> None:
    for mode in ("embedded", "server"):
        r = report[mode]
        print(
            f"search, {mode:<8}: p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, max {r['max_ms']:.0f} ms "
            f"({r['searches']} searches, load average {r['load_average']:.1f}; first round, every query's words "
            f"and terms new: p50 {r['first_round_p50_ms']:.0f} ms, p95 {r['first_round_p95_ms']:.0f} ms); "
            f"CPU time p50 {r['cpu_p50_ms']:.0f} ms, p95 {r['cpu_p95_ms']:.0f} ms; "
            f"app process RSS {r['app_rss_mb']:.0f} MiB (peak {r['app_peak_rss_mb']:.0f}), "
            f"{r['app_rss_after_upload_mb']:.0f} MiB after embedding an upload's {r['upload_passages']} passages"
        )
        print("   mean per search: " + ", ".join(f"{k} {v:.1f} ms" for k, v in r["mean_ms_by_part"].items()))
    server = report["server"]
    print(
        f"chroma server RSS: {server['chroma_rss_idle_mb']:.0f} MiB after start, {server['chroma_rss_mb']:.0f} MiB "
        f"after the searches (peak {server['chroma_peak_rss_mb']:.0f})"
    )
    if "build" not in report:
        print(json.dumps(report))


if __name__ == "__main__":
    main()
