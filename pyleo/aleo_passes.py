"""Passes over the structured instructions (:mod:`pyleo.aleo_code`), each linear in the instructions.

Constant folding and common subexpressions are handled as instructions are built
(:meth:`pyleo.emit_aleo.FunctionEmitter.emit`: an operation on constants becomes a constant, an
instruction identical to an earlier one reuses its register); the passes here need the whole
function:

- :func:`eliminate_dead`: snarkVM synthesizes every instruction, read or not (an unused ``ternary``
  costs a constraint), so instructions nothing reads are dropped, but only those that can never halt:
  the interpreter computes every value and must halt exactly where the circuit does.
"""

from __future__ import annotations

from .aleo_code import Function, Reg


def eliminate_dead(fn: Function) -> Function:
    """``fn`` without the never-halting instructions that no output, assert or kept instruction reads
    (transitively): one backward sweep with the set of registers read so far."""
    live = {p.reg for p in fn.outputs}
    kept = []
    for ins in reversed(fn.body):
        if ins.pure and ins.result not in live:
            continue
        kept.append(ins)
        live.update(op.id for op in ins.operands if isinstance(op, Reg))
    kept.reverse()
    return Function(fn.name, fn.inputs, kept, fn.outputs)
