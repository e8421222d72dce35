"""Hybrid search: dense vectors and a stemmed keyword index, fused by reciprocal rank.

Each signal is weighed by what it can contribute: keyword matches count fully for passages
in the query's language and little for passages in another language (a Swedish word rarely
occurs in English text, so those matches are mostly names and noise). A paragraph-long
query is embedded whole and sentence by sentence, so one sentence that names the core need
can pull in the passages that answer it.
"""

from __future__ import annotations

import re
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from kb.catalog.database import Catalog
from kb.model.embedder import Embedder
from kb.models import APPARATUS_KINDS, Chunk, Filters, Hit, Report
from kb.search.lexicon import LANG as LEXICON_LANG
from kb.search.lexicon import Lexicon, lexicon_words
from kb.text.language import detect_query
from kb.text.terms import stems, tokens


class DenseBackend(Protocol):
    def query(self, vectors: np.ndarray, k: int, where: dict | None = None) -> list[list[tuple[str, float]]]: ...

    def neighbours(self, vector: np.ndarray, k: int, where: dict | None = None) -> np.ndarray: ...


@dataclass(frozen=True)
class SearchOptions:
    """Knobs of the ranking; the defaults are what the benchmark measured best."""

    candidates: int = 100  # per signal, before fusion
    dense: bool = True
    keyword: bool = True
    keyword_weight: float = 0.5  # passages in the query's language, English queries
    keyword_weight_sv: float = 0.0  # Swedish queries: their words mostly meet Swedish distractors
    keyword_cross_weight: float = 0.0  # passages in another language: shared words are noise
    keyword_weight_register: float = 0.5  # register descriptions in the query's language: short and to the point
    names: bool = False  # names and acronyms in the query (CWPharma, Storsudret) matched exactly, any language
    names_weight: float = 0.15
    max_name_share: float = 0.05  # a name found in more passages than this (Berlin, Sverige) does not single any out
    feedback_passages: int = 0  # pseudo-relevance feedback: move the query towards its best passages
    feedback_weight: float = 0.3
    sentences: bool = False  # long queries: also embed each sentence (measured: no gain, +20 ms)
    sentence_weight: float = 0.5
    long_query_words: int = 20
    fusion: str = "score"  # "rrf": reciprocal ranks; "score": similarity plus scaled keyword evidence
    score_keyword: float = 0.06  # score fusion: what the best keyword match adds to a cosine similarity
    rrf_k: int = 60
    keyword_pool: int = 100  # if set, keyword matches only re-rank the dense top-N instead of adding passages
    report_boost: float = 1.0  # weight of the report's own strength (its best passages) in a passage's score
    report_top: int = 3  # how many of a report's best passages make up its strength
    max_term_share: float = 0.25  # query terms found in more passages than this carry no information
    near_duplicate: float = 0.85  # word-set overlap at which a passage repeats one ranked above it
    new_pages_first: bool = True  # passages repeating pages shown above yield to those showing a new page
    translate: bool = True  # a non-English query's words meet English passages through the lexicon
    translate_top: int = 2  # English words per query word
    translate_min_similarity: float = 0.85
    translated_weight: float = 0.5  # like an English query's keyword evidence
    translate_max_words: int = 12  # the longest words only: embedding them costs as much as the query itself
    apparatus_last: bool = True  # reference lists, contents and front matter after every other passage
    no_match_below: float = 0.835  # best dense similarity under which "no lesson matches this well"
    no_match_min_words: int = 4  # calibrated on sentence-long questions; one or two words always score lower


@dataclass
class SearchResult:
    query: str
    lang: str
    hits: list[Hit]
    best_similarity: float
    weak: bool = False
    terms: list[str] = field(default_factory=list)
    projects: list[Hit] = field(default_factory=list)  # register entries: context for people, not lessons


KEPT_WORDS = 20_000  # query words whose vectors are kept for later queries (1.5 KB each)
MAX_DRAFT_OVERFETCH = 1000  # draft passages fetched beyond the candidates and dropped, rather than filtered

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


