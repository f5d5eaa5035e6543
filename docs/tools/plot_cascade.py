#!/usr/bin/env python3
"""docs/tools/plot_cascade.py <output directory>

Draws cascade.svg for docs/digits_runtimes.md (Debian's python3-matplotlib): the cascade's test
accuracy and the share of images that reached the ensemble, against the confidence threshold t,
beside the ensemble alone. The figures are the "cascade sweep" lines of the example's output that
the page commits (its ```text block, a copy of examples/digits_runtimes/digits_runtimes_golden.txt),
so the picture cannot say other than the output. scripts/docs runs it and compares the SVG with the
committed docs/images/cascade.svg; it fails, naming the page, when the lines are missing.
"""
import os
import re
import sys

from charts import METADATA, ROOT, plt  # the charts' settings: same input, same bytes

PAGE = "digits_runtimes.md"
ROW = re.compile(r"^  ([0-9.]+) +([0-9.]+)% +\((\d+)/(\d+)\) +(\d+) +\(([0-9.]+)%\)$")
ALONE = re.compile(r"\(the ensemble alone: ([0-9.]+)%, (\d+)/(\d+)\)")


def sweep():
    """(thresholds, accuracy %, share %, ensemble alone %) from the page's copy of the output."""
    with open(os.path.join(ROOT, "docs", PAGE), encoding="utf-8") as f:
        lines = f.read().splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("cascade sweep:"))
    except StopIteration:
        sys.exit(f"plot_cascade: docs/{PAGE} holds no 'cascade sweep:' output")
    alone = ALONE.search(lines[start + 1])
    if not alone:
        sys.exit(f"plot_cascade: docs/{PAGE}: no '(the ensemble alone: ...)' after 'cascade sweep:'")
    ts, accuracy, share = [], [], []
    for line in lines[start + 3:]:
        m = ROW.match(line)
        if not m:
            break
        ts.append(float(m.group(1)))
        accuracy.append(100.0 * int(m.group(3)) / int(m.group(4)))
        share.append(100.0 * int(m.group(5)) / int(m.group(4)))
    if len(ts) < 2:
        sys.exit(f"plot_cascade: docs/{PAGE}: fewer than two rows under 'cascade sweep:'")
    return ts, accuracy, share, 100.0 * int(alone.group(2)) / int(alone.group(3))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    ts, accuracy, share, alone = sweep()
    fig, acc_ax = plt.subplots(figsize=(7.2, 3.6))
    share_ax = acc_ax.twinx()
    acc_ax.plot(ts, accuracy, "o-", color="#1f77b4", label="cascade accuracy")
    acc_ax.axhline(alone, color="#1f77b4", linewidth=0.8, linestyle="--", label="ensemble alone")
    share_ax.plot(ts, share, "s-", color="#ff7f0e", label="share that reached the ensemble")
    acc_ax.set_xlabel("threshold t: the nearest centroid answers when its top probability reaches t")
    acc_ax.set_ylabel("test accuracy, %", color="#1f77b4")
    share_ax.set_ylabel("reached the ensemble, %", color="#ff7f0e")
    acc_ax.set_ylim(min(accuracy) - 1, 100)
    share_ax.set_ylim(0, 105)
    acc_ax.set_title("cascade: nearest centroid first, the ensemble when it is unsure (360 test images)")
    handles = acc_ax.get_legend_handles_labels()[0] + share_ax.get_legend_handles_labels()[0]
    labels = acc_ax.get_legend_handles_labels()[1] + share_ax.get_legend_handles_labels()[1]
    acc_ax.legend(handles, labels, fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(os.path.join(sys.argv[1], "cascade.svg"), metadata=METADATA)
    plt.close(fig)


if __name__ == "__main__":
    main()
