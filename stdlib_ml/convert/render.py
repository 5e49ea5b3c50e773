"""The model file: :class:`Spec` (everything a generated file says) and :func:`render` (its DSL source)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import fixed
from .model import PARAM_PACKING, PRIVATE_WEIGHTS_LINE, ConversionError
from .packing import input_word_bits, param_word_bits


# ---- the generated file -------------------------------------------------------------------------
@dataclass
class Spec:
    """Everything a model file says: encodings, constants, stdlib pieces, the body of ``predict``."""

    name: str
    title: str
    kind: str
    n_features: int
    in_bits: np.ndarray  # per circuit input
    low: np.ndarray
    high: np.ndarray
    columns: list[int] | None = None  # feature carried by each circuit input (None: input j is feature j)
    missing_sides: list[str] | None = None  # per input, where a missing value sits; None: no missing values
    missing_value: float | None = None  # a finite value that also means "missing" (XGBoost's `missing`)
    fidelity: dict[str, Any] | None = None
    clamp: bool = False
    # trees with public weights: per circuit input, the sorted distinct thresholds of its feature; the
    # input is then the value's rank among them (None: the value quantized at 2**IN_BITS)
    rank_thresholds: list[list[float]] | None = None
    rank_strict: bool = False  # ranks count thresholds t <= x (strict trees, "x < t" goes left), else t < x
    float32: bool = False
    classes: list[Any] | None = None
    out_scale: str | None = None
    notes: list[str] = field(default_factory=list)
    constants: list[tuple[str, str, str]] = field(default_factory=list)  # name, text, comment
    setup: list[tuple[str, str]] = field(default_factory=list)  # line, comment
    body: list[str] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    params: dict[str, np.ndarray] = field(default_factory=dict)  # the model's parameters (integers), by name
    weights: str = "public"  # "public": parameters are constants; "private": inputs under a commitment
    inputs: str = "private"  # visibility of the sample x: "private" or "public"
    output: str = "public"  # the label: "public", "private" (encrypted to the prover), or "commitment"
    blinding: int | None = None  # private weights: the commitment's blinding value (u128)
    response: str = "predict"  # what predict outputs (options.RESPONSES): the label / value, or a score
    threshold: float | None = None  # scores: the output is "the positive class's score >= threshold" (public bool)
    link: str = "identity"  # scores: how decode maps the fixed-point scores to the library's (quantize.LINKS)
    n_scores: int = 0  # scores: how many fixed-point field values predict outputs (at OUT_SCALE)
    link_params: dict[str, float] | None = None  # scores: the link's constants (LINK_PARAMS), e.g. IsolationForest's
    prepare: list[tuple[Any, ...]] | None = None  # raw columns → numbers before quantization (prepare.apply)
    raw_features: int | None = None  # with prepare: the raw columns a sample has
    feature_names: list[str] | None = None  # the raw columns' names (a DataFrame's), or None
    domain: list[list[Any]] | None = None  # per feature, where folded functions are defined (Affine.domain)
    sample_shape: tuple[int, ...] | None = None  # a network's input of more than one axis: one sample's shape
    # an approximated model with a proved bound: per row (n, n_features), how far its exact float decision lies
    # beyond the bound (<= 0: the approximation could change the label); the fidelity check flags those rows
    margin: Callable[[np.ndarray], np.ndarray] | None = None

    def const(self, name: str, value: Any, comment: str = "") -> None:
        self.constants.append((name, format_value(value), comment))

    def param(self, name: str, value: Any, comment: str = "") -> None:
        """A model parameter (integers, any shape): a constant with public weights, with private
        weights a member of the ``Weights`` input (the owner's value kept in ``OWNER_WEIGHTS``)."""
        self.params[name] = np.asarray(value, dtype=object)
        self.const(name, value, comment)

    def use(self, line: str, comment: str = "") -> None:
        self.setup.append((line, comment))

    @property
    def n_inputs(self) -> int:
        return len(self.columns) if self.columns is not None else self.n_features

    def input_codes(self) -> tuple[list[int], list[int], int]:
        """(INPUT_WIDTHS, INPUT_ZERO, INPUT_WORD_BITS): per circuit input the bits of its offset code
        and the quantized value whose code is 0, from the range [INPUT_LOW, INPUT_HIGH] at 2**IN_BITS
        (one step wider on each side when missing values are encoded there); and the width of the
        words they are packed into: of :data:`stdlib_ml.fixed.WORD_BITS`, the one whose array the cost
        model's fitted transition charges least (:func:`input_word_bits`)."""
        pad = 1 if self.missing_sides is not None else 0
        low = [int(v) - pad for v in fixed.quantize(self.low, self.in_bits)]
        high = [int(v) + pad for v in fixed.quantize(self.high, self.in_bits)]
        widths = [fixed.code_width(h - lo) for lo, h in zip(low, high)]
        return widths, low, input_word_bits(widths, self.inputs)

    @property
    def out_type(self) -> str:
        if self.threshold is not None:
            return "pl.Bool"
        if self.response != "predict":
            return f"pl.Array[pl.Field, {self.n_scores}]"
        return "pl.I64" if self.kind == "regressor" else "pl.U8"


def format_value(value: Any, indent: int = 0, width: int = 110) -> str:
    """A constant as Python source: nested lists wrapped to ``width`` columns."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        items = [format_value(v, indent + 4, width) for v in value]
        flat = "[" + ", ".join(items) + "]"
        if len(flat) + indent <= width and "\n" not in flat:
            return flat
        if all(not isinstance(v, (list, tuple, np.ndarray)) for v in value):
            lines, cur = [], ""
            for it in items:
                if cur and len(cur) + len(it) + 2 + indent + 4 > width:
                    lines.append(cur.rstrip())
                    cur = ""
                cur += it + ", "
            lines.append(cur.rstrip().rstrip(","))
            pad = " " * (indent + 4)
            return "[\n" + ",\n".join(pad + ln.rstrip(",") for ln in lines) + ",\n" + " " * indent + "]"
        pad = " " * (indent + 4)
        return "[\n" + "".join(f"{pad}{it},\n" for it in items) + " " * indent + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {format_value(v, indent + 4, width)}" for k, v in value.items()) + "}"
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):   # NaN and infinities as builtins: a bare ``nan`` is no Python name
        return repr(float(value)) if np.isfinite(value) else f"float({str(float(value))!r})"
    if isinstance(value, str):
        return repr(str(value))          # numpy 2 writes np.str_ as "np.str_(...)": the file must not need numpy
    if value is None:
        return "None"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as a constant")


def render(spec: Spec) -> str:
    """The model file for ``spec``."""
    mods = sorted({"fixed", "linalg"} | spec.imports)
    widths, zero, word_bits = spec.input_codes()
    n_words = fixed.pack_words(widths, word_bits)
    if spec.threshold is not None:
        out_doc = (f"whether {spec.response}'s score of the positive class is at least THRESHOLD = {spec.threshold!r}, "
                   "as a public bool (the score itself is not revealed)")
    elif spec.response != "predict":
        out_doc = (f"{spec.response}'s {spec.n_scores} score(s)·OUT_SCALE as field values (negatives as p − |v|), "
                   f"OUT_SCALE = {spec.out_scale}; decode applies LINK = {spec.link!r}")
    elif spec.kind == "regressor":
        out_doc = f"y·OUT_SCALE as a public i64 (OUT_SCALE = {spec.out_scale})"
    elif spec.kind == "clusterer":
        out_doc = "the cluster index as a public u8"
    else:
        out_doc = "the index into CLASSES of the predicted class, as a public u8"
    lines = [
        f'"""{spec.title}',
        "",
        "Generated by stdlib_ml.convert; edit freely, then `pyleo build` / `pyleo run` / `pyleo prove` this file,",
        "or `stdlib_ml.convert.load(path)` it for scikit-learn-like predict / prove / verify.",
        "",
        f"Input: {spec.n_features} raw feature values (floats) as `pyleo run/prove` and convert.load(path).encode take them;",
        *([f"the circuit gets its {spec.n_inputs} inputs q: input j the rank of sample[COLUMNS[j]] among RANK_THRESHOLDS[j]",
           f"(the number of thresholds t with {'t <= x' if spec.rank_strict else 't < x'}: a node at RANK_THRESHOLDS[j][k] goes left exactly when q <= k),",
           "in [INPUT_LOW[j], INPUT_HIGH[j]] = [0, len(RANK_THRESHOLDS[j])] for any value (IN_BITS = 0),"]
          if spec.rank_thresholds is not None else
          [f"the circuit gets its {spec.n_inputs} inputs q = fixed.quantize(sample[COLUMNS], IN_BITS), input j at its own scale",
           f"2**IN_BITS[j], in [INPUT_LOW[j], INPUT_HIGH[j]] ({'values outside are clamped' if spec.clamp else 'the range the sign tests below are sized for; values outside are rejected'}),"]),
        f"as codes q - INPUT_ZERO[j] of INPUT_WIDTHS[j] bits bit-packed into x: {n_words} u{word_bits} (fixed.pack; the",
        "transition charges per input element and bit, so each input travels in the bits its range needs).",
        f"Output: {out_doc}.",
        *([""] + spec.notes if spec.notes else []),
        '"""',
        "",
        "import pyleo as pl",
        f"from stdlib_ml import {', '.join(mods)}",
        "",
        "# ---- encodings (read by stdlib_ml.convert.load) ----",
        f"KIND = {spec.kind!r}",
        f"N_FEATURES = {spec.n_features}",
        f"IN_BITS = {format_value([int(b) for b in spec.in_bits], 10)}",
        f"COLUMNS = {format_value(spec.columns if spec.columns is not None else list(range(spec.n_features)), 10)}",
        f"INPUT_LOW = {format_value([float(v) for v in spec.low], 12)}",
        f"INPUT_HIGH = {format_value([float(v) for v in spec.high], 13)}",
        f"INPUT_WIDTHS = {format_value(widths, 15)}  # bits of each input's code",
        f"INPUT_ZERO = {format_value(zero, 13)}  # the quantized value whose code is 0, per input",
        f"INPUT_WORD_BITS = {word_bits}  # the codes travel packed in u{word_bits} words",
        f"OUT_OF_RANGE = {'clamp' if spec.clamp else 'reject'!r}",
        f"FLOAT32_INPUTS = {spec.float32}",
        f"CLASSES = {format_value(spec.classes, 10) if spec.classes is not None else None}",
        f"OUT_SCALE = {spec.out_scale}",
        *([f"LINK = {spec.link!r}  # decode: the prediction is exp(output / OUT_SCALE) (a GLM's log link)"]
          if spec.response == "predict" and spec.link != "identity" and spec.threshold is None else []),
        *([f"RESPONSE = {spec.response!r}  # what predict outputs: {spec.response}'s scores (fixed point, OUT_SCALE)",
           f"LINK = {spec.link!r}  # decode: the library's scores from the circuit's (identity, sigmoid, softmax, ovr)",
           f"THRESHOLD = {spec.threshold!r}  # not None: predict outputs only 'positive score >= THRESHOLD'",
           f"LINK_PARAMS = {format_value(spec.link_params)}  # the link's constants"]
          if spec.response != "predict" or spec.threshold is not None else []),
        *([f"FEATURE_NAMES = {format_value(spec.feature_names, 16)}  # a DataFrame's columns, matched by name"]
          if spec.feature_names is not None else []),
        *([f"SAMPLE_SHAPE = {tuple(int(d) for d in spec.sample_shape)}  # one sample as the network takes it "
           "(flattened in C order into the N_FEATURES)"] if spec.sample_shape is not None else []),
        *([f"RAW_FEATURES = {spec.raw_features}  # raw columns per sample (categories, missing values)",
           f"PREPARE = {format_value(spec.prepare, 10)}  # raw columns -> the N_FEATURES numbers (prepare.apply)"]
          if spec.prepare is not None else []),
        *([f"DOMAIN = {format_value(spec.domain, 9)}  # per feature: [low, high, the functions folded]; "
           "encode refuses values outside"] if spec.domain is not None else []),
        f"MISSING_SIDE = {format_value(spec.missing_sides, 15)}",
        f"MISSING_VALUE = {format_value(spec.missing_value)}",
        *([f"RANK_THRESHOLDS = {format_value(spec.rank_thresholds)}  # per input, its feature's sorted thresholds",
           f"RANK_STRICT = {spec.rank_strict}  # ranks count thresholds t <= x (True) or t < x (False)"]
          if spec.rank_thresholds is not None else []),
        f"INPUTS = {spec.inputs!r}  # the sample x: a private or a public input",
        f"OUTPUT = {spec.output!r}  # the label: public, private (encrypted to the prover), or commitment "
        "(private label, public BHP256 commitment to it with the prover's scalar r)",
        f"FIDELITY = {format_value(spec.fidelity, 11)}"
        + ("" if spec.fidelity else "  # not checked: converted without calibration rows"),
        "",
        "# ---- model constants (integers at the scales noted) ----",
    ]
    private = spec.weights == "private"
    for name, text, comment in spec.constants:
        if private and name in spec.params:
            continue
        if comment:
            lines.append(f"# {comment}")
        lines.append(f"{name} = {text}")
    if private:
        lines += _owner_lines(spec)
    lines += ["", "# ---- stdlib pieces, sign tests sized from worst-case bounds over the input range ----",
              "unpack = linalg.unpacker(INPUT_WIDTHS, INPUT_ZERO, INPUT_WORD_BITS)  # x (packed codes) -> the inputs q"]
    for line, comment in spec.setup:
        lines.append(f"{line}  # {comment}" if comment else line)
    what = ("decision" if spec.threshold is not None else "scores (times OUT_SCALE)" if spec.response != "predict" else
            {"regressor": "prediction (times OUT_SCALE)", "clusterer": "cluster"}.get(spec.kind, "class index"))
    body = list(spec.body)
    if private:
        body[:0] = [f"{name} = {_decode(name, v.shape, param_bits(v))}" for name, v in spec.params.items()]
        lines += ["", "", *_weights_struct(spec)]
    x_type = f"pl.Array[pl.U{word_bits}, {n_words}]"
    weights_arg = ["model: Weights"] if private else []
    args = [f"x: {f'pl.Public[{x_type}]' if spec.inputs == 'public' else x_type}", *weights_arg]
    names = "x, model" if private else "x"
    outs: list[str] = []
    if spec.output == "commitment":
        # The circuit outputs only the commitment (a private copy of the label as well would cost ~800
        # constraints more); the prediction is the inline `prediction_of`, which the prover runs in the clear.
        signature = ", ".join([f"x: {x_type}", *weights_arg])
        lines += ["", "", "@pl.inline", f"def prediction_of({signature}) -> {spec.out_type}:",
                  f'    """The {what} of one sample (committed to by ``predict``)."""',
                  "    xf = unpack(x)", *[f"    {b}" for b in body]]
        args.append("r: pl.Scalar")
        outs.append("pl.Public[pl.Field]")
        values = [f"pl.commit(prediction_of({names}), r)"]
        doc = [f"The public BHP256 commitment to the {what} of one sample, with the prover's secret scalar r"]
        body = []
    else:
        outs.append(f"pl.Public[{spec.out_type}]" if spec.output == "public" else spec.out_type)
        doc = [f"The {what} of one sample ({spec.output})"]
        assert body[-1].startswith("return ")
        values = [body.pop().removeprefix("return ")]
        body.insert(0, "xf = unpack(x)")
    if private:
        outs.append("pl.Public[pl.Field]")
        values.append("commitment(model)")
        doc.append("the public commitment to the private weights ``model``")
    body.append(f"return {', '.join(values)}")
    ret = outs[0] if len(outs) == 1 else f"tuple[{', '.join(outs)}]"
    lines += ["", "", "@pl.function", f"def predict({', '.join(args)}) -> {ret}:",
              f'    """{"; ".join(doc)}."""',
              *[f"    {b}" for b in body],
              "",
              "",
              f'prog = pl.Program("{spec.name}", [predict])',
              "",
              ]
    return "\n".join(lines)