_NAME = re.compile(r"\b(?:[A-ZÅÄÖ][\w-]*[A-ZÅÄÖ0-9][\w-]*|\w*\d\w*[A-Za-z]\w*|[A-ZÅÄÖ][a-zåäöéü]+)\b")


def query_names(query: str) -> list[str]:
    """Proper names and acronyms: words capitalised inside a sentence, in capitals, or mixing letters
    and digits (CWPharma, REEF 2W, Storsudret). They read the same in every language."""
    names: set[str] = set()
    for sentence in re.split(r"(?<=[.!?:;])\s+|\n", query):
        for position, match in enumerate(_NAME.finditer(sentence)):
            word = match.group(0)
            plain_capital = word[:1].isupper() and word[1:].islower()
            if plain_capital and (match.start() == 0 or position == 0):
                continue  # a sentence's first word is capitalised anyway
            names.update(
                piece.lower() for piece in re.split(r"[\W_]+", word) if piece[:1].isupper() or piece[:1].isdigit()
            )
    return sorted(n for n in names if len(n) > 2)


def split_sentences(text: str, min_words: int = 4) -> list[str]:
    return [s for s in _SENTENCE.split(text) if len(s.split()) >= min_words]


class Searcher:
    """Answers questions from the catalog and a dense backend (the vector index); reads only."""

    def __init__(
        self,
        catalog: Catalog,
        index: DenseBackend,
        embedder: Embedder,
        options: SearchOptions | None = None,
        lexicon: Lexicon | None = None,
    ):
        self.catalog = catalog
        self.index = index
        self.embedder = embedder
        self.options = options or SearchOptions()
        self.lexicon = lexicon
        # A query asked again (another filter, more results), or one sharing words with an earlier one,
        # reuses their vectors: a word's vector does not depend on the words embedded beside it.
        self._word_vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def forget_word_vectors(self) -> None:
        """Drop the kept query-word vectors (benchmarks measure a first encounter)."""
        self._word_vectors.clear()

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

        signals: dict[str, list[tuple[str, float]]] = {}  # dense, sentences, keyword, names: best first
        if opts.dense:
            signals["dense"], signals["sentences"] = self._dense(query, report_ids, filters)
        terms: list[str] = []
        # Keyword evidence only re-ranks the dense candidates (their top keyword_pool once drafts are left
        # out): score those alone (kb.catalog.bm25), not every passage sharing a word with the query.
        among = [cid for cid, _ in signals["dense"]] if opts.dense and opts.keyword_pool else None
        rows = self.catalog.chunks_with_reports(among) if among else {}
        if opts.keyword:
            # A Swedish query's own words count only for Swedish register entries: without one among the
            # candidates the keyword scores would all be weighed zero, so only the terms are worked out.
            counts = among is None or any(self._keyword_weight(rows[cid][0], lang) for cid in among if cid in rows)
            signals["keyword"], terms = self._keyword(query, lang, report_ids, filters, among if counts else [])
        english_candidates = among is None or any(rows[cid][0].lang == LEXICON_LANG for cid in among if cid in rows)
        if (
            opts.keyword
            and opts.translate
            and opts.translated_weight
            and lang != LEXICON_LANG
            and filters.lang in (None, LEXICON_LANG)
            and english_candidates
        ):
            signals["translated"], english = self._translated(query, report_ids, filters, among)
            terms += english
        if opts.names and not (opts.keyword and self._keyword_weight_for(lang)):
            # Where the keyword signal is off (Swedish queries over mostly English text), names and
            # acronyms still match exactly; where it is on, its exact-word column already does this.
            signals["names"] = self._names(query, report_ids, filters)

        missing = sorted({cid for ranking in signals.values() for cid, _ in ranking} - rows.keys())
        rows.update(self.catalog.chunks_with_reports(missing))
        rows = {cid: row for cid, row in rows.items() if row[1].published}  # drafts await their review
        signals = {name: [(cid, score) for cid, score in ranking if cid in rows] for name, ranking in signals.items()}
        similarity = dict(signals.get("dense", []))
        pool = {cid for cid, _ in signals.get("dense", [])[: opts.keyword_pool]} if opts.keyword_pool else None
        weights = {"dense": 1.0, "sentences": opts.sentence_weight, "names": opts.names_weight}

        def weight(name: str, cid: str) -> float:
            if name in ("keyword", "translated"):
                if pool is not None and opts.dense and cid not in pool:
                    return 0.0
                if name == "translated":
                    return opts.translated_weight
                return self._keyword_weight(rows[cid][0], lang)
            return weights[name]

        if opts.fusion == "score" and opts.dense:
            fused = _score_fusion(signals, weight, opts)
        else:
            fused = _rank_fusion(signals, weight, opts)
        if opts.report_boost:
            fused = _boost_by_report(fused, {cid: row[1].id for cid, row in rows.items()}, opts)
        ordered = sorted(fused, key=lambda cid: (-fused[cid], cid))
        if opts.new_pages_first:
            ordered = new_pages_first(ordered, rows)
        passages = [cid for cid in ordered if rows[cid][0].section != "register"]
        entries = [cid for cid in ordered if rows[cid][0].section == "register"]
        if opts.apparatus_last and filters.section not in APPARATUS_KINDS:
            passages = apparatus_last(passages, rows)
        hits = [self._hit(cid, rows[cid], fused[cid], similarity.get(cid)) for cid in passages[: 3 * k]]
        hits = drop_near_duplicates(hits, opts.near_duplicate, k)
        projects = [self._hit(cid, rows[cid], fused[cid], similarity.get(cid)) for cid in entries[:k]]
        lessons = [cid for cid in passages if rows[cid][0].section not in NOT_LESSONS] or passages
        best = max((similarity.get(cid, 0.0) for cid in lessons), default=0.0)
        weak = best < opts.no_match_below and len(query.split()) >= opts.no_match_min_words
        return SearchResult(query, lang, hits, best, weak=weak, terms=terms, projects=projects)

    def _names(self, query: str, report_ids: list[int] | None, filters: Filters) -> list[tuple[str, float]]:
        names = query_names(query)
        share = self.catalog.term_document_share(names, "en") if names else {}
        names = [n for n in names if share.get(n, 0.0) <= self.options.max_name_share]
        if not names:
            return []
        return self.catalog.keyword_search(
            [], names, self.options.candidates, report_ids=report_ids, lang=filters.lang, section=filters.section
        )

    def _keyword_weight(self, chunk: Chunk, lang: str) -> float:
        if chunk.lang != lang:
            return self.options.keyword_cross_weight
        if chunk.section == "register":
            return max(self.options.keyword_weight_register, self._keyword_weight_for(lang))
        return self._keyword_weight_for(lang)

    def _keyword_weight_for(self, lang: str) -> float:
        return self.options.keyword_weight_sv if lang == "sv" else self.options.keyword_weight

    def _dense(
        self, query: str, report_ids: list[int] | None, filters: Filters
    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        opts = self.options
        parts = split_sentences(query) if opts.sentences and len(query.split()) >= opts.long_query_words else []
        parts = parts if len(parts) >= 2 else []
        # Two calls: one batch would pad every short sentence to the paragraph's length.
        vectors = self.embedder.queries([query])
        if parts:
            vectors = np.vstack([vectors, self.embedder.queries(parts)])
        where = _where(report_ids, filters)
        # Drafts await their review: their passages must not take published candidates' places. A few
        # are fetched beyond the candidates and dropped (a filter on every query costs more); many, or
        # the nearest passages for feedback, are filtered out in the index.
        drafts = self.catalog.unpublished_chunk_ids()
        without_drafts = where
        if drafts:
            hidden = {"report_id": {"$nin": self.catalog.unpublished_report_ids()}}
            without_drafts = hidden if where is None else {"$and": [where, hidden]}
        if opts.feedback_passages and opts.feedback_weight:
            # The best passages are mostly in the collection's language, whatever the query's: moving the
            # query towards them helps a Swedish question reach English answers.
            near = self.index.neighbours(vectors[0], opts.feedback_passages, without_drafts)
            if len(near):
                moved = vectors[0] + opts.feedback_weight * near.mean(axis=0)
                vectors[0] = moved / np.linalg.norm(moved)
        if len(drafts) > MAX_DRAFT_OVERFETCH:
            where, drafts = without_drafts, set()
        results = [
            [(cid, score) for cid, score in ranking if cid not in drafts][: opts.candidates]
            for ranking in self.index.query(vectors, opts.candidates + len(drafts), where)
        ]
        whole = results[0]
        if not parts:
            return whole, []
        best: dict[str, float] = {}
        for ranking in results[1:]:
            for cid, score in ranking:
                best[cid] = max(best.get(cid, -1.0), score)
        return whole, sorted(best.items(), key=lambda item: -item[1])

    def _keyword(self, query: str, lang: str, report_ids: list[int] | None, filters: Filters, among: list[str] | None):
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
            among=among,
        )
        return ranking, keep_stems

    def _translated(
        self, query: str, report_ids: list[int] | None, filters: Filters, among: list[str] | None
    ) -> tuple[list[tuple[str, float]], list[str]]:
        """Keyword evidence from English passages for the English neighbours of the query's words."""
        if self.lexicon is None:
            return [], []
        self.lexicon.reload_if_changed()
        words = sorted(w for w in lexicon_words(query) if len(w) > 3)  # short words are function words
        if self.options.translate_max_words:  # Swedish content words are the long ones (compounds)
            words = sorted(sorted(words, key=lambda w: (-len(w), w))[: self.options.translate_max_words])
        if not self.lexicon.usable or not words:
            return [], []
        vectors = self._vectors_of(words)
        opts = self.options
        nearest = self.lexicon.translate(vectors, opts.translate_top, opts.translate_min_similarity)
        english = sorted({w for near in nearest for w in near})
        stemmed = stems(english, LEXICON_LANG)
        share = self.catalog.term_document_share(sorted(set(english) | set(stemmed)), LEXICON_LANG)
        keep_stems = sorted({s for s in stemmed if share.get(s, 0.0) <= opts.max_term_share})
        keep_words = sorted({w for w in english if share.get(w, 0.0) <= opts.max_term_share})
        ranking = self.catalog.keyword_search(
            keep_stems,
            keep_words,
            opts.candidates,
            report_ids=report_ids,
            lang=LEXICON_LANG,
            section=filters.section,
            among=among,
        )
        return ranking, keep_words

    def _vectors_of(self, words: list[str]) -> np.ndarray:
        """The words' vectors, embedding only those not kept from earlier queries."""
        kept = {w: vector for w in words if (vector := self._word_vectors.get(w)) is not None}
        missing = [w for w in dict.fromkeys(words) if w not in kept]
        if missing:
            # each row copied: a view would keep the whole batch's array alive in the cache
            kept.update((w, v.copy()) for w, v in zip(missing, self.embedder.words(missing), strict=True))
        for word in words:
            self._word_vectors[word] = kept[word]
            self._word_vectors.move_to_end(word)
        while len(self._word_vectors) > KEPT_WORDS:
            self._word_vectors.popitem(last=False)
        return np.vstack([kept[w] for w in words])

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
            extra={
                "similarity": similarity,
                "heading": chunk.heading,
                "project": report.external_id,
                "kind": report.kind,
            },
        )

    def with_options(self, **changes) -> Searcher:
        return Searcher(self.catalog, self.index, self.embedder, replace(self.options, **changes), self.lexicon)


