"""What the lessons band shows for the judged questions: how many passages are reference lists or contents.

Usage: KB_DATA_DIR=DIR python benchmarks/lessons_shown.py [QUERIES] [-k 20]
Counts, over the answerable questions' top-k passages, those classed as references or contents, and those
whose text reads like one whatever their class (ingest.apparatus' densities at looser thresholds than ingest
uses), with examples of the latter. Issue #19's target: at most 2 for the 55 visible questions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.apparatus import contents_density, reference_density  # noqa: E402
from kb.search.evaluation import load_queries  # noqa: E402
from kb.search.reader import open_reader  # noqa: E402
from kb.settings import Settings  # noqa: E402


def looks_like_apparatus(text: str) -> bool:
    return reference_density(text) >= 6 or contents_density(text) >= 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", type=Path, nargs="?", default=ROOT.parent / "shared/eval/queries.jsonl")
    parser.add_argument("-k", type=int, default=20)
    args = parser.parse_args()
    queries = [q for q in load_queries(args.queries) if q.kind != "negative" and not q.relevant_projects]
    shown = classed = looking = 0
    examples = []
    with open_reader(Settings.from_env()) as reader:
        for query in queries:
            for rank, hit in enumerate(reader.searcher.run(query.text, k=args.k).hits, start=1):
                shown += 1
                classed += hit.section in ("references", "contents")
                if hit.section not in ("references", "contents") and looks_like_apparatus(hit.text):
                    looking += 1
                    examples.append(
                        f"{query.id} #{rank} [{hit.section}] {hit.file[:40]} p.{hit.page_start}: {hit.text[:90]!r}"
                    )
    print(
        f"{len(queries)} questions, {shown} passages shown: {classed} classed references or contents, "
        f"{looking} more read like one"
    )
    for line in examples[:20]:
        print("  ", line)


if __name__ == "__main__":
    main()
