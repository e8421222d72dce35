"""SQLite FTS5's bm25() computed for a few given rows, so a search can score its candidates only.

FTS5 scores every row that matches any query term before it can return the best ones; with
200,000 passages an English question's terms match most of them. Search only needs keyword
evidence for the passages the dense side found, so the catalog reads those rows' stored terms
and scores them here with FTS5's own formula (fts5_aux.c, fts5Bm25Function): the same numbers
as ``bm25(chunk_terms, ...)`` for the same rows, in a fraction of the time.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Phrase:
    """One query term searched in one column (``stems : "bus"``), with that column's weight."""

    term: str
    column: int
    weight: float


@dataclass(frozen=True)
class Statistics:
    """What FTS5 keeps for the whole table: rows, and tokens per column over all rows."""

    rows: int
    column_tokens: Sequence[int]

    @property
    def average_tokens(self) -> float:
        return sum(self.column_tokens) / self.rows if self.rows else 0.0


def idf(rows: int, hits: int) -> float:
    value = math.log((rows - hits + 0.5) / (hits + 0.5))
    return value if value > 0 else 1e-6  # as FTS5: a term in most rows still counts a little


def scores(
    phrases: Sequence[Phrase],
    documents: Mapping[str, Sequence[Sequence[str]]],
    hits: Mapping[tuple[str, int], int],
    stats: Statistics,
) -> dict[str, float]:
    """BM25 of each document that contains at least one phrase (higher is better).

    ``documents`` maps an id to its columns' tokens; ``hits`` gives, per (term, column), the
    number of rows of the whole table that contain it there.
    """
    if not phrases:
        return {}
    weighted = [(p.column, p.term, p.weight, idf(stats.rows, hits.get((p.term, p.column), 0))) for p in phrases]
    average = stats.average_tokens or 1.0
    wanted = [frozenset(p.term for p in phrases if p.column == c) for c in range(1 + max(p.column for p in phrases))]
    result: dict[str, float] = {}
    for doc_id, columns in documents.items():
        counts = [Counter(filter(terms.__contains__, tokens)) for terms, tokens in zip(wanted, columns, strict=False)]
        norm = K1 * (1 - B + B * sum(map(len, columns)) / average)
        score = 0.0
        matched = False
        for column, term, weight, term_idf in weighted:
            occurrences = counts[column].get(term)
            if occurrences:
                matched = True
                frequency = weight * occurrences
                score += term_idf * frequency * (K1 + 1) / (frequency + norm)
        if matched:
            result[doc_id] = score
    return result


def read_varints(blob: bytes) -> list[int]:
    """SQLite's variable-length integers (big-endian, 7 bits a byte, the 9th byte whole)."""
    values: list[int] = []
    i = 0
    while i < len(blob):
        value = 0
        for n in range(9):
            byte = blob[i]
            i += 1
            if n == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        values.append(value)
    return values
