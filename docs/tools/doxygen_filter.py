#!/usr/bin/env python3
"""docs/tools/doxygen_filter.py <doxygen xml dir>

Removes from Doxygen's XML what Sphinx 5.3's C++ domain cannot render, so that the reference builds
with warnings as errors without hiding anything a user calls:
  - partial specializations of class templates (weft::tensor_traits<Eigen::Matrix<...>> and the
    like): Sphinx cannot parse their names, so their members collide as duplicates. The primary
    template weft::tensor_traits, which they implement, stays;
  - class template deduction guides (`batched(M&&) -> batched<std::decay_t<M>>`): Sphinx takes them
    for a function named like the class and nests the class's members under it;
  - initializers that are lambdas (`= [] { ... }()`): Sphinx cannot parse them; the member stays,
    without its initializer;
  - a second declaration Sphinx would see as identical to one already kept (two constrained
    `operator|` templates differing only in their requires-clause).
Prints what it removed. Run by scripts/docs after Doxygen.
"""
import os
import sys
import xml.etree.ElementTree as ET


def text(e, tag):
    c = e.find(tag)
    return "".join(c.itertext()) if c is not None else ""


def main(xml_dir):
    index_path = os.path.join(xml_dir, "index.xml")
    index = ET.parse(index_path)
    removed_compounds, removed_members = set(), set()
    for c in list(index.getroot()):
        if c.get("kind") in ("class", "struct") and "<" in text(c, "name"):
            removed_compounds.add(c.get("refid"))
            index.getroot().remove(c)
            print(f"doxygen_filter: left out specialization {text(c, 'name')}")
    class_names = {text(c, "name").split("::")[-1] for c in index.getroot() if c.get("kind") in ("class", "struct")}

    for name in sorted(os.listdir(xml_dir)):
        if not name.endswith(".xml") or name == "index.xml" or name.startswith("Doxyfile"):
            continue
        path = os.path.join(xml_dir, name)
        tree = ET.parse(path)
        changed = False
        for compound in tree.getroot().iter("compounddef"):
            for inner in list(compound.findall("innerclass")):
                if inner.get("refid") in removed_compounds:
                    compound.remove(inner)
                    changed = True
            seen = set()
            for section in compound.findall("sectiondef"):
                for m in list(section.findall("memberdef")):
                    kind, mname, args = m.get("kind"), text(m, "name"), text(m, "argsstring")
                    if kind == "function" and mname in class_names and ") ->" in args:
                        section.remove(m)
                        removed_members.add(m.get("id"))
                        changed = True
                        continue
                    init = m.find("initializer")
                    if init is not None and "[]" in "".join(init.itertext()):
                        m.remove(init)
                        changed = True
                    params = tuple(text(p, "type") for p in m.findall("param"))
                    qualifiers = args[args.rfind(")") + 1:]  # const, &, &&, noexcept: overloads that differ
                    key = (kind, text(m, "definition"), text(m, "templateparamlist"), params, qualifiers)
                    if kind == "function" and key in seen:
                        section.remove(m)
                        removed_members.add(m.get("id"))
                        changed = True
                        print(f"doxygen_filter: left out a second {text(m, 'definition')}{args}")
                        continue
                    seen.add(key)
                if len(section) == 0 or not section.findall("memberdef"):
                    compound.remove(section)
        if changed:
            tree.write(path, encoding="UTF-8", xml_declaration=True)
    for c in index.getroot():
        for m in list(c.findall("member")):
            if m.get("refid") in removed_members:
                c.remove(m)
    index.write(index_path, encoding="UTF-8", xml_declaration=True)
    print(f"doxygen_filter: left out {len(removed_compounds)} specializations, {len(removed_members)} deduction guides or duplicates")


if __name__ == "__main__":
    main(sys.argv[1])
