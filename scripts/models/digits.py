#!/usr/bin/python3
"""scripts/models/digits.py <datadir>: the two trained models of examples/digits_runtimes.

Writes into <datadir>/digits/ (scripts/make-test-models passes <repo>/tests/data):
  xgboost.ubj   an XGBoost classifier (objective multi:softprob, 10 classes, 15 rounds of depth-3 trees)
  mlp.onnx      a PyTorch MLP 64 -> 32 (ReLU) -> 10 ending in a softmax: its output "probabilities" is
                class probabilities, not logits; input "pixels" f32[batch, 64] (symbolic batch), opset 11
  mlp.pt        the same MLP as TorchScript (torch.jit.trace): bench/runtimes.cpp times it in libtorch
  expected.csv  per test image, in test-set order: its line in digits.csv (0-based), its label, then each
                model's predicted class (argmax) and its 10 probabilities, as Python computes them
                (header: line,label,xgboost_class,mlp_class,xgboost_p0..p9,mlp_p0..p9)

The data and the split are examples/digits' own: digits.csv from Debian's python3-sklearn (1,797 lines
of 64 pixel values 0..16 and a label), pixels scaled by 1/16 to float32, the lines shuffled by
std::mt19937 seeded 2024 drawing indices by multiply-shift (mt19937 is reimplemented here: Python's
own random module seeds differently), the last 20% (360) held out for testing. Both models train on
the other 1,437 images only. Deterministic: fixed seeds, one thread, so re-running writes the same
models. Needs /usr/bin/python3 with python3-torch, python3-onnx, python3-xgboost and numpy.
"""
import gzip
import os
import sys

import numpy as np

DIGITS_CSV_GZ = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
SPLIT_SEED = 2024  # examples/digits/digits.cpp: split_seed


class MT19937:
    """std::mt19937 (the 32-bit Mersenne Twister with the standard's default seeding)."""

    def __init__(self, seed):
        self.mt = [0] * 624
        self.mt[0] = seed & 0xFFFFFFFF
        for i in range(1, 624):
            self.mt[i] = (1812433253 * (self.mt[i - 1] ^ (self.mt[i - 1] >> 30)) + i) & 0xFFFFFFFF
        self.index = 624

    def __call__(self):
        if self.index >= 624:
            for i in range(624):
                y = (self.mt[i] & 0x80000000) | (self.mt[(i + 1) % 624] & 0x7FFFFFFF)
                self.mt[i] = self.mt[(i + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            self.index = 0
        y = self.mt[self.index]
        self.index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y & 0xFFFFFFFF


def shuffled_order(n, seed):
    """The permutation examples/digits' shuffle() applies to n items: order[k] = original index."""
    rng = MT19937(seed)
    order = list(range(n))
    for i in range(n, 1, -1):
        j = (rng() * i) >> 32  # draw(rng, i): multiply-shift
        order[i - 1], order[j] = order[j], order[i - 1]
    return order


def read_digits():
    with gzip.open(DIGITS_CSV_GZ, "rt") as f:
        rows = [[int(float(v)) for v in line.split(",")] for line in f if line.strip()]
    data = np.array(rows, dtype=np.int64)
    assert data.shape == (1797, 65), data.shape
    return (data[:, :64].astype(np.float32) / np.float32(16)), data[:, 64]


def train_xgboost(x, y):
    import xgboost

    model = xgboost.XGBClassifier(objective="multi:softprob", n_estimators=15, max_depth=3,
                                  learning_rate=0.3, tree_method="exact", n_jobs=1, random_state=0)
    model.fit(x, y)
    return model


def train_mlp(x, y):
    import torch

    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    g = torch.Generator().manual_seed(1)
    for _ in range(40):  # epochs of mini-batches of 32
        perm = torch.randperm(len(xs), generator=g)
        for start in range(0, len(xs), 32):
            idx = perm[start:start + 32]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(xs[idx]), ys[idx])
            loss.backward()
            opt.step()
    return torch.nn.Sequential(net, torch.nn.Softmax(dim=1)).eval()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: digits.py <datadir>")
    out = os.path.join(sys.argv[1], "digits")
    os.makedirs(out, exist_ok=True)

    x, y = read_digits()
    order = shuffled_order(len(x), SPLIT_SEED)
    n_test = (len(x) + 4) // 5
    train, test = order[:-n_test], order[-n_test:]

    trees = train_xgboost(x[train], y[train])
    trees_path = os.path.join(out, "xgboost.ubj")
    trees.get_booster().save_model(trees_path)
    p_trees = trees.predict_proba(x[test]).astype(np.float32)

    import torch

    mlp = train_mlp(x[train], y[train])
    mlp_path = os.path.join(out, "mlp.onnx")
    torch.onnx.export(mlp, torch.zeros(1, 64), mlp_path, input_names=["pixels"],
                      output_names=["probabilities"], opset_version=11,
                      dynamic_axes={"pixels": {0: "batch"}, "probabilities": {0: "batch"}})
    torch.jit.trace(mlp, torch.zeros(1, 64)).save(os.path.join(out, "mlp.pt"))
    with torch.no_grad():
        p_mlp = mlp(torch.from_numpy(x[test])).numpy()

    # The C++ side compares argmax (ties to the lowest index): a near-tie would make the comparison
    # depend on rounding; say how close the closest one is.
    for name, p in (("xgboost", p_trees), ("mlp", p_mlp)):
        top2 = np.sort(p, axis=1)[:, -2:]
        print(f"digits.py: {name}: test accuracy {np.mean(p.argmax(1) == y[test]):.4f}, "
              f"smallest top-2 probability gap {np.min(top2[:, 1] - top2[:, 0]):.2e}", file=sys.stderr)

    with open(os.path.join(out, "expected.csv"), "w") as f:
        f.write("line,label,xgboost_class,mlp_class,"
                + ",".join(f"xgboost_p{c}" for c in range(10)) + ","
                + ",".join(f"mlp_p{c}" for c in range(10)) + "\n")
        for k, line in enumerate(test):
            f.write(f"{line},{y[line]},{p_trees[k].argmax()},{p_mlp[k].argmax()},"
                    + ",".join(f"{v:.8g}" for v in p_trees[k]) + ","
                    + ",".join(f"{v:.8g}" for v in p_mlp[k]) + "\n")
    for name in ("xgboost.ubj", "mlp.onnx", "mlp.pt", "expected.csv"):
        print(f"digits.py: wrote {os.path.join(out, name)} ({os.path.getsize(os.path.join(out, name))} bytes)",
              file=sys.stderr)


if __name__ == "__main__":
    main()
