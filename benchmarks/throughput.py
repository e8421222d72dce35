"""Ingestion throughput: the whole ingest of a folder against embedding its chunks alone.

    nice python benchmarks/throughput.py [--reports DIR] [--limit N] [--workers 1] [--search-model] [--torch-threads N]

Copies the reports into a temporary data directory, ingests them with the real pipeline
(`ingest_paths`, the same call as `kb ingest`), then embeds the very same passage texts
again with the same model, batch size and per-report calls, and prints both wall times
and their ratio. It also embeds the lexicon's words alone (the ingest's other model work) and
prints the CPU time the ingest used in this process and in the PDF readers. All figures come from
one run, so other load on the machine affects them alike; repeat when they look disturbed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.pipeline import ingest_paths  # noqa: E402
from kb.model.embedder import Embedder  # noqa: E402
from kb.settings import Settings  # noqa: E402
from kb.store.passages import passage_text  # noqa: E402
from kb.store.writer import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path, default=ROOT.parent / "shared" / "corpus" / "reports")
    parser.add_argument("--limit", type=int, default=None, help="only the first N reports (by name)")
    parser.add_argument("--workers", type=int, default=None, help="KB_PARSE_WORKERS for this run")
    parser.add_argument("--torch-threads", type=int, default=None, help="torch.set_num_threads for this run")
    parser.add_argument(
        "--search-model", action="store_true", help="the model as a search process loads it: every core on one batch"
    )
    args = parser.parse_args()
    if args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    with tempfile.TemporaryDirectory(prefix="kb-throughput-") as tmp:
        reports = Path(tmp) / "reports"
        reports.mkdir()
        for pdf in sorted(args.reports.glob("*.pdf"))[: args.limit]:
            shutil.copy(pdf, reports / pdf.name)
        settings = Settings.from_env(data_dir=Path(tmp) / "data")
        if args.workers is not None:
            settings = replace(settings, parse_workers=args.workers)
        embedder = Embedder.load(settings, bulk=not args.search_model)  # as `kb ingest` loads it
        embedder.passages(["passage: warm-up"])  # first call allocates; keep it out of both figures

        word_seconds = [0.0]
        embed_words = embedder.words

        def timed_words(*args, **kwargs):  # during ingest: the lexicon's new words
            began = time.perf_counter()
            try:
                return embed_words(*args, **kwargs)
            finally:
                word_seconds[0] += time.perf_counter() - began

        embedder.words = timed_words
        cpu_before = _cpu()
        started = time.perf_counter()
        with Store.open(settings, embedder) as store:
            summary = ingest_paths([reports], settings, store=store)
        ingest_s = time.perf_counter() - started
        cpu = {k: v - cpu_before[k] for k, v in _cpu().items()}
        embedder.words = embed_words

        with Store.open(settings, embedder) as store:
            groups: dict[int, list[str]] = {}
            for report_id, chunk in store.catalog.iter_chunks():
                groups.setdefault(report_id, []).append(passage_text(chunk))
            started = time.perf_counter()
            for texts in groups.values():  # one call per report, as ingestion makes them
                embedder.passages(texts)
            embed_s = time.perf_counter() - started
            words = list(store.lexicon.words)
            started = time.perf_counter()
            store._embed_words(words)  # as the ingest embedded them, only not report by report
            words_s = time.perf_counter() - started

    figures = {
        "reports": summary.count("added"),
        "chunks": sum(len(t) for t in groups.values()),
        "parse_workers": settings.parse_workers,
        "backend": settings.model_backend,
        "threads": args.torch_threads or os.environ.get("OMP_NUM_THREADS", "default")
        if settings.model_backend == "torch"
        else ("one batch at a time, every core on it" if args.search_model else "batches side by side, one core each"),
        "model": embedder.index_id,
        "ingest_s": round(ingest_s, 1),
        "embedding_inside_ingest_s": round(summary.embed_seconds, 1),
        "lexicon_words_inside_ingest_s": round(word_seconds[0], 1),
        "embed_only_s": round(embed_s, 1),
        "ratio": round(ingest_s / embed_s, 3),
        "lexicon_words": len(words),
        "lexicon_words_only_s": round(words_s, 1),
        "ratio_to_all_embedding": round(ingest_s / (embed_s + words_s), 3),
        "ingest_cpu_s": {k: round(v, 1) for k, v in cpu.items()},
        "cores": len(os.sched_getaffinity(0)),
    }
    print(summary.line())
    print(
        f"ingest {ingest_s:.1f} s, embedding the same chunks alone {embed_s:.1f} s, "
        f"ratio {ingest_s / embed_s:.2f} (target <= 1.15); inside the ingest: passages {summary.embed_seconds:.1f} s, "
        f"the lexicon's words {word_seconds[0]:.1f} s"
    )
    print(
        f"the lexicon's {len(words):,} words alone {words_s:.1f} s; ingest against all it embeds (passages and words) "
        f"alone: ratio {ingest_s / (embed_s + words_s):.2f}"
    )
    print(
        f"CPU during the ingest: this process {cpu['process']:.0f} s, the PDF readers {cpu['readers']:.0f} s; "
        f"on {figures['cores']} cores that is at least {(cpu['process'] + cpu['readers']) / figures['cores']:.0f} s"
    )
    print(json.dumps(figures))


def _cpu() -> dict[str, float]:
    """CPU seconds (user + system) of this process and of its finished children (the PDF readers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"process": own.ru_utime + own.ru_stime, "readers": children.ru_utime + children.ru_stime}


if __name__ == "__main__":
    main()
