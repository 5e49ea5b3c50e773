"""snarkVM's and the network's numbers, in one place, each with where it comes from, and the checks that
name them in errors.

"Measured" means measured here with aleo-sdk 0.8.0 / snarkVM 4.12 (the value accepted, one more
rejected); "snarkVM" names the source file of ProvableHQ/snarkVM it is read from (2026; see
docs SNARKVM.md). The network's deployment caps have been raised several times (consensus versions
V14, V16, V19); update the numbers here and every check and error message follows. Every other module
imports them from here: a test (tests/test_limits.py) finds such numbers written anywhere else.
"""

from __future__ import annotations

from . import ir
from .errors import LimitError
from .types import ArrayType, BoolType, IntType, ScalarType, StructType, TupleType, Type

# --------------------------------------------------------------------------------------------
# One circuit, here and on the network

LOCAL_BUDGET = 16_384
"""Constraints of the largest circuit (one function) the degree-16 universal parameters installed here
prove (:data:`pyleo.params.DEGREE`; 2^14). Measured: 16,301 proved, 16,433 failed asking for the degree-17
parameters."""
MAINNET_BUDGET = 2**22
"""Constraints of a deployed program on mainnet (2^22 = 4,194,304; 2^21 before consensus V19), and as many
variables: snarkVM console/network/src/lib.rs (the deployment limits by consensus version)."""

# --------------------------------------------------------------------------------------------
# One program

MAX_INPUTS = 16
"""Inputs of one function. Measured (17 rejected); snarkVM console/network/src/lib.rs ``MAX_INPUTS``."""
MAX_OUTPUTS = 16
"""Outputs of one function. Measured (17 rejected); snarkVM console/network/src/lib.rs ``MAX_OUTPUTS``."""
MAX_FUNCTIONS = 31
"""Functions of one program. Measured (32 rejected); snarkVM console/network/src/lib.rs ``MAX_FUNCTIONS``."""
MAX_ARRAY_LENGTH = 2048
"""Elements of an array, per dimension (nestable). Measured (2,049 rejected); snarkVM
console/network/src/lib.rs (2,048 since consensus V14)."""
MAX_STRUCT_MEMBERS = 32
"""Members of one struct. Measured (33 rejected); snarkVM console/network/src/lib.rs ``MAX_STRUCT_ENTRIES``."""
MAX_MEMBER_BITS = 65535
"""snarkVM writes each struct member and array element with its size in bits as a u16 before it (the
plaintext's bit encoding, which hashes, commitments and every function input and output use), so one
member or element encodes to at most u16::MAX bits (read from snarkVM's ``Plaintext::write_bits_le``)."""
MAX_IDENTIFIER_LENGTH = 31
"""Bytes of an identifier (program, function, struct or member name). Measured: 31 accepted, 32 rejected
("Identifiers must be <= 31 bytes long"; an identifier is packed into one field element's 248 data bits)."""
MAX_INSTRUCTIONS = 65535
"""snarkVM's cap on instructions per function (``N::MAX_INSTRUCTIONS``, u16::MAX; read from snarkVM's sources)."""
MAX_PROGRAM_BYTES = 2_048_000
"""Bytes of a program's text: snarkVM console/network/src/lib.rs ``MAX_PROGRAM_SIZE`` (512,000 from
consensus V14, 2,048,000 from V16)."""

# --------------------------------------------------------------------------------------------
# One transaction and the chain

MAX_TRANSACTION_BYTES = 2_304_000
"""Bytes of one transaction (an execution or a deployment with its fee): snarkVM
console/network/src/lib.rs ``MAX_TRANSACTION_SIZE`` (768,000 before consensus V16)."""
MAX_TRANSITIONS = 32
"""Transitions of one transaction, the fee's included: snarkVM ledger/block/src/transaction
(``Transaction::MAX_TRANSITIONS``, 2^``TRANSACTION_DEPTH``)."""
CONSENSUS_V20_HEIGHT = 22_175_000
"""The first mainnet block of consensus V20, the newest version whose proofs use Varuna V2 (V21 brings
Varuna V3): snarkVM console/network/src/consensus_heights.rs."""

