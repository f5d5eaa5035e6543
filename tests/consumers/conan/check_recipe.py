#!/usr/bin/env python3
"""Checks weft's Conan 2 recipe (conanfile.py) and test_package/ without Conan.

Conan cannot be installed on weft's machines, and importing the recipe would need it. So the
recipe is parsed with Python's ast module, never imported or run, and its rules are checked
against weft's own build files:

  - a Conan 2 recipe (imports from `conan`, required_conan_version >= 2), name weft, version equal
    to project(weft VERSION ...) in CMakeLists.txt;
  - package_type "header-library", no_copy_source = True, package_id() clears the info;
  - options with_<component> (True/False) for eigen, xtensor, onnx, xgboost, torch, config, serve, off by default,
    matching the vcpkg port's features and the CMake package's components;
  - each backend or runtime package required only under its option (OPTION_PACKAGES), with transitive_headers=True, by a version range
    that admits what Conan Center has (eigen 3.4.0, xtensor 0.24.7) and what this build tests with,
    whose Eigen lower bound is the Eigen version CMakeLists.txt and weftConfig.cmake ask for, and
    which stays below Eigen 4 (Eigen3's config accepts 3.x only);
  - exports_sources has what package() copies; package_info() names weft / weft::weft, as the CMake
    package does, and no bin/lib directories; validate() asks for C++20;
  - test_package/: CMakeDeps and CMakeToolchain, requires tested_reference_str, runs only when
    can_run, and every cache variable it sets is read by test_package/CMakeLists.txt.

  - LICENSE exists at the root, and the recipe's `license` is vcpkg.json's.

Exit status 0 when every rule holds.
"""

import argparse
import ast
import json
import re
import sys
from pathlib import Path

# What Conan Center offered when this check was written (issue 8); not queried at run time.
CONAN_CENTER = {"eigen": "3.4.0", "xtensor": "0.24.7"}
# The Conan packages each option requires: a runtime's (issue 13); libtorch is not on Conan Center,
# so with_torch requires none (find_package(weft COMPONENTS torch) finds the system's).
OPTION_PACKAGES = {"eigen": {"eigen"}, "xtensor": {"xtensor"}, "onnx": {"opencv", "onnx"},
                   "xgboost": {"xgboost"}, "torch": set(), "config": {"nlohmann_json", "openssl"},
                   "serve": {"cpp-httplib", "nlohmann_json"}}
# Debian 12's runtimes (and the config component's libraries), which this build tests with: each
# range must admit them.
TESTED_RUNTIMES = {"opencv": "4.6.0", "onnx": "1.12.0", "xgboost": "1.7.4", "nlohmann_json": "3.11.2",
                   "openssl": "3.0.19", "cpp-httplib": "0.11.4"}

failures = []


def ok(msg):
    print(f"  ok: {msg}")


def fail(msg):
    print(f"  FAIL: {msg}")
    failures.append(msg)


def check(cond, good, bad):
    if cond:
        ok(good)
    else:
        fail(bad)
    return cond


# ------------------------------------------------------------------------------------------------
# Conan 2 version ranges: "[>=3.4.0 <4]", "[>1 <2 || 3.1]", "[~1.2]", "[^1.2]", "[1.2]".
# ------------------------------------------------------------------------------------------------
def parse_version(text):
    if not re.fullmatch(r"\d+(\.\d+)*", text):
        raise ValueError(f"not a plain version: {text!r}")
    return tuple(int(p) for p in text.split("."))


def compare(a, b):
    """Conan 2 compares versions item by item; missing trailing items count as 0 (1.0 == 1)."""
    n = max(len(a), len(b))
    a = a + (0,) * (n - len(a))
    b = b + (0,) * (n - len(b))
    return (a > b) - (a < b)


def conditions(token):
    """One range token as a list of (operator, version)."""
    m = re.fullmatch(r"(>=|<=|>|<|=|~|\^)?(.+)", token)
    op, ver = m.group(1) or "=", parse_version(m.group(2))
    if op == "~":   # ~1.2 -> >=1.2 <1.3 ; ~1 -> >=1 <2
        upper = ver[:-1] + (ver[-1] + 1,) if len(ver) > 1 else (ver[0] + 1,)
        return [(">=", ver), ("<", upper)]
    if op == "^":   # ^1.2 -> >=1.2 <2 ; ^0.2 -> >=0.2 <0.3
        first = next((i for i, v in enumerate(ver) if v != 0), len(ver) - 1)
        upper = ver[:first] + (ver[first] + 1,)
        return [(">=", ver), ("<", upper)]
    return [(op, ver)]


