"""Read-only access for searching: catalog, index and model, without the writer lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from kb.catalog.database import Catalog
from kb.catalog.index import VectorIndex
from kb.model.embedder import Embedder
from kb.search import word_lists
from kb.search.lexicon import Lexicon
from kb.search.ranking import Searcher
from kb.settings import Settings


@dataclass
class Reader:
    catalog: Catalog
    index: VectorIndex
    embedder: Embedder
    searcher: Searcher
    warnings: list[str] = field(default_factory=list)


@contextmanager
def open_reader(settings: Settings, embedder: Embedder | None = None) -> Iterator[Reader]:
    settings.check()
    embedder = embedder or Embedder.load(settings)
    catalog = Catalog.open(settings)
    try:
        index = VectorIndex.open(settings, embedder.index_id, embedder.dim)
        warnings = []
        chunks, vectors = catalog.stats()["chunks"], index.count()
        if chunks != vectors:
            warnings.append(
                f"the vector index holds {vectors} vectors for {chunks} chunks; the next `kb ingest` "
                "repairs it, or run `kb reindex`."
            )
        lexicon = Lexicon.load(settings.lexicon_path, embedder.words_id)
        if settings.lexicon_path.exists() and not lexicon.loaded:
            warnings.append(
                "the lexicon holds other word vectors (another model or recipe), so Swedish words are not "
                "carried over to English keywords; the next `kb ingest` or web app start embeds them again."
            )
        if not word_lists.installed():
            warnings.append(
                "Debian's word lists are missing, so Swedish words quoted in English passages may pass for "
                f"translations of a Swedish query's words: apt-get install {word_lists.PACKAGES}."
            )
        yield Reader(catalog, index, embedder, Searcher(catalog, index, embedder, lexicon=lexicon), warnings)
    finally:
        catalog.close()
