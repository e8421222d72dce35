"""The bundled model on ONNX Runtime (``KB_MODEL_BACKEND=onnx``, the default, or ``onnx-int8``).

Behaves like the sentence-transformers model for what kb.model.embedder asks of it: the folder's
tokenizer (on sentencepiece, see kb.model.tokenizer; truncated to its max_seq_length), the ONNX graph
for the transformer, then mean pooling over real tokens and normalisation, as the folder's
modules.json defines them.

A search wants one text's vector soon: every core works on each operator of one batch. Bulk work
(ingest, reindex) wants many vectors per second beside the PDF readers: with ``side_by_side``,
batches run on one core each, side by side. The cores then never wait for each other at every
operator, so a reader taking one core slows one batch instead of all of them
(benchmarks/throughput.py).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np

from kb.model.tokenizer import PieceTokenizer


@cache
def _tokenizer(folder: Path) -> PieceTokenizer:
    """Shared by the full-precision and the int8 graph."""
    max_length = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))["max_seq_length"]
    return PieceTokenizer(folder, max_length)


class OnnxSentenceModel:
    def __init__(self, folder: Path, onnx_file: Path, side_by_side: int = 1, bulk: bool = False):
        import onnxruntime as ort

        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        st_config = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8"))
        self.prompts = st_config.get("prompts", {})
        self._dim = int(config["hidden_size"])
        self._tokenizer = _tokenizer(folder)
        options = ort.SessionOptions()
        # Busy-waiting worker threads only steal CPU from the other work on a small machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if side_by_side > 1:
            options.intra_op_num_threads = 1
        self._session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self._run_options = ort.RunOptions()
        if not bulk:
            # A long-running searcher also embeds an upload's passages now and then: without this its
            # memory arena keeps their activations, about 440 MiB, for good (benchmarks/scale.py).
            self._run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self._side_by_side = side_by_side
        self._pool = ThreadPoolExecutor(side_by_side, thread_name_prefix="kb-embed") if side_by_side > 1 else None

    def get_sentence_embedding_dimension(self) -> int:
        return self._dim

    def encode(
        self, texts: list[str], *, prompt: str = "", batch_size: int = 16, normalize_embeddings: bool = True, **_ignored
    ) -> np.ndarray:
        texts = [prompt + t for t in texts]
        order = np.argsort([-len(t) for t in texts], kind="stable")  # similar lengths together: less padding
        vectors = np.empty((len(texts), self._dim), dtype=np.float32)
        if self._pool is not None:
            # Several batches per core, so that no core idles long at the end waiting for the last one.
            batch_size = max(1, min(batch_size, -(-len(texts) // (4 * self._side_by_side))))
        batches = [order[start : start + batch_size] for start in range(0, len(texts), batch_size)]

        def embed(rows: np.ndarray) -> None:
            vectors[rows] = self._embed([texts[i] for i in rows], normalize_embeddings)

        if self._pool is None or len(batches) < 2:
            for rows in batches:
                embed(rows)
        else:
            running = [self._pool.submit(embed, rows) for rows in batches]
            try:
                for done in running:
                    done.result()
            finally:  # a failed batch or Ctrl-C: the batches not yet started are not run
                for waiting in running:
                    waiting.cancel()
        return vectors

    def _embed(self, texts: list[str], normalize: bool) -> np.ndarray:
        ids, mask = self._tokenizer.encode(texts)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask}, self._run_options)[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        if normalize:
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled
