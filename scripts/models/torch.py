#!/usr/bin/python3
"""scripts/models/torch.py <datadir>: the TorchScript models of weft's torch tests, in <datadir>/torch/.

Deterministic: fixed seeds, so re-running writes the same weights, code and expected outputs (the
.pt archives differ only in their zip timestamps).
Writes:
  mlp_8_3.pt       float32 MLP 8 -> 16 -> 3 (flattens each sample first, so [2,4] samples work too)
  mlp_6_3.pt       the same of input width 6 (loading it as an 8-wide model fails the probe)
  mlp_8_3_f64.pt   float64 MLP 8 -> 3
  count_i64.pt     int64 8 -> 3: per sample the sum, the max and the min
  wrong_rank.pt    float32 8 -> [3,1] per sample (the MLP's output, unsqueezed)
  shape_shift.pt   float32 8 -> 3 (twice the first three values), but 8 -> 4 when the values sum
                   above 1000 (output extents that change after the probe at load), and raising
                   when they sum below -1000 (a failure inside libtorch during a call)
  writes_input.pt  float32 8 -> 3 that doubles its input in place (shows the input is not copied)
  corrupt.pt       not a TorchScript archive
  inputs.txt       five float32 samples of width 8, one per line
  inputs_i64.txt   five int64 samples of width 8
  <model>.expected.txt  what Python's model returns for those inputs, one sample per line
"""
import os
import sys

# This file is named torch.py: keep its own directory off the path, or it would import itself.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]
import torch  # noqa: E402

torch.manual_seed(13)
torch.set_num_threads(1)


class Mlp(torch.nn.Module):
    def __init__(self, width: int, hidden: int, out: int):
        super().__init__()
        self.hidden = torch.nn.Linear(width, hidden)
        self.out = torch.nn.Linear(hidden, out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.hidden(x.flatten(1))))


class Count(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([x.sum(1), x.max(1).values, x.min(1).values], 1)


class WrongRank(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = Mlp(8, 16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(x).unsqueeze(2)


class ShapeShift(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if bool(x.sum() < -1000.0):
            raise RuntimeError("weft test: the values sum below -1000")
        if bool(x.sum() > 1000.0):
            return x[:, :4] * 2.0
        return x[:, :3] * 2.0


class WritesInput(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x.mul_(2.0)
        return x[:, :3].clone()


def save(module: torch.nn.Module, path: str) -> torch.jit.ScriptModule:
    scripted = torch.jit.script(module.eval())
    scripted.save(path)
    return scripted


def write_rows(path: str, rows: torch.Tensor, fmt: str) -> None:
    with open(path, "w") as f:
        for row in rows.tolist():
            f.write(" ".join(fmt.format(v) for v in row) + "\n")


def main() -> None:
    out = os.path.join(sys.argv[1], "torch")
    os.makedirs(out, exist_ok=True)
    inputs = torch.randn(5, 8, dtype=torch.float32)
    inputs_i64 = torch.randint(-50, 50, (5, 8), dtype=torch.int64)
    write_rows(os.path.join(out, "inputs.txt"), inputs, "{:.9g}")
    write_rows(os.path.join(out, "inputs_i64.txt"), inputs_i64, "{}")

    with torch.no_grad():
        mlp = save(Mlp(8, 16, 3), os.path.join(out, "mlp_8_3.pt"))
        write_rows(os.path.join(out, "mlp_8_3.expected.txt"), mlp(inputs), "{:.9g}")
        save(Mlp(6, 16, 3), os.path.join(out, "mlp_6_3.pt"))
        mlp64 = save(Mlp(8, 16, 3).double(), os.path.join(out, "mlp_8_3_f64.pt"))
        write_rows(os.path.join(out, "mlp_8_3_f64.expected.txt"), mlp64(inputs.double()), "{:.17g}")
        count = save(Count(), os.path.join(out, "count_i64.pt"))
        write_rows(os.path.join(out, "count_i64.expected.txt"), count(inputs_i64), "{}")
        save(WrongRank(), os.path.join(out, "wrong_rank.pt"))
        save(ShapeShift(), os.path.join(out, "shape_shift.pt"))
        save(WritesInput(), os.path.join(out, "writes_input.pt"))
    with open(os.path.join(out, "corrupt.pt"), "wb") as f:
        f.write(b"PK\x03\x04 this is not a TorchScript archive\n")


if __name__ == "__main__":
    main()
