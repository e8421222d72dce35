"""Retrieval metrics exactly as ../shared/eval/README.md defines them.

A passage is relevant when its file is a judged file and its page span meets the judged
pages; each (file, page) pair earns gain once, at the first passage that covers it.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kb.errors import KBError

K = 10


@dataclass(frozen=True)
class Query:
    id: str
    lang: str
    kind: str
    text: str
    relevant: dict[str, frozenset[int]]  # file name -> judged pages
    relevant_projects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ranked:
    """One ranked passage as the metrics see it."""

    file: str
    page_start: int
    page_end: int
    score: float = 0.0
    project: str | None = None


def load_queries(path: Path) -> list[Query]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KBError(f"Cannot read the queries file {path}: {exc.strerror}") from exc
    queries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            relevant: dict[str, set[int]] = defaultdict(set)
            for item in raw.get("relevant", []):
                relevant[PurePosixPath(item["file"]).name].update(int(p) for p in item["pages"])
            queries.append(
                Query(
                    id=str(raw["id"]),
                    lang=str(raw.get("lang", "")),
                    kind=str(raw.get("kind", "")),
                    text=str(raw["query"]),
                    relevant={f: frozenset(p) for f, p in relevant.items()},
                    relevant_projects=tuple(raw.get("relevant_projects", [])),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise KBError(f"{path}, line {number}: not a query object ({exc}).") from exc
    return queries


def gains(query: Query, ranking: list[Ranked]) -> list[int]:
    """Gain 1 for a passage covering a judged (file, page) pair that no earlier passage covered."""
    covered: set[tuple[str, int]] = set()
    result = []
    for hit in ranking[:K]:
        pages = query.relevant.get(hit.file, frozenset())
        new = {(hit.file, p) for p in pages if hit.page_start <= p <= hit.page_end} - covered
        covered |= new
        result.append(1 if new else 0)
    return result


def is_relevant(query: Query, hit: Ranked) -> bool:
    return any(hit.page_start <= p <= hit.page_end for p in query.relevant.get(hit.file, ()))


def scores(query: Query, ranking: list[Ranked]) -> dict[str, float]:
    """success@1, success@5, MRR@10 and nDCG@10 of one passage ranking."""
    top = ranking[:K]
    relevant = [is_relevant(query, h) for h in top]
    first = next((i for i, r in enumerate(relevant) if r), None)
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains(query, top)))
    judged_pairs = sum(len(p) for p in query.relevant.values())
    ideal = sum(1 / math.log2(i + 2) for i in range(min(K, judged_pairs)))
    return {
        "success@1": float(any(relevant[:1])),
        "success@5": float(any(relevant[:5])),
        "mrr@10": 0.0 if first is None else 1.0 / (first + 1),
        "ndcg@10": dcg / ideal if ideal else 0.0,
    }


def project_scores(query: Query, ranking: list[Ranked]) -> dict[str, float]:
    """Register queries: the first 10 distinct projects, gain 1 per relevant project."""
    seen: list[str] = []
    for hit in ranking:
        if hit.project and hit.project not in seen:
            seen.append(hit.project)
        if len(seen) == K:
            break
    wanted = set(query.relevant_projects)
    flags = [p in wanted for p in seen]
    first = next((i for i, f in enumerate(flags) if f), None)
    dcg = sum(1 / math.log2(i + 2) for i, f in enumerate(flags) if f)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(K, len(wanted))))
    return {
        "success@1": float(any(flags[:1])),
        "success@5": float(any(flags[:5])),
        "mrr@10": 0.0 if first is None else 1.0 / (first + 1),
        "ndcg@10": dcg / ideal if ideal else 0.0,
    }


def summarise(per_query: Iterable[tuple[Query, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Means overall and per language and kind, over non-negative queries."""
    groups: dict[str, list[dict[str, float]]] = defaultdict(list)
    for query, figures in per_query:
        if query.kind == "negative":
            continue
        for group in ("all", f"lang:{query.lang}", f"kind:{query.kind}"):
            groups[group].append(figures)
    return {
        group: {"n": len(rows), **{m: round(sum(r[m] for r in rows) / len(rows), 4) for m in rows[0]}}
        for group, rows in sorted(groups.items())
    }


