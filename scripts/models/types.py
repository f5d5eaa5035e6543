#!/usr/bin/env python3
"""Writes the model files of weft_model_types' tests into <data>/types/ (scripts/make-test-models).

A model and its "retrained" twin of another width, for each format weft_model_types reads:
  onnx_w8.onnx      x f32[batch,8]  -> y f32[batch,3]   (MatMul + Add + Relu, batch symbolic)
  onnx_w16.onnx     x f32[batch,16] -> y f32[batch,3]   (the same network retrained on 16 features)
  onnx_f16.onnx     x f16[batch,8]  -> y f16[batch,8]   (an element type weft has no scalar for)
  xgb_w8.json       multi:softprob, num_feature 8, num_class 3
  xgb_w16.json      multi:softprob, num_feature 16, num_class 3 (the same trees retrained on 16)
  expected.txt      for each width-8 model: its output for the input 0.1 * (i + 1), i = 0..7
Deterministic (fixed seeds). Needs Debian's /usr/bin/python3 with python3-onnx, python3-xgboost.
"""
import os
import sys
from pathlib import Path

# scripts/models/ holds onnx.py and xgboost.py: keep it off the import path, or "import onnx" finds them.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import xgboost as xgb  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def onnx_mlp(width, seed):
    rng = np.random.default_rng(seed)
    w = (0.3 * rng.normal(size=(width, 3))).astype(np.float32)
    b = rng.uniform(0.5, 1.5, size=3).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["h"]),
         helper.make_node("Add", ["h", "b"], ["z"]),
         helper.make_node("Relu", ["z"], ["y"])],
        f"mlp{width}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", width])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model, (lambda x: np.maximum(x @ w + b, 0.0))


def onnx_f16():
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "half",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT16, ["batch", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT16, ["batch", 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def xgb_classifier(width, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(60, width)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)
    booster = xgb.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 2, "seed": seed,
                         "nthread": 1}, xgb.DMatrix(x, label=y), num_boost_round=3)
    return booster


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data") / "types"
    out.mkdir(parents=True, exist_ok=True)
    probe = (0.1 * np.arange(1, 9, dtype=np.float32)).reshape(1, 8)
    lines = []
    for width, seed in ((8, 7), (16, 2)):
        model, run = onnx_mlp(width, seed)
        onnx.save(model, out / f"onnx_w{width}.onnx")
        if width == 8:
            lines.append("onnx_w8 " + " ".join(f"{v:.9g}" for v in run(probe)[0]))
    onnx.save(onnx_f16(), out / "onnx_f16.onnx")
    for width, seed, ext in ((8, 3, "json"), (16, 4, "json")):
        booster = xgb_classifier(width, seed)
        booster.save_model(out / f"xgb_w{width}.{ext}")
        if width == 8:
            p = booster.inplace_predict(probe)
            lines.append("xgb_w8 " + " ".join(f"{v:.9g}" for v in p[0]))
    (out / "expected.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