MAX_DEPLOYMENT_VARIABLES = 2**22
"""Variables of a deployed program's circuits together, like :data:`MAINNET_BUDGET` for constraints (2^21
before consensus V19): snarkVM console/network/src/lib.rs."""

# --------------------------------------------------------------------------------------------
# Fees (snarkVM computes every fee itself, ``Process.deployment_cost`` / ``execution_cost``; these are the
# numbers pyleo explains them with)

MICROCREDITS_PER_CREDIT = 1_000_000
"""One Aleo credit is 10^6 microcredits (snarkVM's fees and balances are in microcredits)."""
NAMESPACE_BASE_LENGTH = 10
"""A program name (``.aleo`` not counted) of length L pays a namespace fee of 10^max(0, 10 - L) credits: 1 credit
from this many characters on, 10,000 credits for 6: snarkVM synthesizer/process/src/cost.rs. Measured here with
``Process.deployment_cost``: ``scorer`` 10,001,029,798 microcredits, ``linear_scorer`` 2,037,070 (1 credit of
namespace, the rest storage, synthesis and constructor: 1,029,798 and 1,037,070)."""

SINCE: dict[str, str] = {
    "MAINNET_BUDGET": "consensus V19",
    "MAX_DEPLOYMENT_VARIABLES": "consensus V19",
    "MAX_PROGRAM_BYTES": "consensus V16",
    "MAX_TRANSACTION_BYTES": "consensus V16",
    "MAX_FUNCTIONS": "consensus V1",
    "MAX_IDENTIFIER_LENGTH": "consensus V1",
    "MAX_TRANSITIONS": "consensus V1",
    "NAMESPACE_BASE_LENGTH": "consensus V1",
}
"""The consensus version each network limit above comes from (the one that last changed it), for messages."""

HISTORY: dict[str, tuple[tuple[str, int], ...]] = {
    "MAINNET_BUDGET": (("before V19", 2**21), ("V19", MAINNET_BUDGET)),
    "MAX_DEPLOYMENT_VARIABLES": (("before V19", 2**21), ("V19", MAX_DEPLOYMENT_VARIABLES)),
    "MAX_PROGRAM_BYTES": (("V14", 512_000), ("V16", MAX_PROGRAM_BYTES)),
    "MAX_TRANSACTION_BYTES": (("before V16", 768_000), ("V16", MAX_TRANSACTION_BYTES)),
}
"""The network limits that changed, by consensus version (oldest first; the last is today's, the constant
above), as snarkVM console/network/src/lib.rs records them: a deployment judged under an older version's rules
(a node behind the chain) meets these."""


def namespace_fee(program_name: str) -> int:
    """Microcredits the network charges for the name of a program deployed as ``program_name`` (with or without
    ``.aleo``), on top of storage, synthesis and constructor: 10^max(0, 10 - length) credits
    (:data:`NAMESPACE_BASE_LENGTH`)."""
    length = len(program_name.removesuffix(".aleo"))
    return 10 ** max(0, NAMESPACE_BASE_LENGTH - length) * MICROCREDITS_PER_CREDIT


NAME_SUFFIX = "_zk_model"
"""What pyleo appends to a program name it derives (from a model's class) when shorter than
:data:`NAMESPACE_BASE_LENGTH` characters, so that deploying it pays the base namespace fee only."""


def derived_program_name(name: str) -> str:
    """``name`` (a program name pyleo derives, e.g. ``svc`` from ``SVC``) when it has at least
    :data:`NAMESPACE_BASE_LENGTH` characters, else ``name + "_zk_model"`` (``svc_zk_model``: 10^7 credits less to
    deploy); at most :data:`MAX_IDENTIFIER_LENGTH` bytes either way."""
    return (name if len(name) >= NAMESPACE_BASE_LENGTH else name + NAME_SUFFIX)[:MAX_IDENTIFIER_LENGTH]


