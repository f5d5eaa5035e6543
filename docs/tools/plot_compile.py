#!/usr/bin/python3
"""docs/tools/plot_compile.py [CSV] [SVG] - compile time against pipeline length, for docs/performance.md.

Reads the figures scripts/bench --only compile writes (default bench/compile_time/compile_time.csv:
compiler,stages,form,user_s,peak_mb,runs; user_s the minimum user CPU time of `runs` compiles) and
draws, per compiler, user CPU time against the number of stages for the three forms (by hand,
weft::sequence(...), `|`) into one SVG (default docs/images/compile_time.svg). Debian's matplotlib:
run with /usr/bin/python3.
"""
import csv
import pathlib
import sys

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
FORMS = [("hand", "by hand", "o-"), ("sequence", "weft::sequence(...)", "s-"), ("pipe", "a | b | ...", "^-")]


def main() -> None:
    source = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench/compile_time/compile_time.csv"
    target = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs/images/compile_time.svg"
    rows = list(csv.DictReader(source.open()))
    compilers = list(dict.fromkeys(r["compiler"] for r in rows))
    plt.rcParams["svg.hashsalt"] = "weft"  # stable ids: the SVG changes only when the figures do
    figure, axes = plt.subplots(1, len(compilers), figsize=(5 * len(compilers), 3.8), squeeze=False)
    for ax, compiler in zip(axes[0], compilers):
        for form, label, style in FORMS:
            points = sorted((int(r["stages"]), float(r["user_s"])) for r in rows
                            if r["compiler"] == compiler and r["form"] == form)
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], style, label=label)
        ax.set_title(f"{compiler} -O2 -c")
        ax.set_xlabel("stages")
        ax.set_ylabel("user CPU time (s), min of runs")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend()
    figure.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, metadata={"Date": None})
    print(f"plot_compile: wrote {target}")


if __name__ == "__main__":
    main()
