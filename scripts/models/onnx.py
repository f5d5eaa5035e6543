#!/usr/bin/python3
"""scripts/models/onnx.py <datadir>: writes the ONNX test models of weft/onnx.hpp into <datadir>/onnx/.

Run by scripts/make-test-models with Debian's /usr/bin/python3 (python3-torch, python3-onnx, numpy).
Deterministic (fixed seeds): re-running rewrites the same files. Writes
  mlp.onnx              torch MLP 8 -> 16 -> 3 (tanh), input "x" [batch, 8], output "y" [batch, 3]
  mlp_width6.onnx       the same architecture with 6 inputs (for mismatch tests)
  mlp_batch1.onnx       mlp.onnx's module exported with a fixed batch of 1: input [1, 8], output [1, 3]
  two_outputs.onnx      a softmax classifier built with the onnx helper API, the shape scikit-learn
                        classifiers export: input "x" [batch, 8], outputs "label" (int64 [batch]) and
                        "probabilities" (float [batch, 3]); python3-skl2onnx is not in Debian 12
  two_inputs.onnx       "a" + "b", two inputs [batch, 8] (refused: weft models take one input)
  relu_any_width.onnx   Relu over input "x" [batch, width] (a symbolic width), output [batch, width]
  reshape_2x4.onnx, reshape_3x3.onnx   "x" [batch, 8] reshaped to a constant [2, 4] / [3, 3], declared
                        "y" [batch, 4]: 8 values come back for one sample / OpenCV fails in forward
  corrupt.onnx          the first half of mlp.onnx's bytes (not a parseable model)
  inputs.csv            5 rows of 8 float32 inputs (one sample per row)
  mlp_expected.csv      torch's outputs of mlp.onnx's module for inputs.csv (5 rows of 3)
  probabilities_expected.csv, label_expected.csv   numpy's outputs of two_outputs.onnx
Floats are written with 9 significant digits (float32 round-trips exactly).
"""
import os
import sys

# This file is named onnx.py: keep its own directory off the import path, or "import onnx" finds it.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def write_csv(path, rows, fmt="%.9g"):
    np.savetxt(path, np.atleast_2d(rows), fmt=fmt, delimiter=",")


def mlp(width):
    return torch.nn.Sequential(torch.nn.Linear(width, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))


def export(module, width, path, batch_axis):
    dummy = torch.zeros(1, width)
    axes = {"x": {0: "batch"}, "y": {0: "batch"}} if batch_axis else None
    torch.onnx.export(module, dummy, path, input_names=["x"], output_names=["y"], dynamic_axes=axes,
                      opset_version=13)


def main():
    out = os.path.join(sys.argv[1], "onnx")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(13)
    rng = np.random.default_rng(13)

    inputs = rng.normal(size=(5, 8)).astype(np.float32)
    write_csv(os.path.join(out, "inputs.csv"), inputs)

    net = mlp(8).eval()
    export(net, 8, os.path.join(out, "mlp.onnx"), batch_axis=True)
    export(net, 8, os.path.join(out, "mlp_batch1.onnx"), batch_axis=False)
    with torch.no_grad():
        write_csv(os.path.join(out, "mlp_expected.csv"), net(torch.from_numpy(inputs)).numpy())
    export(mlp(6).eval(), 6, os.path.join(out, "mlp_width6.onnx"), batch_axis=True)

    # A classifier with a label and probabilities, as scikit-learn classifiers export.
    w = rng.normal(size=(8, 3)).astype(np.float32)
    b = rng.normal(size=(3,)).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["logits_raw"]),
        helper.make_node("Add", ["logits_raw", "B"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["logits"], ["label"], axis=1, keepdims=0),
    ]
    graph = helper.make_graph(
        nodes, "two_outputs",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 8])],
        [helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 3])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")])
    save(graph, os.path.join(out, "two_outputs.onnx"))
    logits = inputs @ w + b
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    write_csv(os.path.join(out, "probabilities_expected.csv"), e / e.sum(axis=1, keepdims=True))
    write_csv(os.path.join(out, "label_expected.csv"), logits.argmax(axis=1).reshape(-1, 1), fmt="%d")

    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"])], "two_inputs",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["batch", 8]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, ["batch", 8])],
        [helper.make_tensor_value_info("sum", TensorProto.FLOAT, ["batch", 8])])
    save(graph, os.path.join(out, "two_inputs.onnx"))

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "relu_any_width",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "width"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "width"])])
    save(graph, os.path.join(out, "relu_any_width.onnx"))

    # Reshapes to a constant shape, declaring "y" [batch, 4]: [2, 4] returns 8 values for one sample
    # (not the 4 declared); [3, 3] makes OpenCV fail inside forward (8 values cannot become [3, 3]).
    for name, target in (("reshape_2x4", [2, 4]), ("reshape_3x3", [3, 3])):
        graph = helper.make_graph(
            [helper.make_node("Reshape", ["x", "shape"], ["y"])], name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 8])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
            [numpy_helper.from_array(np.array(target, dtype=np.int64), "shape")])
        save(graph, os.path.join(out, name + ".onnx"))

    with open(os.path.join(out, "mlp.onnx"), "rb") as f:
        whole = f.read()
    with open(os.path.join(out, "corrupt.onnx"), "wb") as f:
        f.write(whole[: len(whole) // 2])


def save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="weft")
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, path)


if __name__ == "__main__":
    main()
