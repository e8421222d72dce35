"""The ONNX backends, built offline beside the model folder: the default fused graph computes the torch
model's vectors; the optional int8 one stays close to them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kb.errors import SettingsError
from kb.model.embedder import Embedder
from kb.settings import Settings

PASSAGES = [
    "Joint procurement of electric buses took longer than planned, but the price per bus fell by a fifth.",
    "Ozonation followed by sand filtration removed most pharmaceutical residues from the wastewater.",
    "Bredbandsutbyggnaden på landsbygden gick snabbare när byalagen grävde själva.",
]
QUERIES = [
    "Vilka erfarenheter finns av gemensam upphandling av elbussar?",
    "läkemedelsrester i avloppsvatten",
    "fibre broadband in rural villages",
]


def _load(tmp_path_factory, backend: str) -> Embedder:
    from tests.conftest import MODEL_CACHE

    settings = Settings(data_dir=tmp_path_factory.mktemp(backend), model_cache=MODEL_CACHE, model_backend=backend)
    return Embedder.load(settings.check())


@pytest.fixture(scope="module")
def onnx_embedder(tmp_path_factory) -> Embedder:
    return _load(tmp_path_factory, "onnx-int8")


@pytest.fixture(scope="module")
def torch_embedder(tmp_path_factory) -> Embedder:
    return _load(tmp_path_factory, "torch")


def test_the_default_backend_is_the_fused_onnx_graph(embedder):
    """The bundled model runs on ONNX Runtime by default, without importing torch."""
    from kb.model.onnx_graph import OnnxSentenceModel

    assert isinstance(embedder._model, OnnxSentenceModel)


def test_the_fused_graph_gives_the_torch_models_vectors(embedder, torch_embedder):
    """Queries, words and passages agree with sentence-transformers to float precision, so both
    backends share one index (same index id, no reindex when switching)."""
    for texts in (PASSAGES, QUERIES, ["ozonering", "läkemedelsrester", "P-REX"]):
        ours, reference = embedder.queries(texts), torch_embedder.queries(texts)
        assert np.min(np.sum(ours * reference, axis=1)) > 0.9999
    ours, reference = embedder.passages(PASSAGES), torch_embedder.passages(PASSAGES)
    assert np.min(np.sum(ours * reference, axis=1)) > 0.9999
    assert embedder.index_id == torch_embedder.index_id


def test_words_go_through_an_int8_graph_close_to_full_precision(embedder, torch_embedder):
    """Single words (the lexicon's, a Swedish query's) take an int8 graph, half the time: their
    vectors are close to full precision, not equal, so the lexicon records its own id."""
    words = ["ozonering", "läkemedelsrester", "upphandling", "kommuner", "P-REX"]
    ours, reference = embedder.words(words), torch_embedder.words(words)
    cosine = np.sum(ours * reference, axis=1)
    assert cosine.min() > 0.95
    assert cosine.max() < 0.99999
    assert np.allclose(torch_embedder.words(words), torch_embedder.queries(words))
    assert embedder.words_id != embedder.index_id
    assert torch_embedder.words_id == torch_embedder.index_id


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_a_words_vector_does_not_depend_on_the_words_beside_it(backend, embedder, onnx_embedder):
    """The lexicon embeds its words in batches: each must get the vector it gets alone, or a lexicon
    rebuilt from the catalog would differ from the one built upload by upload. (Quantising a whole
    batch's activations with one scale moves a word's vector by up to 0.03 per dimension.)"""
    model = {"onnx": embedder, "onnx-int8": onnx_embedder}[backend]
    words = ["ozonering", "läkemedelsrester", "upphandling", "kommuner", "P-REX", "wastewater"]
    crowd = ["a", "interdisciplinary", "Kommunalförbundet", "x" * 40, "stakeholders", "it"] * 5
    alone = np.vstack([model.words([word], batch_size=1) for word in words])
    for batch in (words, crowd[:7] + words + crowd[7:], list(reversed(words)) + crowd):
        together = model.words(batch, batch_size=64)
        rows = [batch.index(word) for word in words]
        assert np.allclose(together[rows], alone, atol=1e-6)


def test_bulk_work_runs_batches_side_by_side_with_the_same_vectors(tmp_path_factory, embedder, monkeypatch):
    """`kb ingest` and `kb reindex` load the model for bulk work (batches side by side, one core
    each): each text still gets its own vector, the searching model's, under the same index id."""
    from kb.model import embedder as embedder_module
    from tests.conftest import MODEL_CACHE

    monkeypatch.setattr(embedder_module, "_cores", lambda: 3)  # more workers than this machine's cores
    settings = Settings(data_dir=tmp_path_factory.mktemp("bulk"), model_cache=MODEL_CACHE)
    bulk = Embedder.load(settings.check(), bulk=True)
    texts = [text[:length] for text in PASSAGES + QUERIES for length in (30, 60, 200)]
    bulk.batch_size, size = 2, embedder.batch_size  # many small batches, all in flight at once
    ours = bulk.passages(texts)
    embedder.batch_size = 2
    try:
        reference = embedder.passages(texts)
    finally:
        embedder.batch_size = size
    assert np.min(np.sum(ours * reference, axis=1)) > 0.99999
    words = ["ozonering", "kommuner", "upphandling"]
    assert np.allclose(bulk.words(words, batch_size=1), embedder.words(words, batch_size=1), atol=1e-6)
    assert bulk.index_id == embedder.index_id and bulk.words_id == embedder.words_id