def namespace_warning(program_name: str) -> str | None:
    """A warning naming the namespace fee a name shorter than :data:`NAMESPACE_BASE_LENGTH` characters adds to its
    deployment, or None for a name that pays only the base fee (1 credit)."""
    fee = namespace_fee(program_name)
    base = namespace_fee("x" * NAMESPACE_BASE_LENGTH)
    if fee == base:
        return None
    name = program_name.removesuffix(".aleo")
    return (f"the program name `{name}` has {len(name)} characters: deploying it on the Aleo network costs a namespace "
            f"fee of {fee // MICROCREDITS_PER_CREDIT:,} credits ({fee:,} microcredits); names of "
            f"{NAMESPACE_BASE_LENGTH}+ characters pay {base // MICROCREDITS_PER_CREDIT} credit "
            f"({SINCE['NAMESPACE_BASE_LENGTH']}, snarkVM cost.rs)")



def plaintext_bits(t: Type) -> int:
    """Bits of snarkVM's encoding of a value of type ``t``: a 2-bit variant, sizes, then the values
    (an array: 32-bit length, each element after its 16-bit size; a struct: each member after its
    name and 16-bit size; a literal: 8-bit type, 16-bit size, its bits; field 253, scalar 251)."""
    if isinstance(t, ArrayType):
        return 2 + 32 + int(t.size) * (16 + plaintext_bits(t.elem))
    if isinstance(t, StructType):
        return 2 + 8 + sum(8 + 8 * len(name) + 16 + plaintext_bits(ft) for name, ft in t.fields)
    bits = t.bits if isinstance(t, IntType) else 1 if isinstance(t, BoolType) else 251 if isinstance(t, ScalarType) else 253
    return 2 + 8 + 16 + bits


def oversized_member(t: Type) -> str | None:
    """A sentence naming the first struct member or array element of ``t`` (depth first) whose encoding
    exceeds :data:`MAX_MEMBER_BITS`, or None when every one fits."""
    inner = ([("an element", t.elem)] if isinstance(t, ArrayType) else
             [(f"member {t.name}.{name}", ft) for name, ft in t.fields] if isinstance(t, StructType) else
             list(zip(("an item",) * len(t.items), t.items)) if isinstance(t, TupleType) else [])
    for what, it in inner:
        bits = plaintext_bits(it)
        if bits > MAX_MEMBER_BITS and not isinstance(t, TupleType):
            return (f"{what} of type {it.aleo()} encodes to {bits:,} bits; snarkVM writes each struct member and "
                    f"array element in at most {MAX_MEMBER_BITS:,} bits (u16::MAX)")
        found = oversized_member(it)
        if found:
            return found
    return None


MEMBER_BITS_HINT = "make that member smaller: split it into several members, or use fewer or narrower values"


def check_type_limits(t: Type, where: str, fn: ir.Function) -> None:
    if isinstance(t, ArrayType):
        if int(t.size) > MAX_ARRAY_LENGTH:
            raise LimitError(f"{where} of `{fn.name}` has an array of {t.size} elements; snarkVM allows at most "
                             f"{MAX_ARRAY_LENGTH} per dimension ({int(t.size) - MAX_ARRAY_LENGTH} too many)", fn.loc,
                             "use a nested array (a matrix) or split the input")
        check_type_limits(t.elem, where, fn)
    elif isinstance(t, StructType):
        if len(t.fields) > MAX_STRUCT_MEMBERS:
            raise LimitError(f"struct {t.name} has {len(t.fields)} members; snarkVM allows at most {MAX_STRUCT_MEMBERS}",
                             fn.loc, "group members into arrays or nested structs")
        for _, ft in t.fields:
            check_type_limits(ft, where, fn)
    elif isinstance(t, TupleType):
        for it in t.items:
            check_type_limits(it, where, fn)