def param_bits(values: np.ndarray) -> int:
    """The narrowest width (2, 4, 8 … 128 bits) holding every value offset by half its range
    (``v + 2**(bits-1)``): how a private parameter travels, packed into words (the transition charges
    per input bit)."""
    top = max((abs(int(v)) for v in values.ravel()), default=0)
    for bits in (2, 4, 8, 16, 32, 64, 128):
        if top < 2 ** (bits - 1):
            return bits
    raise ConversionError(f"a model parameter of magnitude 2**{top.bit_length()} does not fit a 128-bit private "
                          "input", hint="convert with weights='public', or narrow input_range")


def _decode(name: str, shape: tuple[int, ...], bits: int) -> str:
    """DSL expression decoding the member ``model.NAME`` (``shape``'s values, row-major, offset-encoded
    and packed into words, :func:`~stdlib_ml.convert.model.pack_words`) to signed field values: shifts
    and truncations of the words' bits, 0 constraints."""
    flat = "i0"
    for d in range(1, len(shape)):
        flat = f"({flat}) * {shape[d]} + i{d}"
    per = param_word_bits(int(np.prod(shape)), bits) // bits
    if per == 1:
        word = f"model.{name}[{flat}]"
    else:
        word = f"model.{name}[({flat}) // {per}] >> (({flat}) % {per} * {bits})"
        word = f"pl.cast_lossy({word}, pl.U{bits})" if bits >= 8 else f"pl.cast_lossy({word} & {2**bits - 1}, pl.U8)"
    expr = f"pl.Field({word}) - 2**{bits - 1}"
    for d in reversed(range(len(shape))):
        expr = f"[{expr} for i{d} in range({shape[d]})]"
    return expr