def test_onnx_vectors_stay_close_to_the_torch_model(onnx_embedder, torch_embedder):
    """Raw passage vectors of the int8 export agree with the torch model's (cosine above 0.95)."""
    ours = onnx_embedder.raw_passages(PASSAGES)
    reference = torch_embedder.raw_passages(PASSAGES)
    assert ours.shape == reference.shape
    assert np.min(np.sum(ours * reference, axis=1)) > 0.95


def test_onnx_backend_finds_the_same_passage_for_each_query(onnx_embedder):
    """Each query's nearest passage is the one that answers it."""
    scores = onnx_embedder.queries(QUERIES) @ onnx_embedder.passages(PASSAGES).T
    assert list(np.argmax(scores, axis=1)) == [0, 1, 2]


def test_onnx_backend_has_its_own_index_id(onnx_embedder, embedder):
    """An index built with one backend asks for a reindex when opened with the other."""
    assert onnx_embedder.index_id != embedder.index_id
    assert onnx_embedder.words_id != onnx_embedder.index_id


def test_an_unknown_backend_names_the_setting(tmp_path):
    """A backend name we do not know is reported with its variable."""
    with pytest.raises(SettingsError, match="KB_MODEL_BACKEND"):
        replace(Settings(data_dir=tmp_path), model_backend="tensorrt").check()


def test_a_word_graph_from_another_rewrite_is_built_again(embedder, tmp_path):
    """The word graph is derived data: a file without this rewrite's stamp (an older kb.model.quantise)
    is built again from the int8 export, and words embedded through it agree with that export."""
    from kb.model import quantise as row_quantise
    from kb.model.folder import MODEL_NAME, ONNX_WORDS_FILE, ensure_onnx_words
    from kb.model.onnx_graph import OnnxSentenceModel
    from tests.conftest import MODEL_CACHE

    ensure_onnx_words(MODEL_CACHE / MODEL_NAME)
    folder = tmp_path / MODEL_NAME  # the real folder's files, linked, except the word graph
    for path in (MODEL_CACHE / MODEL_NAME).rglob("*"):
        if path.is_file() and not path.name.startswith(Path(ONNX_WORDS_FILE).name):
            (folder / path.relative_to(MODEL_CACHE / MODEL_NAME)).parent.mkdir(parents=True, exist_ok=True)
            (folder / path.relative_to(MODEL_CACHE / MODEL_NAME)).symlink_to(path)
    stale = folder / ONNX_WORDS_FILE
    stale.write_bytes(b"an older graph")
    stale.with_name(stale.name + ".json").write_text(json.dumps({"row_quantise": row_quantise.VERSION - 1}))

    assert ensure_onnx_words(folder) == stale
    assert json.loads(stale.with_name(stale.name + ".json").read_text()) == {"row_quantise": row_quantise.VERSION}
    words = ["query: ozonering", "query: kommuner"]
    rebuilt = OnnxSentenceModel(folder, stale).encode(words)
    assert np.allclose(
        rebuilt, OnnxSentenceModel(MODEL_CACHE / MODEL_NAME, MODEL_CACHE / MODEL_NAME / ONNX_WORDS_FILE).encode(words)
    )


def test_a_quantised_graph_of_another_structure_is_refused(tmp_path):
    """The rewrite relies on quantize_dynamic's pattern (quantised input -> MatMulInteger -> Cast -> Mul):
    a graph where the quantised input feeds something else is refused with a reason, not rewritten wrongly."""
    import onnx
    from onnx import TensorProto, helper

    from kb.model.quantise import quantise_rows

    graph = helper.make_graph(
        [
            helper.make_node("DynamicQuantizeLinear", ["x"], ["q", "s", "z"]),
            helper.make_node("Cast", ["q"], ["y"], to=TensorProto.FLOAT),
        ],
        "odd",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )
    source = tmp_path / "odd.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(source))
    with pytest.raises(ValueError, match="unexpected use of the quantised input q"):
        quantise_rows(source, tmp_path / "out.onnx")