def _rank_fusion(signals, weight, opts: SearchOptions) -> dict[str, float]:
    """Weighted reciprocal-rank fusion."""
    fused: dict[str, float] = defaultdict(float)
    for name, ranking in signals.items():
        for rank, (cid, _) in enumerate(ranking):
            fused[cid] += weight(name, cid) / (opts.rrf_k + rank + 1)
    return fused


def _score_fusion(signals, weight, opts: SearchOptions) -> dict[str, float]:
    """Cosine similarity (blended with the best sentence's) plus keyword and name evidence scaled to a
    small bonus, so that a clear lead in similarity is not overturned by shared common words."""
    dense = dict(signals["dense"])
    floor = min(dense.values(), default=0.0)
    fused = {cid: dense.get(cid, floor) for ranking in signals.values() for cid, _ in ranking}
    if signals.get("sentences"):
        best = dict(signals["sentences"])
        low = min(best.values())
        w = opts.sentence_weight
        fused = {cid: (1 - w) * score + w * best.get(cid, low) for cid, score in fused.items()}
    for name in ("keyword", "translated", "names"):
        ranking = signals.get(name) or []
        top = ranking[0][1] if ranking and ranking[0][1] > 0 else 1.0
        for cid, score in ranking:
            fused[cid] += opts.score_keyword * weight(name, cid) * score / top
    return fused