def parse_range(expr):
    """'[>=3.4.0 <4]' -> list of alternatives, each a list of (op, version)."""
    m = re.fullmatch(r"\[(.*)\]", expr.strip())
    if not m:
        raise ValueError(f"not a version range: {expr!r}")
    body = m.group(1).split(",")[0]   # ", include_prerelease" and such: not used by weft
    alternatives = []
    for alt in body.split("||"):
        conds = []
        for token in alt.split():
            conds += conditions(token)
        if not conds:
            raise ValueError(f"empty alternative in {expr!r}")
        alternatives.append(conds)
    return alternatives


def admits(alternatives, version):
    v = parse_version(version)
    tests = {">=": lambda c: c >= 0, ">": lambda c: c > 0, "<=": lambda c: c <= 0,
             "<": lambda c: c < 0, "=": lambda c: c == 0}
    return any(all(tests[op](compare(v, bound)) for op, bound in alt) for alt in alternatives)


def lower_bound(alternatives):
    bounds = [b for alt in alternatives for op, b in alt if op in (">=", "=")]
    return min(bounds, key=lambda b: b + (0,) * 8) if bounds else None


# ------------------------------------------------------------------------------------------------
# Reading the recipe
# ------------------------------------------------------------------------------------------------
def conanfile_class(tree, path):
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)
               and any(isinstance(b, ast.Name) and b.id == "ConanFile" for b in n.bases)]
    if len(classes) != 1:
        sys.exit(f"FAIL: {path}: expected exactly one class deriving from ConanFile")
    return classes[0]


