"""A Swedish query's words, carried over to the English words of the collection by the model itself.

A keyword ranking of a Swedish question over English passages finds nothing, yet the terms that
single out the answer (struvit, ozonering, underleverantör) have close English neighbours in the
embedding space. The lexicon holds a vector for every English word that occurs in at least two
English passages; a query word's nearest of them (above a similarity floor) become keyword terms
for the English passages. It is derived data, like the vector index: the writer keeps it in
``DATA_DIR/lexicon.npz`` and rebuilds it from the catalog when the model, or the way words are
embedded (kb.model.embedder.Embedder.words_id), changes.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from kb.search.word_lists import quoted_swedish
from kb.text.terms import tokens

LANG = "en"  # the language the collection is mostly written in, and the lexicon's
MIN_PASSAGES = 2  # a word seen in one passage only is too often a typo or a broken hyphenation


def lexicon_words(text: str) -> set[str]:
    return {w for w in tokens(text) if w.isalpha() and 3 <= len(w) <= 30}


class Lexicon:
    """English words with their vectors; reads and writes one file, atomically."""

    def __init__(self, path: Path, model_id: str):
        self.path = path
        self.model_id = model_id
        self.counts: Counter[str] = Counter()  # passages each word occurs in
        self.mark: str | None = None  # what the counts correspond to (kb.catalog.database.Catalog.passages_mark)
        self.words: list[str] = []
        self.vectors = np.zeros((0, 0), dtype=np.float32)
        self._loaded_mtime: float | None = None
        self._quoted: np.ndarray | None = None  # positions of Swedish words quoted in English text
        self._judged: dict[str, bool] = {}  # word -> whether it is such a quotation

    @classmethod
    def load(cls, path: Path, model_id: str) -> Lexicon:
        lexicon = cls(path, model_id)
        lexicon.reload_if_changed()
        lexicon.quoted_positions()  # reads the word lists now (about a second), not in the first search
        return lexicon

    def reload_if_changed(self) -> None:
        """Pick up the writer's latest file (a reader runs beside the web app or `kb ingest`)."""
        try:
            mtime = os.stat(self.path).st_mtime
        except FileNotFoundError:
            return
        if mtime == self._loaded_mtime:
            return
        with np.load(self.path, allow_pickle=False) as data:
            if str(data["model"]) != self.model_id:
                return  # built with another model: the writer rebuilds it
            self.counts = Counter(dict(zip(data["count_words"].tolist(), data["counts"].tolist(), strict=True)))
            self.mark = str(data["mark"]) if "mark" in data else None
            self.words = data["words"].tolist()
            self.vectors = data["vectors"]
        self._loaded_mtime = mtime
        self._quoted = None

    @property
    def loaded(self) -> bool:
        """Whether a file built with this model was read (an empty lexicon may be a complete one)."""
        return self._loaded_mtime is not None

    @property
    def usable(self) -> bool:
        return bool(self.words)

    def learn(self, texts: Iterable[str], embed: Callable[[list[str]], np.ndarray]) -> int:
        """Count the words of new English passages; embed those now seen in enough passages."""
        for text in texts:
            self.counts.update(lexicon_words(text))
        known = set(self.words)
        new = sorted(w for w, n in self.counts.items() if n >= MIN_PASSAGES and w not in known)
        if new:
            vectors = np.asarray(embed(new), dtype=np.float32)
            self.vectors = np.vstack([self.vectors, vectors]) if self.words else vectors
            self.words += new
            self._quoted = None
        return len(new)

    def forget(self, texts: Iterable[str]) -> None:
        """Passages removed or rewritten: lower the counts, and drop words now in too few passages
        (an erased person's name must not stay behind as a word)."""
        for text in texts:
            self.counts.subtract(lexicon_words(text))
        self.counts = +self.counts
        keep = [i for i, w in enumerate(self.words) if self.counts[w] >= MIN_PASSAGES]
        if len(keep) < len(self.words):
            self.words = [self.words[i] for i in keep]
            self.vectors = self.vectors[keep] if keep else np.zeros((0, 0), dtype=np.float32)
            self._quoted = None

    def clear(self, keep_vectors: bool = False) -> None:
        """Forget the counts, and unless ``keep_vectors`` (same model) the words' vectors too."""
        self.counts = Counter()
        self.mark = None
        if not keep_vectors:
            self.words = []
            self.vectors = np.zeros((0, 0), dtype=np.float32)
            self._quoted = None

    def save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".part.npz")
        count_words = sorted(self.counts)
        try:
            np.savez(
                tmp,
                model=np.array(self.model_id),
                count_words=np.array(count_words, dtype=str),
                counts=np.array([self.counts[w] for w in count_words], dtype=np.int64),
                mark=np.array(self.mark or ""),
                words=np.array(self.words, dtype=str),
                vectors=self.vectors,
            )
            tmp.replace(self.path)
        finally:
            tmp.unlink(missing_ok=True)
        self._loaded_mtime = os.stat(self.path).st_mtime

    def translate(self, vectors: np.ndarray, top: int, min_similarity: float) -> list[list[str]]:
        """For each query-word vector, its nearest English words at or above ``min_similarity``; Swedish
        words quoted in English passages (kb.search.word_lists) are no translation."""
        if not self.usable or not len(vectors):
            return [[] for _ in range(len(vectors))]
        similarity = vectors @ self.vectors.T
        similarity[:, self.quoted_positions()] = -1.0
        top = min(top, similarity.shape[1])
        best = np.argpartition(-similarity, top - 1, axis=1)[:, :top]  # no full sort of 50,000 words
        order = np.argsort(-np.take_along_axis(similarity, best, axis=1), axis=1, kind="stable")
        nearest = np.take_along_axis(best, order, axis=1)
        return [[self.words[j] for j in row if similarity[i, j] >= min_similarity] for i, row in enumerate(nearest)]

    def quoted_positions(self) -> np.ndarray:
        if self._quoted is None:
            # A word is judged once per process: after an upload only its new words are, not the whole lexicon.
            new = [w for w in self.words if w not in self._judged]
            quoted = quoted_swedish(new)
            self._judged.update((w, w in quoted) for w in new)
            self._quoted = np.array([i for i, w in enumerate(self.words) if self._judged[w]], dtype=np.int64)
        return self._quoted