def _owner_lines(spec: Spec) -> list[str]:
    """The private-weights part of a model file: the owner's secret values and how they are packed."""
    bits = {name: param_bits(v) for name, v in spec.params.items()}
    return [
        "",
        "# ---- private weights (read by stdlib_ml.convert.load) ----",
        "# THIS FILE IS THE MODEL OWNER'S SECRET: it holds the weights and the blinding value of the public",
        "# commitment. Never publish it; give verifiers `zk.save_public(path)` / `pyleo commit` output (the",
        "# program, its checksum and the commitment) instead.",
        PRIVATE_WEIGHTS_LINE,
        f"PARAM_PACKING = {PARAM_PACKING!r}  # how the Weights input carries the parameters (ZkModel.opening)",
        f"PARAM_BITS = {format_value(bits)}  # each value travels in that many bits as value + 2**(bits-1), packed into words of up to 128 bits",
        f"OWNER_WEIGHTS = {{{', '.join(f'{n!r}: {format_value(v.tolist(), 4)}' for n, v in spec.params.items())}}}",
        f"OWNER_BLINDING = {spec.blinding}  # u128, uniformly random: the commitment hides the weights while it is secret",
    ]


def _weights_struct(spec: Spec) -> list[str]:
    """The ``Weights`` struct (the private input) and the ``commitment`` over it."""
    members = []
    for name, v in spec.params.items():
        bits = param_bits(v)
        w = param_word_bits(v.size, bits)
        members.append(f"    {name}: pl.Array[pl.U{w}, {-(-v.size // (w // bits))}]")
    return [
        "class Weights(pl.Struct):",
        '    """The private model: each parameter offset-encoded (PARAM_BITS) and packed into words, the',
        '    first value in the low bits (ZkModel.opening); and the blinding value r."""',
        "",
        *members,
        "    r: pl.U128",
        "",
        "",
        "@pl.inline",
        "def commitment(model: Weights) -> pl.Field:",
        '    """Poseidon2 over the packed weights and the blinding value: binding (another set of weights has another',
        '    commitment, up to a Poseidon2 collision), hiding while r is secret and uniformly random."""',
        "    return pl.poseidon2(model)",
    ]