def class_attributes(cls):
    attrs = {}
    for node in cls.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            try:
                attrs[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                attrs[node.targets[0].id] = node.value
    return attrs


def methods(cls):
    return {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}


def dotted(node):
    """'self.info.clear' for an Attribute/Name chain, else ''."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def calls(node):
    return [n for n in ast.walk(node) if isinstance(n, ast.Call)]


def requires_calls(func):
    """Each self.requires(...) in func with the option that guards it ('' when unconditional)."""
    found = []

    def visit(stmts, guard):
        for stmt in stmts:
            if isinstance(stmt, ast.If):
                test = dotted(stmt.test)
                inner = test[len("self.options."):] if test.startswith("self.options.") else "?"
                visit(stmt.body, inner)
                visit(stmt.orelse, "?")
            else:
                for call in calls(stmt):
                    if dotted(call.func) == "self.requires":
                        found.append((guard, call))

    visit(func.body, "")
    return found


def project_version(cmakelists):
    m = re.search(r"project\(\s*weft\s+VERSION\s+([0-9.]+)", cmakelists)
    return m.group(1) if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source-dir", required=True, type=Path, help="weft's checkout")
    ap.add_argument("--tested-eigen", required=True, help="Eigen version this build tests with")
    ap.add_argument("--tested-xtensor", required=True, help="xtensor version this build tests with")
    args = ap.parse_args()
    src = args.source_dir

    recipe_path = src / "conanfile.py"
    tree = ast.parse(recipe_path.read_text(), filename=str(recipe_path))
    cls = conanfile_class(tree, recipe_path)
    attrs = class_attributes(cls)
    meths = methods(cls)
    cmakelists = (src / "CMakeLists.txt").read_text()
    config_in = (src / "cmake" / "weftConfig.cmake.in").read_text()
    manifest = json.loads((src / "ports" / "weft" / "vcpkg.json").read_text())

    print(f"[recipe] {recipe_path}")
    # Conan 2
    modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    check(not any(m == "conans" or m.startswith("conans.") for m in modules)
          and any(m == "conan" or m.startswith("conan.") for m in modules),
          "imports from conan (Conan 2), never conans (Conan 1)",
          f"imports must come from conan.*, not conans.*: {modules}")
    required = next((ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                     and any(isinstance(t, ast.Name) and t.id == "required_conan_version"
                             for t in n.targets)), None)
    check(isinstance(required, str) and re.fullmatch(r">=\s*2(\..*)?", required),
          f"required_conan_version {required}",
          f"required_conan_version must be '>=2...', is {required!r}")

    # Identity
    version = project_version(cmakelists)
    check(attrs.get("name") == "weft", "name weft", f"name is {attrs.get('name')!r}")
    check(attrs.get("version") == version, f"version {version} = project(weft VERSION)",
          f"version {attrs.get('version')!r} differs from project(weft VERSION {version})")

    # Header-only rules
    check(attrs.get("package_type") == "header-library", "package_type header-library",
          f"package_type is {attrs.get('package_type')!r}, must be 'header-library'")
    check(attrs.get("no_copy_source") is True, "no_copy_source = True",
          "no_copy_source must be True (nothing is built from the sources)")
    pid = meths.get("package_id")
    check(pid is not None and any(dotted(c.func) == "self.info.clear" for c in calls(pid)),
          "package_id() clears the info: one package for every configuration",
          "package_id() must call self.info.clear()")
    settings = attrs.get("settings")
    settings = (settings,) if isinstance(settings, str) else tuple(settings or ())
    check(set(settings) >= {"os", "arch", "compiler", "build_type"},
          "settings os, arch, compiler, build_type (validate() reads the compiler)",
          f"settings must include os, arch, compiler, build_type: {settings}")

    # Options: with_<component> for each CMake component and vcpkg feature
    components = set(re.findall(r'_weft_comp STREQUAL "(\w+)"', config_in))
    for group in re.findall(r'_weft_comp MATCHES "\^\(([\w|]+)\)\$"', config_in):
        components |= set(group.split("|"))
    components = sorted(components)
    features = sorted(manifest.get("features", {}))
    expected_options = {f"with_{c}": [True, False] for c in components}
    options = attrs.get("options")
    check(options == expected_options,
          f"options {sorted(expected_options)}: one per CMake component {components}",
          f"options must be {expected_options}, are {options}")
    check(components == features,
          f"vcpkg features {features} = CMake components", f"vcpkg features {features} differ "
          f"from the CMake components {components}")
    defaults = attrs.get("default_options")
    check(isinstance(defaults, dict) and set(defaults) == set(expected_options)
          and all(v is False for v in defaults.values())
          and "default-features" not in manifest,
          "every backend off by default, like the vcpkg port and find_package without components",
          f"default_options must turn every with_* off (vcpkg has no default features): {defaults}")

    # Requirements
    cmake_eigen = re.search(r"find_package\(Eigen3\s+([0-9.]+)", cmakelists)
    config_eigen = re.search(r"Eigen3\s+([0-9.]+)\s+NO_MODULE", config_in)
    eigen_min = cmake_eigen.group(1) if cmake_eigen else None
    check(config_eigen and eigen_min and compare(parse_version(config_eigen.group(1)),
                                                 parse_version(eigen_min)) == 0,
          f"CMakeLists.txt and weftConfig.cmake both ask for Eigen3 {eigen_min}",
          "CMakeLists.txt and weftConfig.cmake.in ask for different Eigen versions")
    reqs = meths.get("requirements")
    found = requires_calls(reqs) if reqs else []
    tested = {"eigen": args.tested_eigen, "xtensor": args.tested_xtensor, **TESTED_RUNTIMES}
    seen = set()
    for guard, call in found:
        if not call.args or not isinstance(call.args[0], ast.Constant):
            fail("self.requires() with a reference that is not a string literal")
            continue
        ref = call.args[0].value
        pkg, _, rng = ref.partition("/")
        seen.add(pkg)
        print(f"[requires] {ref} under {'self.options.' + guard if guard else 'no option'}")
        owners = [f"with_{c}" for c, pkgs in OPTION_PACKAGES.items() if pkg in pkgs] or ["?"]
        check(guard in owners, f"{pkg} only when {guard}",
              f"{pkg} must be required under `if self.options.<one of {owners}>:` only")
        kw = {k.arg: k.value for k in call.keywords}
        check(isinstance(kw.get("transitive_headers"), ast.Constant)
              and kw["transitive_headers"].value is True,
              f"{pkg}: transitive_headers=True (weft's headers include {pkg}'s)",
              f"{pkg}: transitive_headers=True is needed: weft's headers include {pkg}'s")
        try:
            alternatives = parse_range(rng)
        except ValueError as e:
            fail(f"{pkg}: {e}: use a version range, Conan Center's versions are not Debian's")
            continue
        for where, v in (("Conan Center", CONAN_CENTER.get(pkg)), ("this build", tested.get(pkg))):
            if v:
                check(admits(alternatives, v), f"{pkg} {rng} admits {v} ({where})",
                      f"{pkg} {rng} refuses {v} ({where})")
        if pkg == "eigen" and eigen_min:
            lo = lower_bound(alternatives)
            check(lo is not None and compare(lo, parse_version(eigen_min)) == 0,
                  f"eigen's lower bound is CMake's Eigen3 {eigen_min}",
                  f"eigen's lower bound must be {eigen_min}, the version CMake asks for")
            check(not admits(alternatives, "4.0.0") and not admits(alternatives, "5.0.0"),
                  "eigen stays below 4 (find_dependency(Eigen3 3.4) accepts 3.x only)",
                  "eigen's range admits 4.x or 5.x, which find_dependency(Eigen3 3.4) refuses")
    expected_pkgs = set().union(*(OPTION_PACKAGES.get(c, {c}) for c in components))
    check(seen == expected_pkgs, f"requires {sorted(expected_pkgs)}, nothing else",
          f"requirements are {sorted(seen)}, must be {sorted(expected_pkgs)}")

    # Packaging
    exports = attrs.get("exports_sources")
    exports = (exports,) if isinstance(exports, str) else tuple(exports or ())
    check({"include/*", "LICENSE"} <= set(exports), f"exports_sources {exports}",
          f"exports_sources must list include/* and LICENSE: {exports}")
    pkg_calls = calls(meths["package"]) if "package" in meths else []
    copied = {c.args[1].value for c in pkg_calls if dotted(c.func) == "copy" and len(c.args) > 1
              and isinstance(c.args[1], ast.Constant)}
    check({"LICENSE", "*.hpp"} <= copied, "package() copies LICENSE and the headers",
          f"package() must copy LICENSE and *.hpp, copies {sorted(copied)}")
    info = meths.get("package_info")
    props = {}
    empties = set()
    if info:
        for c in calls(info):
            if dotted(c.func) == "self.cpp_info.set_property" and len(c.args) == 2:
                try:
                    props[ast.literal_eval(c.args[0])] = ast.literal_eval(c.args[1])
                except ValueError:
                    pass
        for n in ast.walk(info):
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.List) and not n.value.elts:
                empties |= {dotted(t) for t in n.targets}
    check(props.get("cmake_file_name") == "weft" and props.get("cmake_target_name") == "weft::weft",
          "CMakeDeps names: find_package(weft), weft::weft, as weft's own config",
          f"package_info() must set cmake_file_name weft, cmake_target_name weft::weft: {props}")
    check({"self.cpp_info.bindirs", "self.cpp_info.libdirs"} <= empties,
          "no bin/ or lib/ directories declared", "package_info() must clear bindirs and libdirs")
    val = meths.get("validate")
    check(val is not None and any(dotted(c.func) == "check_min_cppstd" and len(c.args) == 2
                                  and ast.literal_eval(c.args[1]) in (20, "20")
                                  for c in calls(val)),
          "validate() checks C++20", "validate() must call check_min_cppstd(self, 20)")
    check("layout" in meths, "layout() defined", "layout() is missing")

    # test_package
    tp_dir = src / "test_package"
    tp_path = tp_dir / "conanfile.py"
    print(f"[test_package] {tp_path}")
    tp_tree = ast.parse(tp_path.read_text(), filename=str(tp_path))
    tp = conanfile_class(tp_tree, tp_path)
    tp_attrs = class_attributes(tp)
    tp_meths = methods(tp)
    gens = tp_attrs.get("generators", ())
    gens = {gens} if isinstance(gens, str) else set(gens)
    gens |= {dotted(c.func) for m in tp_meths.values() for c in calls(m)} & {"CMakeDeps",
                                                                           "CMakeToolchain"}
    check({"CMakeDeps", "CMakeToolchain"} <= gens, "CMakeDeps + CMakeToolchain",
          f"test_package must use CMakeDeps and CMakeToolchain, uses {sorted(gens)}")
    tp_reqs = [c for c in calls(tp_meths.get("requirements", tp)) if dotted(c.func) == "self.requires"]
    check(any(c.args and dotted(c.args[0]) == "self.tested_reference_str" for c in tp_reqs),
          "requires self.tested_reference_str", "test_package must require tested_reference_str")
    check("test" in tp_meths and any(dotted(c.func) == "can_run" for c in calls(tp_meths["test"])),
          "test() runs the program only when can_run()", "test() must be guarded by can_run(self)")
    tp_cmake = (tp_dir / "CMakeLists.txt").read_text()
    cache_vars = []
    for n in ast.walk(tp):
        if isinstance(n, ast.Subscript) and dotted(n.value).endswith("cache_variables"):
            cache_vars.append(ast.literal_eval(n.slice))
    for var in cache_vars:
        check(re.search(rf"\b{re.escape(var)}\b", tp_cmake) is not None,
              f"cache variable {var} is read by test_package/CMakeLists.txt",
              f"test_package sets {var}, test_package/CMakeLists.txt never reads it")
    check(sorted(cache_vars) == sorted(f"WEFT_WITH_{c.upper()}" for c in components),
          "test_package passes every with_* option to CMake",
          f"test_package must pass WEFT_WITH_<C> for each option, passes {cache_vars}")
    check((tp_dir / "test_package.cpp").exists(), "test_package.cpp exists",
          "test_package/test_package.cpp is missing")

    # License
    check((src / "LICENSE").exists(), "LICENSE exists", "no LICENSE at the repository root: package() copies it")
    check(attrs.get("license") is not None and attrs.get("license") == manifest.get("license"),
          f"license {attrs.get('license')} = vcpkg.json's",
          f"conanfile.py license ({attrs.get('license')!r}) and vcpkg.json "
          f"license ({manifest.get('license')!r}) must both name the licence")

    print()
    if failures:
        print(f"conan recipe check: {len(failures)} rule(s) broken")
        return 1
    print("conan recipe check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
