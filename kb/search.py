"""Hybrid search: dense vectors and a stemmed keyword index, fused by reciprocal rank.

Each signal is weighed by what it can contribute: keyword matches count fully for passages
in the query's language and little for passages in another language (a Swedish word rarely
occurs in English text, so those matches are mostly names and noise). A paragraph-long
query is embedded whole and sentence by sentence, so one sentence that names the core need
can pull in the passages that answer it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from kb.catalog import Catalog
from kb.embedder import Embedder
from kb.language import detect_query
from kb.models import Chunk, Filters, Hit, Report
from kb.terms import stems, tokens


class DenseBackend(Protocol):
    def query(self, vectors: np.ndarray, k: int, where: dict | None = None) -> list[list[tuple[str, float]]]: ...


@dataclass(frozen=True)
class SearchOptions:
    """Knobs of the ranking; the defaults are what the benchmark measured best."""

    candidates: int = 100  # per signal, before fusion
    dense: bool = True
    keyword: bool = True
    keyword_weight: float = 1.0  # passages in the query's language
    keyword_cross_weight: float = 0.25  # passages in another language
    sentences: bool = True  # long queries: also embed each sentence
    sentence_weight: float = 0.5
    long_query_words: int = 20
    rrf_k: int = 60
    max_term_share: float = 0.25  # query terms found in more passages than this carry no information
    near_duplicate: float = 0.85  # word-set overlap at which a passage repeats one ranked above it
    no_match_below: float = 0.0  # best dense similarity under which "no lesson matches this well"


@dataclass
class SearchResult:
    query: str
    lang: str
    hits: list[Hit]
    best_similarity: float
    weak: bool = False
    terms: list[str] = field(default_factory=list)


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def split_sentences(text: str, min_words: int = 4) -> list[str]:
    return [s for s in _SENTENCE.split(text) if len(s.split()) >= min_words]


class Searcher:
    """Answers questions from the catalog and a dense backend (the vector index); reads only."""

    def __init__(self, catalog: Catalog, index: DenseBackend, embedder: Embedder, options: SearchOptions | None = None):
        self.catalog = catalog
        self.index = index
        self.embedder = embedder
        self.options = options or SearchOptions()

    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> list[Hit]:
        return self.run(query, k, filters).hits

    def run(self, query: str, k: int = 10, filters: Filters | None = None) -> SearchResult:
        query = " ".join(query.split())
        if not query:
            return SearchResult(query, "", [], 0.0, weak=True)
        opts = self.options
        filters = filters or Filters()
        lang = detect_query(query)
        report_ids = self.catalog.report_ids(filters) if filters.by_report else None
        if report_ids == []:
            return SearchResult(query, lang, [], 0.0, weak=True)

        rankings: list[tuple[float | None, list[tuple[str, float]]]] = []  # (weight or None=by language, ranking)
        similarity: dict[str, float] = {}
        if opts.dense:
            whole, sentences = self._dense(query, report_ids, filters)
            rankings.append((1.0, whole))
            similarity = dict(whole)
            if sentences:
                rankings.append((opts.sentence_weight, sentences))
        terms: list[str] = []
        if opts.keyword:
            keyword, terms = self._keyword(query, lang, report_ids, filters)
            rankings.append((None, keyword))

        candidates = {cid for _, ranking in rankings for cid, _ in ranking}
        rows = self.catalog.chunks_with_reports(sorted(candidates))
        fused: dict[str, float] = defaultdict(float)
        for weight, ranking in rankings:
            for rank, (cid, _) in enumerate(r for r in ranking if r[0] in rows):
                w = weight if weight is not None else self._keyword_weight(rows[cid][0], lang)
                fused[cid] += w / (opts.rrf_k + rank + 1)
        ordered = sorted(fused, key=lambda cid: (-fused[cid], cid))
        hits = [self._hit(cid, rows[cid], fused[cid], similarity.get(cid)) for cid in ordered]
        hits = drop_near_duplicates(hits, opts.near_duplicate)[:k]
        best = max(similarity.values(), default=0.0)
        return SearchResult(query, lang, hits, best, weak=best < opts.no_match_below, terms=terms)

    def _keyword_weight(self, chunk: Chunk, lang: str) -> float:
        return self.options.keyword_weight if chunk.lang == lang else self.options.keyword_cross_weight

    def _dense(self, query: str, report_ids, filters: Filters):
        opts = self.options
        parts = split_sentences(query) if opts.sentences and len(query.split()) >= opts.long_query_words else []
        parts = parts if len(parts) >= 2 else []
        vectors = self.embedder.queries([query, *parts])
        where = _where(report_ids, filters)
        results = self.index.query(vectors, opts.candidates, where)
        whole = results[0]
        if not parts:
            return whole, []
        best: dict[str, float] = {}
        for ranking in results[1:]:
            for cid, score in ranking:
                best[cid] = max(best.get(cid, -1.0), score)
        return whole, sorted(best.items(), key=lambda item: -item[1])

    def _keyword(self, query: str, lang: str, report_ids, filters: Filters):
        words = [w for w in tokens(query) if len(w) > 2 or w.isdigit()]
        stemmed = stems(words, lang)
        share = self.catalog.term_document_share(sorted(set(words) | set(stemmed)), lang)
        keep_stems = sorted({s for s in stemmed if share.get(s, 0.0) <= self.options.max_term_share})
        keep_words = sorted({w for w in words if share.get(w, 0.0) <= self.options.max_term_share})
        ranking = self.catalog.keyword_search(
            keep_stems,
            keep_words,
            self.options.candidates,
            report_ids=report_ids,
            lang=filters.lang,
            section=filters.section,
        )
        return ranking, keep_stems

    @staticmethod
    def _hit(cid: str, row: tuple[Chunk, Report], score: float, similarity: float | None) -> Hit:
        chunk, report = row
        return Hit(
            chunk_id=cid,
            report_id=report.id,
            file=report.filename,
            title=report.meta.title or report.filename,
            page_start=chunk.page_start,
            page_end=chunk.page_end,
            section=chunk.section,
            lang=chunk.lang,
            text=chunk.text,
            score=score,
            extra={"similarity": similarity, "heading": chunk.heading},
        )

    def with_options(self, **changes) -> Searcher:
        return Searcher(self.catalog, self.index, self.embedder, replace(self.options, **changes))


def _where(report_ids, filters: Filters) -> dict | None:
    clauses: list[dict] = []
    if report_ids is not None:
        clauses.append({"report_id": {"$in": list(report_ids)}})
    if filters.lang:
        clauses.append({"lang": filters.lang})
    if filters.section:
        clauses.append({"section": filters.section})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def drop_near_duplicates(hits: list[Hit], threshold: float) -> list[Hit]:
    """Keep the first of passages whose word sets overlap more than ``threshold`` (Jaccard)."""
    kept: list[Hit] = []
    seen: list[set[str]] = []
    for hit in hits:
        words = set(tokens(hit.text))
        if any(len(words & other) / max(1, len(words | other)) > threshold for other in seen):
            continue
        kept.append(hit)
        seen.append(words)
    return kept


@dataclass(frozen=True)
class ReportGroup:
    """Passages of one report, best first, for people to read."""

    report_id: int
    title: str
    file: str
    hits: list[Hit]

    @property
    def best(self) -> Hit:
        return self.hits[0]


def group_by_report(hits: list[Hit]) -> list[ReportGroup]:
    groups: dict[int, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.report_id, []).append(hit)
    return [ReportGroup(rid, hs[0].title, hs[0].file, hs) for rid, hs in groups.items()]
