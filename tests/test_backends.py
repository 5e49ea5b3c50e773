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