@dataclass
class EvalReport:
    figures: dict
    runs: list[dict]


HALVES = ("tuning", "checking")


def half_of(query_id: str) -> str:
    """The fixed split of a judged set: odd numeric ids tune, even ids check (d001 tunes, d002 checks).

    Settings are chosen on the tuning half only; the checking half says whether they carry over to
    questions they were not chosen on."""
    digits = re.search(r"(\d+)\D*$", query_id)
    if digits is None:
        raise KBError(f"Query id {query_id!r} has no number, so it belongs to neither half of the split.")
    return HALVES[1 - int(digits.group(1)) % 2]


def evaluate_queries(searcher, queries: list[Query], split: bool = False) -> EvalReport:
    """Run every query through ``searcher`` (the one the web app uses) and score it; with ``split``,
    also score the tuning and checking halves (see half_of) apart."""
    scored: list[tuple[Query, dict[str, float] | None, bool]] = []  # figures None for negatives
    runs: list[dict] = []
    for query in queries:
        result = searcher.run(query.text, k=K)
        # Register queries are scored on the register projects found, report queries on the passages.
        ranked_hits = result.projects if query.relevant_projects else result.hits
        ranking = [Ranked(h.file, h.page_start, h.page_end, h.score, h.extra.get("project")) for h in ranked_hits]
        runs.append(
            {
                "id": query.id,
                "hits": [
                    {"file": r.file, "page_start": r.page_start, "page_end": r.page_end, "score": round(r.score, 6)}
                    | ({"project": r.project} if r.project else {})
                    for r in ranking
                ],
            }
        )
        if query.kind == "negative":
            scored.append((query, None, result.weak))
            continue
        figures = project_scores(query, ranking) if query.relevant_projects else scores(query, ranking)
        scored.append((query, figures, result.weak))
    summary = _summary(scored)
    if split:
        summary["halves"] = {half: _summary([s for s in scored if half_of(s[0].id) == half]) for half in HALVES}
    return EvalReport(summary, runs)


def _summary(scored: list[tuple[Query, dict[str, float] | None, bool]]) -> dict:
    summary: dict = {"groups": summarise((q, f) for q, f, _ in scored if f is not None)}
    negatives = [weak for _, f, weak in scored if f is None]
    if negatives:
        summary["negatives"] = {
            "n": len(negatives),
            "no_match_signalled": sum(negatives),
            "positives_wrongly_signalled": sum(weak for _, f, weak in scored if f is not None),
        }
    return summary


def format_table(figures: dict) -> str:
    lines = _table(figures)
    for half, part in figures.get("halves", {}).items():
        lines += ["", f"{half} half (ids {'odd' if half == HALVES[0] else 'even'})", *_table(part)]
    return "\n".join(lines)


def _table(figures: dict) -> list[str]:
    lines = [f"{'group':<18}{'n':>4}{'s@1':>8}{'s@5':>8}{'MRR@10':>8}{'nDCG@10':>9}"]
    for group, row in figures["groups"].items():
        lines.append(
            f"{group:<18}{row['n']:>4}{row['success@1']:>8.3f}{row['success@5']:>8.3f}"
            f"{row['mrr@10']:>8.3f}{row['ndcg@10']:>9.3f}"
        )
    if "negatives" in figures:
        neg = figures["negatives"]
        lines.append(
            f"negative queries: {neg['no_match_signalled']}/{neg['n']} answered 'no lesson matches this well'; "
            f"{neg['positives_wrongly_signalled']} answerable queries were wrongly told so"
        )
    return lines