def _boost_by_report(fused: dict[str, float], report_of: dict[str, int], opts: SearchOptions) -> dict[str, float]:
    """Passages of a report that matches with several passages rank above strays: each passage gains
    in proportion to its report's strength (the sum of its best scores) relative to the strongest."""
    per_report: dict[int, list[float]] = defaultdict(list)
    for cid, score in fused.items():
        per_report[report_of[cid]].append(score)
    low = min(fused.values(), default=0.0)
    strength = {
        rid: sum(score - low for score in sorted(scores, reverse=True)[: opts.report_top])
        for rid, scores in per_report.items()
    }
    top = max(strength.values(), default=0.0) or 1.0
    spread = (max(fused.values(), default=0.0) - low) or 1.0
    boost = opts.report_boost * spread
    return {cid: score + boost * strength[report_of[cid]] / top for cid, score in fused.items()}


def new_pages_first(ordered: list[str], rows) -> list[str]:
    """Passages that only repeat pages already shown by better passages of the same report come
    after those that show a new page: a reader gains more from the next page with an answer."""
    shown: set[tuple[int, int]] = set()
    fresh: list[str] = []
    repeats: list[str] = []
    for cid in ordered:
        chunk, report = rows[cid]
        pages = {(report.id, page) for page in range(chunk.page_start, chunk.page_end + 1)}
        if pages <= shown:
            repeats.append(cid)
        else:
            fresh.append(cid)
            shown |= pages
    return fresh + repeats


NOT_LESSONS = ("references", "contents")  # front matter may hold a report's summary: it is ranked as it comes


def apparatus_last(ordered: list[str], rows) -> list[str]:
    """Reference lists and contents are no lessons: they follow every other passage, still there for a
    question nothing else answers."""
    kept = [cid for cid in ordered if rows[cid][0].section not in NOT_LESSONS]
    return kept + [cid for cid in ordered if rows[cid][0].section in NOT_LESSONS]


def _where(report_ids: list[int] | None, filters: Filters) -> dict | None:
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


def drop_near_duplicates(hits: list[Hit], threshold: float, k: int | None = None) -> list[Hit]:
    """The first ``k`` hits, skipping any whose word set overlaps an earlier one's more than ``threshold``."""
    kept: list[Hit] = []
    seen: list[set[str]] = []
    for hit in hits:
        if k is not None and len(kept) == k:
            break
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


def group_by_report(hits: list[Hit]) -> list[ReportGroup]:
    groups: dict[int, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.report_id, []).append(hit)
    return [ReportGroup(rid, hs[0].title, hs[0].file, hs) for rid, hs in groups.items()]
