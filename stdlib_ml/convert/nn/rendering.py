"""Rendering a quantized network as a model file (:func:`network_spec`, the
:class:`~stdlib_ml.convert.render.Spec` every framework's network goes through), and a network's
conversion by the one sequence (:func:`to_spec`, :func:`convert`: options, description, visibility,
the self-check, :mod:`stdlib_ml.convert.pipeline`)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import pyleo as pl
from pyleo import limits

from .. import pipeline
from ..fidelity import CHECK_ROWS, Fidelity, fidelity_text, finish
from ..model import ConversionError, ZkModel
from ..options import Options
from ..quantize import MLP_RESOLUTION, classifier_head, feature_range, pow2, program_name, score_head, sign_width
from ..render import Spec
from .approximations import APPROXIMATIONS
from .lowering import Product, Requant, Search, Stage, quantize
from .network import Network


# ---- rendering -------------------------------------------------------------------------------------
SMALLEST_SIGN_TEST = 8
"""Networks' sign tests take the narrowest width their values' bounds allow, down to 8 bits (w + 1
constraints: a ReLU whose values stay below 2**15 costs 18 instead of 34; ``resolution`` trades
rounding for width)."""

SPARSE_DENSITY = 0.5
"""A stage's matrix over one source is written as a dense matrix (``linalg.matvec``) when at least
this share of its entries are non-zero, else as non-zero taps over constant indices
(``linalg.sparse_matvec``): the program holds only what it needs."""


def _render_terms(spec: Spec, k: int | str, st: Stage, sources: dict[int, tuple[str, int, int]], last: bool) -> str:
    """The DSL expression of stage ``k``'s values, declaring its constants in ``spec``; ``sources``:
    per source its (DSL name, size, scale)."""
    many = len(st.qterms) > 1
    label = "output layer" if last else f"stage {k}"
    dense: list[tuple[str, str]] = []
    taps: list[str] = []
    for s, (r, c, q) in st.qterms.items():
        src, n_cols, src_scale = sources[s]
        n_rows = len(st.qbias)
        suffix = f"_{src}" if many else ""
        wname = f"W{k}{suffix}"
        what = (f"the input, column j at 2**({st.scale} − IN_BITS[j])" if s == 0
                else f"{src} (at 2**{src_scale}), at 2**{st.scale - src_scale}")
        if len(q) >= SPARSE_DENSITY * n_rows * n_cols:
            W = np.zeros((n_rows, n_cols), dtype=object)
            W[r, c] = q
            spec.param(wname, W, f"{label}: weights on {what}")
            dense.append((wname, src))
            continue
        order = np.lexsort((c, r))
        r, c, q = r[order], c[order], q[order]
        width = max(int(np.max(np.bincount(r, minlength=n_rows))), 1) if len(r) else 1
        idx = np.zeros((n_rows, width), dtype=np.int64)
        W = np.zeros((n_rows, width), dtype=object)
        fill = np.zeros(n_rows, dtype=np.int64)
        for i, j, v in zip(r, c, q):
            idx[i, fill[i]], W[i, fill[i]] = j, v
            fill[i] += 1
        spec.const(f"IDX{k}{suffix}", idx, f"{label}: per value the indices of its (up to) {width} taps into {src}")
        spec.param(wname, W, f"{label}: the taps' weights on {what}")
        spec.use(f"taps{k}{suffix} = linalg.sparse_matvec(IDX{k}{suffix})", f"{len(q)} non-zero weights")
        taps.append(f"taps{k}{suffix}({wname}, {src})")
    spec.param(f"B{k}", st.qbias, f"{label}: bias at 2**{st.scale}")
    if dense:
        expr = f"linalg.dense({dense[0][0]}, {dense[0][1]}, B{k})"
        rest = [f"linalg.matvec({w}, {src})" for w, src in dense[1:]] + taps
    elif taps:
        expr, rest = f"linalg.add({taps[0]}, B{k})", taps[1:]
    else:
        expr, rest = f"B{k}", []
    for p in rest:
        expr = f"linalg.add({expr}, {p})"
    return expr


def _describe(net: Network, resolution: int, approximate: bool, float_model: Any, what: str) -> pipeline.Describe:
    def describe(opts: Options) -> pipeline.Description:
        low, high, unit = feature_range(opts, net.n_features, None)
        return pipeline.Description(network_spec(net, opts, low, high, unit, resolution=resolution,
                                                 approximate=approximate), float_model, what)

    return describe


def to_spec(net: Network, X: Any = None, *, input_range: Any = None, input_bits: Any = None, name: str | None = None,
            weights: str = "public", inputs: str = "private", output: str = "public",
            resolution: int = MLP_RESOLUTION, approximate: bool = True) -> Spec:
    """The :class:`~stdlib_ml.convert.render.Spec` of ``net`` (its model file: ``render(spec)``).

    ``X``: calibration rows, (n_samples, n_features) or (n_samples, *input_shape) floats: they give
    the input range (each feature's range widened by its spread on both sides) unless
    ``input_range`` (a bound r for [-r, r], or (low, high), scalars or per feature) sets it;
    ``input_bits``: fractional bits of the inputs (one int or one per feature; default: each
    feature's spread spans about 2**resolution steps); ``name``: the Aleo program name (default
    ``net.name``); ``weights`` / ``inputs`` / ``output``: visibility, as :func:`~stdlib_ml.from_sklearn`;
    ``resolution``: bits per input spread and per weight (fewer: narrower sign tests, coarser
    rounding); ``approximate``: accept the piecewise-linear :data:`APPROXIMATIONS` (else they raise).
    Raises :class:`ConversionError`."""
    description = _describe(net, resolution, approximate, FloatNetwork(net), "Network")
    return pipeline.describe(description, X, n_features=net.n_features, input_range=input_range, input_bits=input_bits,
                             name=name or net.name, weights=weights, inputs=inputs, output=output,
                             sample_shape=net.input.shape)[0].spec


def network_spec(net: Network, opts: Options, low: np.ndarray, high: np.ndarray, unit: np.ndarray, *,
                 resolution: int = MLP_RESOLUTION, approximate: bool = True, source: Any = None,
                 title: str | None = None, links: dict[str, str] | None = None) -> Spec:
    """The Spec of ``net`` for inputs in [low, high] (the converters' common path; :func:`to_spec`
    works out the range from the options). ``source``: the source model, whose class names the
    program when ``opts.name`` does not; ``title``: the file's first line; ``links``: the scores a
    classifier's output logits are (``{"predict_proba": "softmax"}``, :func:`~stdlib_ml.convert.quantize.score_head`),
    output when ``opts`` asks for them (none by default)."""
    net.require_output()
    if net.n_features > limits.MAX_ARRAY_LENGTH:
        raise ConversionError(f"{net.name} takes {net.n_features} input values; snarkVM allows at most "
                              f"{limits.MAX_ARRAY_LENGTH} elements per array")
    qn = quantize(net, low, high, opts, unit, resolution=resolution, approximate=approximate)
    kind = "regressor" if net.head == "regression" else "classifier"
    n_relu = sum(len(st.qbias) for st in qn.stages if isinstance(st, Stage))
    n_mul = sum(len(st.lo) for st in qn.stages if isinstance(st, Product) and st.b is not None)
    n_search = sum(len(st.lo) for st in qn.stages if isinstance(st, Search))
    products = (f", {n_mul} products" if n_mul else "") + (f", {n_search} divisions" if n_search else "")
    plain = all(isinstance(st, Stage) for st in qn.stages)
    stages = f"{len(qn.stages)} {'ReLU ' if plain else ''}stages"
    spec = Spec(name=program_name(source if source is not None else net, opts), title=title or net.title or
                f"Network {net.name} ({net.n_features} inputs, {stages}, {n_relu} ReLUs{products}), "
                "converted to pyleo.", kind=kind, n_features=net.n_features, in_bits=qn.in_bits, low=low, high=high,
                sample_shape=tuple(net.input.shape) if len(net.input.shape) > 1 else None)
    spec.imports |= {"activations"}
    sources = {0: ("xf", net.n_features, 0)}
    for k, st in enumerate(qn.stages, 1):
        if isinstance(st, Requant):
            spec.imports.add("products")
            expr = _render_terms(spec, k, st.acc, sources, False)
            for c, v in st.constants.items():
                spec.param(f"{c}{k}", v, f"stage {k}: requantization constants {c} ({st.rq.where or 'a layer'})")
            spec.use(f"rq{k} = products.requantize_vec({st.rq.rounding!r}, {st.first}, {st.second}, {st.clamp_bits})",
                     f"stage {k}: {len(st.lo)} int32 accumulators requantized to int8, {st.rq.rounding} rounding")
            args = [f"{c}{k}" for c in st.constants]
            if st.exceptions is not None:
                E, D = st.exceptions
                spec.param(f"E{k}", E, f"stage {k}: per value the accumulators where the runtime rounds otherwise")
                spec.param(f"D{k}", D, f"stage {k}: the runtime's correction at each")
                spec.use(f"fix{k} = products.corrections_vec({E.shape[1]})",
                         f"stage {k}: {len(st.rq.exceptions)} accumulators the runtime's float32 rounds otherwise")
                spec.body.append(f"acc{k} = {expr}")
                expr = f"acc{k}"
                args[list(st.constants).index("Z")] = f"linalg.add(Z{k}, fix{k}(acc{k}, E{k}, D{k}))"
            spec.body.append(f"h{k} = rq{k}({expr}, " + ", ".join(args) + ")")
            sources[k] = (f"h{k}", len(st.lo), 0)
            continue
        if isinstance(st, Search):
            spec.imports |= {"roots", "products"}
            e = _render_terms(spec, f"{k}a", st.a, sources, False)
            if st.shift:
                spec.use(f"floor{k}a = products.floor_shift_vec({st.shift}, {st.cast})",
                         f"stage {k}: the operand floored by 2**{st.shift}")
                e = f"floor{k}a({e})"
            what = "1/v" if st.power == 1 else "1/sqrt(v)"
            spec.use(f"search{k} = roots.search_vec({st.power}, {st.n}, {st.widths})",
                     f"stage {k}: {what} at 2**{st.scale}, the largest R < 2**{len(st.widths)} with "
                     f"R**{st.power}·V <= 2**{st.n}")
            spec.body.append(f"h{k} = search{k}({e})")
            sources[k] = (f"h{k}", len(st.lo), st.scale)
            continue
        if isinstance(st, Product):
            spec.imports.add("products")
            ops = [("a", st.a, st.shifts[0], st.widths[0])] + ([("b", st.b, st.shifts[1], st.widths[1])]
                                                              if st.b is not None else [])
            exprs = []
            for ab, o, k_, w_ in ops:
                e = _render_terms(spec, f"{k}{ab}" if st.b is not None else k, o, sources, False)
                if k_:
                    spec.use(f"floor{k}{ab} = products.floor_shift_vec({k_}, {w_})",
                             f"stage {k}: {'operand ' + ab if st.b is not None else 'a rescale'}: floored by 2**{k_}")
                    e = f"floor{k}{ab}({e})"
                exprs.append(e)
            if st.b is not None:
                spec.use(f"mul{k} = products.mul_shift_vec({st.shift}, {st.width})",
                         f"stage {k}: a·b floored by 2**{st.shift}, |a·b| <= {pow2(st.raw_bound)}")
                spec.body.append(f"h{k} = mul{k}({exprs[0]}, {exprs[1]})")
            else:
                spec.body.append(f"h{k} = {exprs[0]}")
            sources[k] = (f"h{k}", len(st.lo), st.scale)
            continue
        expr = _render_terms(spec, k, st, sources, False)
        spec.use(f"relu{k} = activations.relu_vec({sign_width(st.bound, SMALLEST_SIGN_TEST)})", f"stage {k}: |z| <= {pow2(st.bound)}")
        spec.body.append(f"h{k} = relu{k}({expr})")
        sources[k] = (f"h{k}", len(st.qbias), st.scale)
    expr = _render_terms(spec, len(qn.stages) + 1, qn.out, sources, True)
    spec.body.append(f"out = {expr}")
    if net.head == "regression":
        spec.imports.add("models")
        spec.out_scale = f"2**{qn.out.scale}"
        spec.body.append("return models.to_i64(out[0])")
    elif score_head(spec, opts, "out", len(qn.out.qbias), qn.out.bound, 2**qn.out.scale, links or {},
                    type(source).__name__ if source is not None else net.name):
        spec.classes = net.classes
    elif net.head == "ovo":
        spec.classes = net.classes
        spec.imports |= {"models", "reduce"}
        spec.use(f"votes = models.ovo_votes({len(net.classes)}, {sign_width(qn.out.bound + 1, SMALLEST_SIGN_TEST)})",
                 f"|pair score| <= {pow2(qn.out.bound)}")
        spec.use("argmax = reduce.argmax(32)", "votes are small integers")
        spec.body.append("return argmax(votes(out))")
    else:
        spec.classes = net.classes
        classifier_head(spec, "out", qn.out.bound, len(qn.out.qbias), smallest=SMALLEST_SIGN_TEST)
    if any(isinstance(st, Requant) for st in qn.stages):
        spec.notes.append("An integer network: every layer's int32 accumulator is requantized to int8 exactly as the "
                          "runtime's reference kernels do (stdlib_ml.convert.nn.integer).")
    spec.notes.append(f"Quantized at resolution {qn.resolution}: every value is an integer at a power-of-two scale "
                      "(no rescaling); each stage is a constant affine map (0 constraints) then one sign test per "
                      "value (ReLU); clips, leaky ReLUs and max pools are sums of ReLUs (stdlib_ml.convert.nn).")
    if n_search:
        spec.notes.append(f"{n_search} reciprocals / reciprocal square roots (softmax sums, layer-norm variances) are "
                          "decided exactly bit by bit: R is the largest integer with R**p·V <= 2**n (stdlib_ml.roots).")
    for act, count in qn.approximated.items():
        ap = APPROXIMATIONS[act]
        spec.notes.append(f"{act} ({count} values) is approximated by interpolation on {len(ap.knots)} knots "
                          f"{list(ap.knots)}: |error| <= {ap.max_error:.3g} on the real line.")
    if net.head == "threshold":
        spec.notes.append("The output is one logit: class 1 when it is > 0 (a final sigmoid's > 0.5).")
    elif net.head == "argmax":
        spec.notes.append("The class is the argmax of the outputs (a final softmax / log-softmax is monotone: dropped).")
    return spec


# ---- conversion with the self-check ----------------------------------------------------------------
class FloatNetwork:
    """The float model a circuit is checked against: ``predict(X)`` (rows flattened as the circuit
    takes them) by ``reference`` (the framework's own float prediction) or by the description itself.
    Its class is renamed after the source model, so messages name it."""

    def __init__(self, net: Network, reference: Callable[[np.ndarray], Any] | None = None) -> None:
        self.net = net
        self.reference = reference

    def predict(self, X: Any) -> np.ndarray:
        A = np.asarray(X, dtype=np.float64).reshape(len(X), *self.net.input.shape)
        return np.asarray(self.reference(A) if self.reference is not None else self.net.predict(A))


def convert(net: Network, X: Any = None, *, reference: Callable[[np.ndarray], Any] | None = None,
            model_name: str | None = None, oracle: str | None = None, input_range: Any = None,
            input_bits: Any = None, name: str | None = None,
            weights: str = "public", inputs: str = "private", output: str = "public",
            resolution: int = MLP_RESOLUTION, approximate: bool = True, min_agreement: float = 1.0,
            max_error: float = 1e-3, strict: bool = True, check_rows: int | None = CHECK_ROWS,
            fit: bool = True) -> ZkModel:
    """``net`` as a :class:`ZkModel`, checked on ``X`` against ``reference`` (a callable taking
    samples shaped (n, *input_shape) and returning labels or values: the framework's own float model;
    default :meth:`Network.predict`), as :func:`~stdlib_ml.from_sklearn` checks against ``predict``.
    ``model_name``: the source model's class name, for messages; ``oracle``: what ``reference`` is, in
    words, when it is not the model the user fitted (recorded with the fidelity). The other options
    are :func:`to_spec`'s. The bar: ``min_agreement``, ``max_error``, ``strict``, ``check_rows`` (None:
    all rows), as :func:`~stdlib_ml.from_sklearn`.

    ``fit`` (default True): the network must prove here, in one circuit or in linked parts (:func:`provable`,
    by the cost model); when it does not as asked, :func:`fit_search` looks for the most precise circuit that
    proves in one, lowering ``resolution`` and the input bits (sized by the cost model, then checked against the
    float model and counted by snarkVM once chosen), kept with a :class:`FitWarning` naming what it chose and the
    fidelity reached; none: ConversionError naming the sizes and what would help.
    ``fit=False``: exactly ``resolution``, whatever its size. Raises :class:`ConversionError`,
    :class:`~stdlib_ml.convert.ModelInputError`."""
    what = model_name or "Network"
    wrapper = type(what, (FloatNetwork,), {"oracle": oracle})(net, reference)

    options = dict(n_features=net.n_features, input_range=input_range, name=name or net.name,
                   weights=weights, inputs=inputs, output=output, sample_shape=net.input.shape)
    bar = Fidelity(min_agreement, max_error, strict, check_rows)

    def at(r: int, bits: Any, checked: bool = True) -> ZkModel:
        """The network at resolution ``r`` and input bits ``bits`` (None: derived from ``r``): checked against the
        float model on X (the conversion), or not (a probe of its size)."""
        d, opts = pipeline.describe(_describe(net, r, approximate, wrapper, what), X, input_bits=bits, **options)
        return finish(d.spec, d.float_model, opts.X if checked else None, bar, d.what)

    zk = at(resolution, input_bits)
    if not fit or provable(zk, split=True) is not None:
        return zk
    return fit_search(at, what, resolution, input_bits, zk)


def fit_search(at: Callable[..., ZkModel], what: str, resolution: int, input_bits: Any, asked: ZkModel) -> ZkModel:
    """The most precise conversion of a network that proves in one circuit here: from ``resolution`` down to
    :data:`MIN_FIT_RESOLUTION`, at each resolution the most input bits that fit (:func:`widest_fitting_bits`: the
    bits asked, else each feature's lowered alike, down to 0), every step sized by the cost model; the first that
    fits is checked against the float model (a miss of the fidelity bar goes on to the next resolution) and
    counted by snarkVM once (:func:`counted`; over the limit after all: the next). ``at(r, bits, checked)``
    converts; ``asked``: the conversion as asked, which proves neither whole nor split. Warns :class:`FitWarning`
    with the choice and the fidelity reached; raises ConversionError naming what was tried and what would help."""
    missed: ConversionError | None = None
    tried = [f"{setting(resolution, input_bits)}: ~{size(asked):,} constraints, and no split into linked parts fits"]
    for r in range(resolution, MIN_FIT_RESOLUTION - 1, -1):
        found = widest_fitting_bits(at, r, input_bits, tried, asked if r == resolution else None)
        if found is None:
            continue
        try:
            chosen = at(r, found)
        except ConversionError as e:
            missed = e
            tried.append(f"{setting(r, found)} fits but {e.message}")
            continue
        exact = counted(chosen)
        if exact is not None and exact > limits.LOCAL_BUDGET:
            tried.append(f"{setting(r, found)}: ~{size(chosen):,} by the cost model, {exact:,} counted by snarkVM")
            continue
        how = (f"{exact:,} constraints counted by snarkVM (the cost model said ~{size(chosen):,})" if exact is not None
               else f"~{size(chosen):,} constraints by the cost model (snarkVM's parameters are not installed to count them)")
        warnings.warn(FitWarning(f"fit: {what} converted at {setting(r, found)} (asked {setting(resolution, input_bits)}; "
                                 f"{'; '.join(tried)}): {how}, one circuit here; fidelity: {fidelity_text(chosen.fidelity)}"),
                      stacklevel=4)
        return chosen
    if missed is not None:
        raise ConversionError(f"{what} does not fit the local limit at the fidelity asked ({'; '.join(tried)})", missed.loc,
                              f"{missed.hint}; or, to fit more precisely: {FIT_HINT}" if missed.hint else FIT_HINT)
    raise ConversionError(
        f"{what} does not fit the local limit at any resolution from {resolution} down to {MIN_FIT_RESOLUTION}, with "
        f"any input bits ({'; '.join(tried)} by the cost model; one circuit here proves {limits.LOCAL_BUDGET:,} constraints)",
        hint=f"what would help: {FIT_HINT}. fit=False converts at exactly `resolution` anyway (to study the circuit; "
             "proving it then fails)")


def widest_fitting_bits(at: Callable[..., ZkModel], r: int, input_bits: Any, tried: list[str],
                        asked: ZkModel | None = None) -> Any:
    """The most input bits with which the network at resolution ``r`` fits one circuit here by the cost model:
    ``input_bits`` as asked (None: derived from ``r``), else every feature's bits lowered by the same d (at least
    0; the smallest d, by bisection: fewer bits never cost more); None when even 0 bits do not fit (the sizes
    appended to ``tried``; ``asked``: the conversion at ``r`` with the bits as asked, already sized and too large)."""
    probe = asked or at(r, input_bits, checked=False)
    if asked is None and probe.program.fits_here("predict"):
        return input_bits
    base = np.asarray(probe.in_bits, dtype=np.int64)

    def lowered(d: int) -> Any:
        bits = np.maximum(base - d, 0)
        return int(bits[0]) if np.all(bits == bits[0]) else [int(b) for b in bits]

    top = int(base.max(initial=0))
    if top <= 0 or not at(r, lowered(top), checked=False).program.fits_here("predict"):
        if asked is None:
            tried.append(f"{setting(r, input_bits)}: ~{size(probe):,}" + ("" if top <= 0 else ", with 0 input bits too large"))
        elif top > 0:
            tried[-1] += ", with 0 input bits too large too"
        return None
    lo, hi = 0, top   # d = lo does not fit, d = hi does
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if at(r, lowered(mid), checked=False).program.fits_here("predict") else (mid, hi)
    if asked is None:
        tried.append(f"{setting(r, input_bits)}: ~{size(probe):,}")
    return lowered(hi)


def setting(r: int, bits: Any) -> str:
    """A resolution and input bits, in words."""
    if bits is None:
        return f"resolution {r}"
    arr = np.asarray(bits)
    shown = f"input_bits={int(arr.flat[0])}" if np.all(arr == arr.flat[0]) else f"input_bits {int(arr.min())}–{int(arr.max())}"
    return f"resolution {r}, {shown}"


def counted(zk: ZkModel) -> int | None:
    """``predict``'s constraints counted by snarkVM (its verifying key synthesized, seconds; no proving key kept),
    confirming the cost model's choice; above the local limit: LOCAL_BUDGET + 1; None when snarkVM cannot count
    here (no parameters installed)."""
    try:
        return zk.program.cost("predict", prepare_proof=False)
    except pl.LimitError:
        return limits.LOCAL_BUDGET + 1
    except pl.PyleoError:
        return None


FIT_HINT = ("fewer input_bits= (coarser inputs: narrower sign tests), a narrower input_range=, or a smaller network "
            "(fewer channels or units, a pooling layer earlier); `pyleo import --input-bits B --input-range LOW,HIGH`")
"""What helps a network fit the local limit once its resolution cannot (``fit=True``'s refusal names it)."""


def size(zk: ZkModel) -> int:
    """``predict``'s constraints by the cost model."""
    return zk.program.estimate("predict", synthesize_transition=False).total


MIN_FIT_RESOLUTION = 4
"""The lowest resolution ``fit=True`` tries: below it a network's weights keep too few bits to be the network."""


class FitWarning(UserWarning):
    """``fit=True`` converted a network at a lower resolution or with fewer input bits than asked, so that it fits
    the local limit: the message names the resolution and input bits chosen, the sizes tried, snarkVM's count of
    the circuit chosen and the fidelity reached."""


def provable(zk: ZkModel, split: bool = True) -> str | None:
    """How ``zk``'s ``predict`` proves here: one circuit or (with ``split``) linked parts (the cost model's sizes,
    in words), or None when neither fits the local limit."""
    prog = zk.program
    need = size(zk)
    if prog.fits_here("predict"):
        return f"~{need:,} constraints, one circuit here"
    if not split:
        return None
    try:
        plan = prog.split_plan("predict")
    except pl.LimitError:
        return None
    return f"~{need:,} constraints, proved in {len(plan.parts)} linked parts"
