# docs/conf.py - Sphinx configuration of weft's documentation site. Build it with scripts/docs.
#
# Pages are Markdown (MyST); the reference is Doxygen XML read by breathe. scripts/docs runs the
# tools in docs/tools first: they check the committed compatibility table (in compatibility.md) and
# pictures (docs/images/) against the code, and write docs/_generated/ (the reference's pages, one
# per header). Warnings are errors (scripts/docs passes -W --keep-going).
import logging
import os
import re

project = "weft"
author = "the weft authors"
copyright = "the weft authors"

extensions = ["myst_parser", "breathe"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
# Pages that are only included into others, and the tools' sources, are not pages of their own.
exclude_patterns = ["_build", "tools", "Doxyfile", "_generated/reference/toc.md"]

myst_heading_anchors = 3
suppress_warnings = []

html_theme = "furo"
html_title = "weft"
html_static_path = ["_static"]
html_css_files = ["weft.css"]   # tables wrap inside the column (docs/_static/weft.css)

# breathe: Doxygen's XML, written by scripts/docs (WEFT_DOXYGEN_XML overrides where it lives).
_here = os.path.dirname(os.path.abspath(__file__))
breathe_projects = {
    "weft": os.environ.get("WEFT_DOXYGEN_XML", os.path.join(_here, "..", "build", "docs", "doxygen", "xml"))
}
breathe_default_project = "weft"
breathe_default_members = ("members",)
breathe_domain_by_extension = {"hpp": "cpp"}
cpp_index_common_prefix = ["weft::"]

# performance.md is written by the benchmark work (scripts/bench). Until it exists, the site shows
# a stub saying so, never figures that were not measured.
_perf = os.path.join(_here, "performance.md")
_perf_doc = "performance" if os.path.exists(_perf) else "_generated/performance"
if _perf_doc != "performance":
    os.makedirs(os.path.join(_here, "_generated"), exist_ok=True)
    with open(os.path.join(_here, "_generated", "performance.md"), "w", encoding="utf-8") as f:
        f.write("# Performance\n\nThe figures come from `scripts/bench`, which times weft against the same "
                "stages called by hand, fused hand-written Eigen and `std::function` glue, and counts "
                "instructions with callgrind. Its report, `docs/performance.md`, is not written yet: "
                "this page shows no figures until it is.\n")


# Pages written since the index was: every docs/*.md not named in index.md joins a "More" toctree,
# so a new page appears on the site rather than failing the build.
_known = {"index", "performance"}


def _toctree_performance(app, docname, source):
    if docname == "index":
        text = source[0].replace("@PERFORMANCE@", _perf_doc)
        listed = {line.strip() for line in text.splitlines()}
        extra = sorted(
            name[:-3] for name in os.listdir(_here)
            if name.endswith(".md") and name[:-3] not in listed and name[:-3] not in _known
        )
        if extra:
            text += "\n```{toctree}\n:maxdepth: 1\n:caption: More\n\n" + "\n".join(extra) + "\n```\n"
        source[0] = text


# A picture links to its full-size SVG (`[![alt](images/x.svg)](images/x.svg)`, which reads right on
# a code host too). MyST makes such a link a download; on the site it should open the picture.
def _open_svg_links(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for folder, _, files in os.walk(app.outdir):
        for name in files:
            if name.endswith(".html"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                fixed = re.sub(r'(<a class="reference download internal") download="" (href="[^"]*\.svg")',
                               r"\1 \2", text)
                if fixed != text:
                    with open(path, "w", encoding="utf-8") as f:
                        f.write(fixed)


# Each reference page (one per header) renders its part of namespace weft, so breathe declares
# `namespace weft` once per page, and Sphinx's C++ domain reports each repeat as a duplicate. Only
# that message is dropped: any other duplicate declaration still fails the build.
class _NamespaceRepeat(logging.Filter):
    def filter(self, record):
        text = record.getMessage()
        return not (text.startswith("Duplicate C++ declaration") and text.endswith("'.. cpp:type:: weft'."))


def setup(app):
    logging.getLogger("sphinx.sphinx.domains.cpp").addFilter(_NamespaceRepeat())
    app.connect("source-read", _toctree_performance)
    app.connect("build-finished", _open_svg_links)
