"""The converters' import structure (issue 22): every module of stdlib_ml/convert imports alone in a fresh
interpreter, the package's import graph (function-level imports included) has no cycle, no module
imports another's private name, and the framework-neutral modules import no ML framework and no
frontend (the frontends are the registry's, :data:`stdlib_ml.convert.frontends.FRONTENDS`)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from stdlib_ml.convert import frontends

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "stdlib_ml" / "convert"
FRAMEWORKS = ("sklearn", "torch", "keras", "onnx", "xgboost", "tensorflow", "joblib", "onnxruntime")
FRONTEND_MODULES = {f"stdlib_ml.convert{m}" for f in frontends.FRONTENDS for m in (f.module, *f.parts)}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, list[str]]]:
    """Every import in the module (at any depth): (the absolute module imported, the names taken from it)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [a.name for a in node.names]
            found.append((target, names))
            found += [(f"{target}.{n}", []) for n in names if f"{target}.{n}" in MODULES]   # `from . import nn`
    return found


def _graph() -> dict[str, set[str]]:
    return {name: {t for t, _ in _imports(name, path) if t in MODULES and t != name} for name, path in MODULES.items()}


def test_the_import_graph_has_no_cycle() -> None:
    graph = _graph()
    # a package imports its own submodules to re-export them; that is not a circle (the submodules
    # never need the package's namespace), so edges from a package to its own children are left out
    for name in graph:
        graph[name] = {t for t in graph[name] if not (MODULES[name].name == "__init__.py" and t.startswith(name + "."))}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                raise AssertionError("import circle: " + " → ".join(stack[stack.index(m):] + [m]))
            if m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)


def test_no_private_name_is_imported_across_modules() -> None:
    bad = [f"{name}: from {t} import {n}" for name, path in MODULES.items() for t, names in _imports(name, path)
           for n in names if n.startswith("_") and n != "__future__" and t != "__future__"]
    assert bad == []


def test_framework_neutral_modules_import_no_framework_and_no_frontend() -> None:
    neutral = [n for n in MODULES if n not in FRONTEND_MODULES and n != "stdlib_ml.convert"
               and n != "stdlib_ml.convert.api"]
    assert {"stdlib_ml.convert.options", "stdlib_ml.convert.quantize", "stdlib_ml.convert.fidelity",
            "stdlib_ml.convert.pipeline", "stdlib_ml.convert.render", "stdlib_ml.convert.nn.lowering"} <= set(neutral)
    bad = []
    for name in neutral:
        for target, _ in _imports(name, MODULES[name]):
            if target.split(".")[0] in FRAMEWORKS or target in FRONTEND_MODULES:
                bad.append(f"{name} imports {target}")
    assert bad == []


def test_no_frontend_imports_api() -> None:
    bad = [f"{name} imports the api" for name in FRONTEND_MODULES
           for target, _ in _imports(name, MODULES[name]) if target == "stdlib_ml.convert.api"]
    assert bad == []


def test_each_module_imports_alone_in_a_fresh_interpreter_without_a_framework() -> None:
    code = ("import importlib, sys; importlib.import_module(sys.argv[1]); "
            f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))")
    procs = {name: subprocess.Popen([sys.executable, "-c", code, name], cwd=ROOT, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for name in MODULES}
    results = {name: p.communicate(timeout=300) + (p.returncode,) for name, p in procs.items()}
    failed = {name: err.strip().splitlines()[-1] for name, (out, err, rc) in results.items() if rc != 0}
    assert failed == {}
    loaded = {name: out.strip() for name, (out, _, _) in results.items() if out.strip() != "[]"}
    assert loaded == {}


@pytest.mark.parametrize("frontend", frontends.FRONTENDS, ids=lambda f: f.name)
def test_every_frontend_implements_the_registry_interface(frontend: frontends.Frontend) -> None:
    impl = frontend.impl()
    for attr in ("recognises", "load", "float_model", "FAMILIES", "PRIVATE", frontend.entry):
        assert hasattr(impl, attr), f"{frontend.module} lacks {attr}"
    from stdlib_ml import convert

    assert impl.FAMILIES in convert.SUPPORTED and impl.PRIVATE in convert.PRIVATE_FAMILIES
