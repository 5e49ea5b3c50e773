"""Every back end handles every IR node kind (one method per node, as in sqlglot's generators)."""

from __future__ import annotations

import pytest

from pyleo import ir
from pyleo.emit_aleo import FunctionEmitter
from pyleo.emit_leo import LeoEmitter
from pyleo.interp import Interpreter

EXPRS = [c for c in vars(ir).values() if isinstance(c, type) and issubclass(c, ir.Expr) and c is not ir.Expr]
STMTS = [c for c in vars(ir).values() if isinstance(c, type) and issubclass(c, ir.Stmt) and c is not ir.Stmt]


@pytest.mark.parametrize("backend", [Interpreter, FunctionEmitter, LeoEmitter])
def test_every_node_kind_has_a_handler(backend: type) -> None:
    missing = [c.__name__ for c in EXPRS if not hasattr(backend, f"expr_{c.__name__}")]
    missing += [c.__name__ for c in STMTS if not hasattr(backend, f"stmt_{c.__name__}")]
    assert not missing, f"{backend.__name__} lacks handlers for {missing}"
    assert len(EXPRS) >= 14 and len(STMTS) >= 6


def _pyleo_imports(module: str) -> set[str]:
    """The pyleo modules ``module`` imports (``from . import x``, ``from .x import y``), read from its source."""
    import ast
    from pathlib import Path

    import pyleo

    root = Path(pyleo.__file__).parent
    tree = ast.parse((root / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {a.name for a in node.names}
    return found


def test_the_checker_does_not_import_the_interpreter() -> None:
    """Checking (check, check_expr, comptime and what they import, transitively) never needs the interpreter:
    the user-facing DslFunction (pyleo.dsl), which runs it when called, imports both instead."""
    seen, todo = set(), ["check"]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo += [n for n in _pyleo_imports(m) if n not in ("vm",)]
    assert {"check_expr", "comptime", "parse"} <= seen
    assert "interp" not in seen and "dsl" not in seen
    assert {"check", "interp"} <= _pyleo_imports("dsl")