def check_function_limits(fn: ir.Function) -> None:
    """Raise :class:`LimitError` naming the limit when an entry point cannot be a snarkVM function."""
    if len(fn.params) > MAX_INPUTS:
        raise LimitError(f"`{fn.name}` has {len(fn.params)} inputs; snarkVM allows at most {MAX_INPUTS} "
                         f"({len(fn.params) - MAX_INPUTS} too many)", fn.loc, "pack inputs into arrays or structs")
    if len(fn.returns) > MAX_OUTPUTS:
        raise LimitError(f"`{fn.name}` has {len(fn.returns)} outputs; snarkVM allows at most {MAX_OUTPUTS}", fn.loc,
                         "return an array or a struct")
    for p in fn.params:
        check_type_limits(p.type, f"parameter `{p.name}`", fn)
    for t in fn.returns:
        check_type_limits(t, "the result", fn)
    for where, t in [(f"parameter `{p.name}`", p.type) for p in fn.params] + [("the result", t) for t in fn.returns]:
        found = oversized_member(t)
        if found:
            raise LimitError(f"{where} of `{fn.name}`: {found}", fn.loc, MEMBER_BITS_HINT)


# --------------------------------------------------------------------------------------------
# pyleo's own bounds

MAX_UNROLLED_OPERATIONS = 2**20
"""pyleo's own cap on one function's unrolled operations (loops unrolled, helpers inlined, counted by
:func:`unrolled_operations`): 16× snarkVM's :data:`MAX_INSTRUCTIONS`, so that a model beyond snarkVM's
limits can still be interpreted and costed (and split), while `for i in range(10**9)` stops at once
instead of unrolling for minutes."""
MAX_EXPRESSION_DEPTH = 1000
"""pyleo's own cap on how deeply one expression nests (``a + a + … + a`` with 1,000 terms,
``x ** 1000``): the compiler walks expressions recursively."""


def unrolled_operations(stmts: list[ir.Stmt], helpers: dict[int, int]) -> int:
    """A lower bound on the operations a block unrolls to (each loop iteration counts at least one).

    Counted: arithmetic, comparisons, casts, selects, hashes, commitments, run-time indexing and
    asserts; a helper call counts its body (``helpers``: memo by ``id`` of the ``ir.Function``); a
    static ``if`` (decided while unrolling) counts its smaller side.
    """
    total = 0
    for s in stmts:
        if isinstance(s, ir.For):
            trips = len(range(s.start, s.stop, s.step))
            total += trips * max(1, unrolled_operations(s.body, helpers))
        elif isinstance(s, ir.If):
            then, orelse = unrolled_operations(s.then, helpers), unrolled_operations(s.orelse, helpers)
            total += min(then, orelse) if s.static else expression_operations(s.cond, helpers) + then + orelse
        elif isinstance(s, ir.Assert):
            total += 1 + expression_operations(s.cond, helpers)
        elif isinstance(s, (ir.Let, ir.Assign, ir.Return)):
            total += expression_operations(s.value, helpers) if s.value is not None else 0
            total += sum(expression_operations(p, helpers) for p in getattr(s, "path", []) if isinstance(p, ir.Expr))
    return total


def expression_operations(e: ir.Expr, helpers: dict[int, int]) -> int:
    """The operations of one expression (see :func:`unrolled_operations`), walked without recursion."""
    total, todo = 0, [e]
    while todo:
        x = todo.pop()
        if isinstance(x, ir.Call):
            if id(x.function) not in helpers:
                helpers[id(x.function)] = unrolled_operations(x.function.body, helpers)
            total += helpers[id(x.function)]
            todo.extend(x.args)
            continue
        if isinstance(x, (ir.Binary, ir.Unary, ir.Cast, ir.Select, ir.Hash, ir.Commit)) or \
                isinstance(x, ir.Index) and not isinstance(x.index, ir.Const):
            total += 1
        for v in vars(x).values():
            if isinstance(v, ir.Expr):
                todo.append(v)
            elif isinstance(v, list):
                todo.extend(i[1] if isinstance(i, tuple) else i for i in v
                            if isinstance(i, ir.Expr) or isinstance(i, tuple) and isinstance(i[1], ir.Expr))
    return total
