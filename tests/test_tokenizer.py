"""The bundled model's tokenizer on sentencepiece gives the ids of the folder's tokenizer.json, read by
the tokenizers library; where the two part, both segmentations score exactly alike."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from ingest.pdf import Limits, extract_pages
from kb.errors import ModelError
from kb.model.folder import ensure_model_folder
from kb.model.tokenizer import PieceTokenizer
from tests.conftest import CORPUS, MODEL_CACHE, SAMPLES

TRICKY = [
    "",
    " ",
    "  leading spaces",
    "trailing spaces  ",
    " a  b\t\tc\n\nd ",
    "Lärdomar från projektet: gemensam upphandling tar längre tid än planerat.",
    "ﬁnansiering Ⅻ … ½ ﬀ ㎢ Å Ω ＡＢＣ",  # NFKC folds these
    "zero\u200bwidth\u00a0no-break\u2028line\ufeffbom\ufffdreplacement\u2581meta",
    "control\x01\x07\x1f\x7fchars\x8f\x9f",
    "emoji 🧪🙂 and a private use \ue000 character",
    "Schrödinger's 北京 Ελλάδα Україна عربى हिन्दी",
    "P-REX, CWPharma (2017–2020), e-mail: anna.svensson@linkoping.se, +46 13 20 60 00",
    "令和元年は㋿元年 🯰🯱 \U0001f16c",  # NFKC as tokenizers folds it, not as this Python's tables would
    "x <mask> y",  # special tokens written in the text become their ids
    "a</s>b<s> <pad><unk></s>",
    "passage: " + "Ozonation followed by sand filtration removed most residues. " * 120,  # truncated at 512
]


@pytest.fixture(scope="module")
def folder(embedder) -> Path:  # the session's model, built into MODEL_CACHE
    return ensure_model_folder(MODEL_CACHE)


@pytest.fixture(scope="module")
def ours(folder) -> PieceTokenizer:
    return PieceTokenizer(folder, max_length=512)


@pytest.fixture(scope="module")
def reference(folder):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(512)
    return tokenizer


@pytest.fixture(scope="module")
def scores(folder) -> np.ndarray:
    vocab = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    return np.array([score for _, score in vocab], dtype=np.float64)


def _compare(ours, reference, texts: list[str]):
    """(text, ours, theirs) for each text tokenised differently; checks padding and masks on the way."""
    ids, mask = ours.encode(texts)
    width = max(len(e.ids) for e in reference.encode_batch(texts))
    assert ids.shape == mask.shape == (len(texts), width)
    differ = []
    for i, (text, expected) in enumerate(zip(texts, reference.encode_batch(texts), strict=True)):
        length = int(mask[i].sum())
        assert mask[i, :length].all() and not mask[i, length:].any()
        assert (ids[i, length:] == 1).all()  # <pad>
        got = ids[i, :length].tolist()
        if got != expected.ids:
            differ.append((text, got, expected.ids))
    return differ


def _assert_ties(differ, scores: np.ndarray, reference) -> None:
    for text, got, expected in differ:
        assert len(got) > 2 and got[0] == expected[0] and got[-1] == expected[-1], text
        assert reference.decode(got) == reference.decode(expected), text
        assert scores[got].sum() == pytest.approx(scores[expected].sum(), abs=1e-4), text


def test_tricky_texts_get_the_reference_ids(ours, reference):
    """Spacing, controls, NFKC folds, other scripts, unknown characters and truncation at 512 tokens."""
    assert _compare(ours, reference, TRICKY) == []
    ids, _ = ours.encode([TRICKY[-1]])
    assert ids.shape == (1, 512) and ids[0, 0] == 0 and ids[0, -1] == 2


def test_the_sample_reports_get_the_reference_ids(ours, reference):
    texts = []
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        texts += ["passage: " + page for page in extract_pages(pdf, Limits(100, 1_000_000)).pages]
    assert len(texts) > 8
    assert _compare(ours, reference, texts) == []


def test_random_text_differs_only_where_two_segmentations_score_alike(ours, reference, scores):
    """Where the Viterbi search meets a tie, sentencepiece (float32 sums) may take the other path."""
    rng = random.Random(7)
    code_points = [*range(1, 0xD800), *range(0xE000, 0x30000)]  # the planes in use, without surrogates
    texts = ["".join(chr(rng.choice(code_points)) for _ in range(rng.randint(0, 40))) for _ in range(2000)]
    texts += ["".join(rng.choice(" .…-_·•ー0aé") for _ in range(rng.randint(1, 60))) for _ in range(500)]
    differ = _compare(ours, reference, texts)
    assert len(differ) <= len(texts) // 20
    _assert_ties(differ, scores, reference)


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is not here")
def test_real_reports_differ_only_where_two_segmentations_score_alike(ours, reference, scores):
    texts = []
    for pdf in sorted((CORPUS / "reports").glob("*.pdf"), key=lambda p: p.stat().st_size)[:8]:
        texts += ["passage: " + page for page in extract_pages(pdf, Limits(2000, 10_000_000)).pages]
    differ = _compare(ours, reference, texts)
    assert len(differ) <= len(texts) // 100
    _assert_ties(differ, scores, reference)


def test_another_tokenizer_is_refused_with_its_path(tmp_path, folder):
    """Only the tokenizer kb.model.folder writes is converted; another one is named, not guessed at."""
    tokenizer = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer["normalizer"]["normalizers"] = tokenizer["normalizer"]["normalizers"][:-1]  # runs of spaces kept
    (tmp_path / "tokenizer.json").write_text(json.dumps(tokenizer), encoding="utf-8")
    with pytest.raises(ModelError, match="tokenizer.json is not the tokenizer"):
        PieceTokenizer(tmp_path, max_length=512)
    assert [p.name for p in tmp_path.iterdir()] == ["tokenizer.json"]
