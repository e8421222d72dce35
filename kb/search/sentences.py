"""The sentences of a passage that answer a question: a snippet per lesson, and a short answer drawn from several
reports ("Vad tidigare projekt lärt sig").

Sentences are scored by the question's terms they hold: its own words and stems, and for a Swedish question
the English words the lexicon carried it over to (SearchResult.terms). Nothing is embedded here: the question's
time goes to ranking, and a sentence that shares the question's terms is the one a reader looks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.models import APPARATUS_KINDS, Hit
from kb.text.terms import stems, tokens, words_in

SNIPPET_SENTENCES = 3
SNIPPET_WORDS = 70  # a snippet longer than this is cut to its best sentences
ANSWER_SENTENCES = 5
MIN_WORDS, MAX_WORDS = 8, 60  # an answer sentence: a statement, not a heading or a paragraph
LESSON_KINDS = ("lessons", "recommendations", "challenges", "results", "summary")
# What a sentence that states a lesson tends to say (English and Swedish).
_LEARNED = re.compile(
    r"\b(lesson|learn|learnt|learned|recommend|should|must|important|key|success|succeed|fail|challeng|barrier|"
    r"experience|found that|showed|shows|proved|lärdom|lärt|rekommend|bör|måste|viktig|erfarenhet|visade|"
    r"framgång|utmaning|hinder)",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-ZÅÄÖ0-9])|\s*\n\s*(?=[•\-–*]\s)|(?<=[:;])\s*\n")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset in the passage's text
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """The passage's sentences (and list items), with their offsets."""
    found, start = [], 0
    for match in _SPLIT.finditer(text):
        found.append(Sentence(text[start : match.start()].strip(), start, match.start()))
        start = match.end()
    found.append(Sentence(text[start:].strip(), start, len(text)))
    return [s for s in found if s.text]


def question_terms(query: str, lang: str, carried: list[str]) -> set[str]:
    """The words a matching sentence would hold: the question's longer words and their stems, in its
    language and in English, and the English words a Swedish question was carried over to."""
    words = {w for w in tokens(query) if len(w) > 3}
    terms = words | set(stems(sorted(words), lang)) | set(stems(sorted(words), "en"))
    carried_words = {w.lower() for w in carried}
    return terms | carried_words | set(stems(sorted(carried_words), "en"))


class Matcher:
    """Which of the question's terms a sentence of a passage holds: a word stands for a term by its own
    form, its stem in the passage's language or its English stem. Each distinct word of the passage is
    stemmed once, and only if it begins as a term does: Snowball stemmers change a word's ending only."""

    def __init__(self, text: str, terms: set[str], lang: str):
        beginnings = {t[:3] for t in terms}
        words = sorted({w for w in words_in(text) if w[:3] in beginnings or w[:2] in beginnings})
        self._terms: dict[str, frozenset[str]] = {}
        for word, stem, english_stem in zip(words, stems(words, lang), stems(words, "en"), strict=True):
            if matched := frozenset(t for t in (word, stem, english_stem) if t in terms):
                self._terms[word] = matched

    def score(self, sentence: str) -> float:
        """The number of the question's terms the sentence holds."""
        found = self._terms
        return float(len(set().union(*(found[w] for w in words_in(sentence) if w in found))))


def snippet(text: str, terms: set[str], lang: str) -> tuple[int, int] | None:
    """The (start, end) offsets of the one to SNIPPET_SENTENCES consecutive sentences that hold most of the
    question's terms; None when the passage is short enough to show whole or holds none of them."""
    if len(text.split()) <= SNIPPET_WORDS:
        return None
    sentences = split_sentences(text)
    matcher = Matcher(text, terms, lang)
    scores = [matcher.score(s.text) for s in sentences]
    lengths = [len(s.text.split()) for s in sentences]
    best: tuple[float, int, int] | None = None
    for first in range(len(sentences)):
        for last in range(first, min(first + SNIPPET_SENTENCES, len(sentences))):
            words = sum(lengths[first : last + 1])
            if last > first and words > SNIPPET_WORDS:
                break
            score = sum(scores[first : last + 1]) - 0.01 * words  # as good, shorter
            if best is None or score > best[0]:
                best = (score, first, last)
    if best is None or best[0] <= 0:
        return None
    return sentences[best[1]].start, sentences[best[2]].end


def answer(hits: list[Hit], terms: set[str], lang: str, limit: int = ANSWER_SENTENCES) -> list[dict]:
    """Up to ``limit`` sentences that state what earlier projects learned, each from a different report (in the
    order of their best passages), with the report and page to read on. Never from reference lists, contents
    or tables; no sentence repeats another."""
    chosen: list[dict] = []
    seen_reports: set[int] = set()
    seen_words: list[set[str]] = []
    for hit in hits:
        if len(chosen) == limit:
            break
        if hit.report_id in seen_reports or hit.section in APPARATUS_KINDS or hit.extra.get("kind") == "register":
            continue
        best = _best_statement(hit, terms, lang, seen_words)
        if best is None:
            continue
        seen_reports.add(hit.report_id)
        seen_words.append(set(tokens(best)))
        chosen.append(
            {
                "text": best,
                "report_id": hit.report_id,
                "page": hit.page_start,
                "chunk_id": hit.chunk_id,
                "title": hit.title,
            }
        )
    return chosen


def _best_statement(hit: Hit, terms: set[str], lang: str, seen: list[set[str]]) -> str | None:
    best: tuple[float, str] | None = None
    matcher = Matcher(hit.text, terms, lang)
    for sentence in split_sentences(hit.text):
        text = " ".join(sentence.text.split())
        words = text.split()
        if not MIN_WORDS <= len(words) <= MAX_WORDS or _looks_like_a_table(text) or not text[0].isupper():
            continue
        own = set(tokens(text))
        if any(len(own & other) / max(1, len(own | other)) > 0.6 for other in seen):
            continue
        overlap = matcher.score(text)
        if overlap == 0:
            continue
        score = overlap + (1.5 if _LEARNED.search(text) else 0.0) + (0.5 if hit.section in LESSON_KINDS else 0.0)
        if best is None or score > best[0]:
            best = (score, text)
    return best[1] if best else None


def _looks_like_a_table(text: str) -> bool:
    """Rows of figures, dotted leaders or short cells rather than a statement."""
    digits = sum(c.isdigit() for c in text)
    letters = sum(c.isalpha() for c in text)
    return digits > 0.2 * max(letters, 1) or "...." in text or text.count("|") > 1
