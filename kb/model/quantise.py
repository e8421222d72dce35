"""An int8 graph whose activations are quantised token by token, so a text's vector does not depend
on the other texts in its batch.

onnxruntime's dynamic quantiser quantises each matrix product's input with one scale for the whole
batch (DynamicQuantizeLinear), so a word embedded among others gets a slightly different vector
than alone (cosine 0.99). The lexicon must come out the same however its words were batched (a
rebuild from the catalog must equal what uploads built word by word), which held it to one word per
batch: about 5 ms of CPU per word. Here each token's row gets its own symmetric scale (max |x| / 127):
the integer products are exact, padding rows never touch real ones, and a word costs about 2 ms in
batches of 64. Per-token scales also follow the model's few large activations more closely than one
scale per batch (mean cosine to full precision 0.991 against 0.989 on 1,200 words). A small batch
costs more than with one scale (12 words: 21 ms against 16 ms), for the passes that find each row's
scale and scale each product's rows.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

VERSION = 2  # bump when the rewrite changes: the graph is built again and lexicons are embedded again


def quantise_rows(source: Path, out: Path) -> int:
    """Rewrite ``source`` (onnxruntime.quantization.quantize_dynamic's output, opset 13 to 17) into
    ``out``; returns how many quantisation points were rewritten. ValueError for another structure."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    consumers = defaultdict(list)
    for node in graph.node:
        for name in node.input:
            consumers[name].append(node)
    graph.initializer.extend(
        [
            numpy_helper.from_array(np.array(127.0, np.float32), "rows_127"),
            numpy_helper.from_array(np.array([0], np.int64), "rows_first_axis"),
            numpy_helper.from_array(np.array(1e-8, np.float32), "rows_tiny"),
            numpy_helper.from_array(np.array(128, np.uint8), "rows_zero_point"),
        ]
    )
    nodes, after, zero_points = [], defaultdict(list), {}
    points = [n for n in graph.node if n.op_type == "DynamicQuantizeLinear"]
    for node in graph.node:
        if node.op_type != "DynamicQuantizeLinear":
            nodes.append(node)
            continue
        x = node.input[0]
        quantised, batch_scale, zero_point = node.output
        p = f"rows{len(nodes)}_"
        scale = p + "scale"
        # One QuantizeLinear pass over the tokens' rows (it scales along one axis: flatten to 2-D), in
        # uint8 around 128 (onnxruntime's int8 x int8 MatMulInteger is six times slower).
        nodes += [
            helper.make_node("Abs", [x], [p + "abs"]),
            helper.make_node("ReduceMax", [p + "abs"], [p + "max"], axes=[-1], keepdims=1),
            helper.make_node("Div", [p + "max", "rows_127"], [p + "raw_scale"]),
            helper.make_node("Max", [p + "raw_scale", "rows_tiny"], [scale]),
            helper.make_node("Flatten", [x], [p + "rows"], axis=-1),
            helper.make_node("Flatten", [scale], [p + "row_scale_2d"], axis=0),
            helper.make_node("Squeeze", [p + "row_scale_2d", "rows_first_axis"], [p + "row_scale"]),
            helper.make_node("Shape", [p + "row_scale"], [p + "count"]),
            helper.make_node("Expand", ["rows_zero_point", p + "count"], [p + "zero_points"]),
            helper.make_node("QuantizeLinear", [p + "rows", p + "row_scale", p + "zero_points"], [p + "q"], axis=0),
            helper.make_node("Shape", [x], [p + "shape"]),
            helper.make_node("Reshape", [p + "q", p + "shape"], [quantised]),
            # The batch scale is 1, computed rather than a constant: onnxruntime fuses each product and
            # its scaling into one MatMulIntegerToFloat only when the scales are inputs, not constants.
            helper.make_node("ReduceMax", [scale], [p + "any_scale"], keepdims=0),
            helper.make_node("Div", [p + "any_scale", p + "any_scale"], [batch_scale]),
        ]
        zero_points[zero_point] = "rows_zero_point"
        # Each product is Cast to float and multiplied by (input scale x weight scale), which
        # onnxruntime fuses into one MatMulIntegerToFloat; that op takes a scalar input scale only (a
        # per-row one comes out wrong), so the rows are scaled after it (and the bias added after that).
        for product in consumers[quantised]:
            chain = [product]
            while len(chain) < 3 and len(consumers[chain[-1].output[0]]) == 1:
                chain += consumers[chain[-1].output[0]]
            if [n.op_type for n in chain] != ["MatMulInteger", "Cast", "Mul"] or product.input[0] != quantised:
                raise ValueError(f"unexpected use of the quantised input {quantised} by {product.name}")
            multiply = chain[2]
            result = multiply.output[0]
            multiply.output[0] = result + "_unscaled_rows"
            after[multiply.output[0]].append(helper.make_node("Mul", [multiply.output[0], scale], [result]))
    ordered = []
    for node in nodes:
        node.input[:] = [zero_points.get(name, name) for name in node.input]
        ordered += [node, *(after.get(node.output[0], []) if node.output else [])]
    del graph.node[:]
    graph.node.extend(ordered)
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as exc:
        raise ValueError(str(exc)) from exc
    onnx.save(model, str(out))
    return len(points)
