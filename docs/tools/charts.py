#!/usr/bin/env python3
"""docs/tools/charts.py <output directory>

Draws the charts of docs/performance.md and docs/execution.md (SVG, Debian's python3-matplotlib)
from the measured figures those pages commit in their tables, so a chart cannot say other than its
table:
  perf_weft_hand.svg   weft/hand per workload, timing and instructions (performance.md, "weft
                       against the same stages called by hand")
  par_speedup.svg      par's speed-up against the work per branch (execution.md, "When to use
                       `par`: measured")
scripts/docs runs it and compares the output with the committed docs/images/; it fails, naming
the table, when a table it reads is missing or changed its columns.
"""
import os
import re
import sys

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Same input, same bytes: no date, fixed ids.
plt.rcParams.update({"svg.hashsalt": "weft", "svg.fonttype": "none", "font.size": 10,
                     "font.family": "DejaVu Sans"})
METADATA = {"Date": None, "Creator": None}


def table(page, header_start):
    """The rows (lists of cells) of the first table in docs/<page> whose header starts so."""
    with open(os.path.join(ROOT, "docs", page), encoding="utf-8") as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        if line.startswith(header_start):
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]])
            return rows
    sys.exit(f"charts: docs/{page} has no table starting '{header_start}'")


def numbers(cell):
    return [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*\.?\d*", cell)]


def weft_hand(out):
    rows = table("performance.md", "| workload | weft ns/call | by hand ns/call | timing weft/hand")
    names, timing, instr = [], [], []
    for workload, _, _, ratio, _, instructions in rows:
        # "W2 MLP 784-256-10, batch 256" -> "W2\nbatch 256": the page's table says what each is.
        batch = re.search(r"batch \d+", workload)
        names.append(workload.split(" ", 1)[0] + ("\n" + batch.group(0) if batch and "W2" in workload else ""))
        # "**1.00** (0.999)": the figure in parentheses has the more digits.
        timing.append(numbers(ratio)[-1])
        got = numbers(instructions.split("(")[0]) if instructions not in ("-", "") else []
        instr.append(got[0] if got else None)
    fig, ax = plt.subplots(figsize=(7.2, 3.6))
    xs = range(len(names))
    width = 0.38
    ax.bar([x - width / 2 for x in xs], timing, width, label="time weft/hand", color="#1f77b4")
    ax.bar([x + width / 2 for x, v in zip(xs, instr) if v is not None], [v for v in instr if v is not None],
           width, label="instructions weft/hand", color="#ff7f0e")
    ax.axhline(1.0, color="#333333", linewidth=0.8)
    ax.axhline(1.03, color="#d62728", linewidth=0.8, linestyle="--", label="target 1.03")
    ax.set_ylim(0.9, 1.08)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(names, fontsize=8)
    ax.set_ylabel("weft / hand (1 = no cost)")
    ax.set_title("weft against the same stages called by hand")
    ax.legend(fontsize=8, loc="upper left", ncol=3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "perf_weft_hand.svg"), metadata=METADATA)
    plt.close(fig)


def par_speedup(out):
    rows = table("execution.md", "| ensemble(mean) of three ... | sequential | par | speed-up |")
    fig, ax = plt.subplots(figsize=(7.2, 3.4))
    for label, sequential, _, speedup in rows:
        t, s = numbers(sequential), numbers(speedup)
        if label.startswith("n ="):
            label = label.replace("n = ", "n=")
        elif label.startswith("n x n"):
            label = "n=8...128"
        else:
            label = "W2 MLPs"
        tx, sy = (min(t), max(t)), (min(s), max(s))
        x, y = sum(tx) / 2, sum(sy) / 2
        ax.errorbar([x], [y], xerr=[[x - tx[0]], [tx[1] - x]], yerr=[[y - sy[0]], [sy[1] - y]],
                    fmt="o", color="#1f77b4", capsize=3)
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(6, 6), fontsize=8)
    ax.axhline(1.0, color="#d62728", linewidth=0.8, linestyle="--")
    ax.text(0.12, 1.02, "par pays off above this line", fontsize=8, color="#d62728")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_ylim(0, 1.25)
    ax.set_xlabel("sequential time per call, microseconds (three branches)")
    ax.set_ylabel("speed-up of par")
    ax.set_title("ensemble of three branches: par against sequential, 2 vCPUs")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "par_speedup.svg"), metadata=METADATA)
    plt.close(fig)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    weft_hand(sys.argv[1])
    par_speedup(sys.argv[1])


if __name__ == "__main__":
    main()
