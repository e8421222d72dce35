"""Score retrieval variants on judged queries, so every ranking change is judged by numbers.

Usage: python benchmarks/retrieval.py DATA_DIR QUERIES.jsonl [--variants a,b] [--out results.jsonl]
DATA_DIR must hold the corpus ingested with `kb ingest` (e.g. ../shared/corpus/reports).
Each variant's figures are printed and appended, with the date, to --out.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.search.evaluation import evaluate_queries, load_queries  # noqa: E402
from kb.search.reader import open_reader  # noqa: E402
from kb.settings import Settings  # noqa: E402

# Each variant changes the defaults of kb.search.ranking.SearchOptions ("ours" changes nothing). The steps
# measured before page order and translated keywords existed switch both off, so their rows stay comparable.
_BEFORE = {"new_pages_first": False, "translate": False}
_DENSE_ONLY = {**_BEFORE, "keyword": False, "report_boost": 0.0}
VARIANTS = {
    "bm25-alone": {
        **_BEFORE,
        "dense": False,
        "keyword_weight_sv": 1.0,
        "keyword_cross_weight": 1.0,
        "report_boost": 0.0,
    },
    "dense": _DENSE_ONLY,
    "dense+sentences": {**_DENSE_ONLY, "sentences": True},
    "dense+feedback": {**_DENSE_ONLY, "feedback_passages": 5},
    "+keyword all languages": {**_BEFORE, "keyword_weight_sv": 1.0, "keyword_cross_weight": 1.0, "report_boost": 0.0},
    "+keyword same language": {**_BEFORE, "keyword_weight_sv": 1.0, "report_boost": 0.0},
    "+keyword English queries": {**_BEFORE, "report_boost": 0.0},
    "+report boost": _BEFORE,
    "+new pages first": {"translate": False},
    "ours (+translated keywords)": {},
    "ours with every word carried over": {"translate_max_words": 0},
    "ours with the 8 longest words": {"translate_max_words": 8},
    "ours with 1 word >= 0.80": {"translate_top": 1, "translate_min_similarity": 0.8},
    "ours with translated weight 0.25": {"translated_weight": 0.25},
    "ours with rank fusion (RRF)": {"fusion": "rrf"},
    "ours+sentences": {"sentences": True},
    "ours+names for sv": {"names": True},
    "ours+feedback": {"feedback_passages": 5},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("queries", type=Path)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.jsonl"))
    parser.add_argument(
        "--dayone", type=Path, metavar="REPORTS_DIR", help="Also score the day-one recipe on these PDFs"
    )
    args = parser.parse_args()
    queries = load_queries(args.queries)
    settings = Settings.from_env(data_dir=args.data_dir)
    with open_reader(settings) as reader:
        print(f"{'variant':<30}{'nDCG':>7}{'sv':>7}{'en':>7}{'s@1':>7}{'s@5':>7}{'MRR':>7}{'ms/q':>7}")
        for name in args.variants.split(","):
            searcher = reader.searcher.with_options(**VARIANTS[name])
            started = time.perf_counter()
            report = evaluate_queries(searcher, queries)
            ms = (time.perf_counter() - started) / len(queries) * 1000
            _print(name, report.figures["groups"], ms)
            _record(args, name, VARIANTS[name], report.figures)
        if args.dayone:
            from benchmarks.dayone_baseline import run

            figures = run(args.dayone, args.queries, settings, reader.embedder)
            _print("day-one recipe", figures["groups"], 0)
            _record(args, "day-one recipe", {}, figures)


def _print(name: str, g: dict, ms: float) -> None:
    print(
        f"{name:<30}{g['all']['ndcg@10']:>7.3f}{g.get('lang:sv', {}).get('ndcg@10', 0):>7.3f}"
        f"{g.get('lang:en', {}).get('ndcg@10', 0):>7.3f}{g['all']['success@1']:>7.3f}"
        f"{g['all']['success@5']:>7.3f}{g['all']['mrr@10']:>7.3f}{ms:>7.0f}",
        flush=True,
    )


def _record(args, name: str, options: dict, figures: dict) -> None:
    with open(args.out, "a", encoding="utf-8") as out:
        record = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "variant": name,
            "queries": args.queries.name,
            "options": options,
            **figures,
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
