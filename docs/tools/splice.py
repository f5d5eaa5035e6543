#!/usr/bin/env python3
"""docs/tools/splice.py <page.md> <name> <generated file> [--update]

A page holds generated text between `<!-- generated: <name> -->` and `<!-- end generated: <name> -->`
lines, committed, so the Markdown reads right on a code host. Exits 1 (naming the page) when that
text differs from the generated file; with --update, writes the generated text into the page
instead. Used by scripts/docs.
"""
import sys


def main():
    args = [a for a in sys.argv[1:] if a != "--update"]
    update = "--update" in sys.argv[1:]
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    page, name, generated = args
    begin, end = f"<!-- generated: {name} -->\n", f"<!-- end generated: {name} -->\n"
    with open(page, encoding="utf-8") as f:
        text = f.read()
    with open(generated, encoding="utf-8") as f:
        fresh = f.read()
    if begin not in text or end not in text:
        print(f"docs: {page} has no '{begin.strip()}' ... '{end.strip()}' block", file=sys.stderr)
        return 1
    head, rest = text.split(begin, 1)
    current, tail = rest.split(end, 1)
    if current == fresh:
        return 0
    if update:
        with open(page, "w", encoding="utf-8") as f:
            f.write(head + begin + fresh + end + tail)
        print(f"docs: updated {page} ({name})")
        return 0
    print(f"docs: {page}: the {name} block differs from what the code generates", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
