"""Calibrate pyleo's constraint cost model against snarkVM, and measure its error.

    python -m benchmarks.cost_calibration [--check-only | --add-missing | --transition-only | --smoke]

1. Transition: synthesizes skeleton functions (inputs and outputs of many types, sizes and
   visibilities, an empty body) and fits, by least squares, a base cost plus per input and per output
   ``item + element·n + bit·bits + field·fields`` for each visibility.
2. Instructions: collects the signatures (opcode, operand types and modes, result type) of every
   program the benchmarks, examples, test corpus and one model per converter family emit, and measures each by differential
   synthesis: a function with ``COPIES`` copies of the instruction on fresh variables against the
   same function without them.
3. Writes ``pyleo/cost_table.json`` and then checks the model on every program whose circuits can
   be synthesized here, writing ``benchmarks/results/cost_model.{json,md}`` (error per function), and
   on one model per converter family (:func:`families`: scikit-learn's, the PyTorch CNN), with the
   transition fitted as ``fit=True`` sizes circuits (its table: docs/cost-model.md).

Synthesis needs the installed parameters (``pyleo params install``); a full run takes ~15 min.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import models
from benchmarks.fidelity import load_dataset
from pyleo import cost, vm
from pyleo.errors import PyleoError

COPIES = 8
"""Copies of an instruction per differential measurement."""

SOURCE = 24
"""Length of the ``u64`` array every calibration function reads its variables from."""

EXPENSIVE = (1, 3)
"""(copies, source length) for instructions too expensive for ``COPIES`` copies in one circuit."""

BATCH = 24
"""Functions per calibration program (snarkVM synthesizes a whole program at once; ≤ 31)."""

RESULTS = Path("benchmarks/results")


# ---- programs -------------------------------------------------------------------------------------
STRUCTS = """struct Wts:
    w as [[u16; 4u32]; 16u32];
    b as [u32; 8u32];
    r as u128;

struct Px:
    a as [u8; 32u32];
    r as u128;

"""
"""Structs the transition is also fitted on (private weights travel as one struct input)."""


def program_text(name: str, functions: dict[str, list[str]]) -> str:
    """An Aleo program made of the given functions (body lines without indentation) and :data:`STRUCTS`."""
    body = "\n".join(f"function {n}:\n" + "\n".join(f"    {line}" for line in lines) + "\n" for n, lines in functions.items())
    return f"program {name}.aleo;\n\n{STRUCTS}{body}\nconstructor:\n    assert.eq edition 0u16;\n"


def count_all(name: str, functions: dict[str, list[str]]) -> dict[str, int]:
    """Exact constraints of every function, synthesized by snarkVM in batches."""
    names = list(functions)
    counts: dict[str, int] = {}
    for start in range(0, len(names), BATCH):
        chunk = {n: functions[n] for n in names[start:start + BATCH]}
        text = program_text(f"{name}_{start}", chunk)
        for n in chunk:
            counts[n] = vm.constraints(text, n)
        print(f"  synthesized {min(start + BATCH, len(names))}/{len(names)}", flush=True)
    return counts


# ---- transition ------------------------------------------------------------------------------------
def skeleton(inputs: list[tuple[str, str]], outputs: list[tuple[str, str]]) -> list[str]:
    """A function with this interface and a body that costs nothing (:func:`pyleo.cost.skeleton_lines`)."""
    lines = cost.skeleton_lines(cost.Analyzer(STRUCTS), cost.Function("f", inputs, outputs))
    assert lines is not None
    return lines


def skeleton_cases() -> list[tuple[list[tuple[str, str]], list[tuple[str, str]]]]:
    """Interfaces the transition model is fitted on."""
    u8p = [("u8", "public")]
    cases = [([(f"[u64; {n}u32]", "private")], u8p) for n in (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 16, 20, 24, 30, 32, 40)]
    cases += [([(f"[u64; {n}u32]", "public")], u8p) for n in (1, 2, 4, 8, 13, 16, 30, 32)]
    cases += [([(f"[{t}; {n}u32]", "private")], u8p) for t in ("u8", "u16", "u32", "i64", "u128", "i32", "boolean") for n in (1, 4, 16)]
    for n in (1, 2, 3, 4):
        cases += [([(f"[field; {n}u32]", vis)], [("field", "public")]) for vis in ("private", "public")]
    cases += [([("u64", "private")], u8p), ([("u64", "public")], u8p), ([("field", "private")], [("field", "public")])]
    for k in (2, 3, 4):
        cases += [([("u64", "private")] * k, u8p), ([("u64", "public")] * k, u8p)]
    cases += [([("[u64; 4u32]", "private")] * k, u8p) for k in (2, 3)]
    # what converters send (issue 12): packed u128 words, narrow arrays, nested arrays, weights structs
    cases += [([(f"[u128; {n}u32]", vis)], u8p) for n in (2, 8, 12) for vis in ("private", "public")]
    cases += [([(t, "private")], u8p) for t in ("[u8; 64u32]", "[u16; 64u32]", "[u64; 32u32]", "[[u8; 8u32]; 8u32]",
                                                "[[u16; 4u32]; 16u32]", "Wts", "Px")]
    cases += [([("[u128; 4u32]", "private"), ("Px", "private")], u8p)]
    for outs in ([("u8", "private")], [("i64", "public")], [("field", "public")], [("boolean", "public")], [("u64", "public")],
                 [("u128", "public")], [("field", "private")], [("i64", "private")], u8p * 2, u8p * 3, [("u8", "private")] * 2,
                 [("i64", "public")] * 2, [("[u8; 3u32]", "public")], [("[u8; 3u32]", "private")], [("[i64; 2u32]", "public")],
                 [("[field; 2u32]", "public")], [("[field; 2u32]", "private")], [("[[i8; 3u32]; 2u32]", "private")],
                 [("[boolean; 4u32]", "public")], [("[u64; 4u32]", "public")], [("[i64; 4u32]", "private")],
                 [("u8", "public"), ("i16", "public"), ("boolean", "public"), ("u128", "public")]):
        cases.append(([("[u64; 4u32]", "private")], outs))
    return cases


_VIS = ("private", "public")
_FEATURES = tuple(cost.interface_features(cost.Analyzer("").info("u8"), 0))
_SIDES = ("inputs", "outputs")


def _interface_features(items: list[tuple[str, str]], extra: dict[str, int]) -> list[float]:
    an = cost.Analyzer(STRUCTS)
    row = [0.0] * (len(_VIS) * len(_FEATURES))
    for t, vis in items:
        vis = vis if vis in _VIS else "private"
        base = _VIS.index(vis) * len(_FEATURES)
        for j, v in enumerate(cost.interface_features(an.info(t), extra[vis]).values()):
            row[base + j] += v
    return row


def _lstsq(measured: list[tuple[list[tuple[str, str]], list[tuple[str, str]], int]],
           extra: dict[str, dict[str, int]]) -> tuple[np.ndarray, float]:
    A = np.array([[1.0, *_interface_features(i, extra["inputs"]), *_interface_features(o, extra["outputs"])] for i, o, _ in measured])
    y = np.array([n for *_, n in measured], dtype=float)
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return coef, float(np.max(np.abs(A @ coef - y)))


def fit_transition(measured: list[tuple[list[tuple[str, str]], list[tuple[str, str]], int]]) -> tuple[dict[str, Any], float]:
    """Least-squares fit of the transition model; returns it and its largest absolute residual.

    How many extra field elements are hashed with each input or output (which decides where the
    Poseidon blocks step up) is searched over 0..7 per side and visibility.
    """
    best: tuple[float, np.ndarray, dict[str, dict[str, int]]] | None = None
    for combo in itertools.product(range(cost.SPONGE_RATE), repeat=4):
        extra = {"inputs": dict(zip(_VIS, combo[:2])), "outputs": dict(zip(_VIS, combo[2:]))}
        coef, residual = _lstsq(measured, extra)
        if best is None or residual < best[0] - 1e-6:
            best = (residual, coef, extra)
    assert best is not None
    residual, coef, extra = best
    width = len(_VIS) * len(_FEATURES)

    def part(side: str, offset: int) -> dict[str, dict[str, float]]:
        return {vis: {"absorbed_extra": extra[side][vis],
                      **{f: round(float(coef[offset + i * len(_FEATURES) + j]), 3) for j, f in enumerate(_FEATURES)}}
                for i, vis in enumerate(_VIS)}

    return {"base": round(float(coef[0]), 3), "inputs": part("inputs", 1), "outputs": part("outputs", 1 + width)}, residual


def measure_transition() -> tuple[dict[str, Any], float]:
    """Synthesize every :func:`skeleton_cases` interface and fit the transition on them."""
    cases = skeleton_cases()
    print(f"transition: synthesizing {len(cases)} skeletons", flush=True)
    counts = count_all("skeleton", {f"k{i}": skeleton(*c) for i, c in enumerate(cases)})
    return fit_transition([(i, o, counts[f"k{n}"]) for n, (i, o) in enumerate(cases)])


# ---- instructions ---------------------------------------------------------------------------------
_CONSTANTS = {"field": "3field", "boolean": "true", "scalar": "3scalar", "group": "2group"}


def _constant(t: str, opcode: str, position: int) -> str:
    if opcode in ("shl", "shr", "shl.w", "shr.w", "pow", "pow.w") and position == 1:
        return f"1{t}"
    return _CONSTANTS.get(t, f"3{t}")


def _variable(t: str, source: str, lines: list[str], reg: Iterator[str]) -> str:
    """A fresh variable of scalar type ``t`` derived from ``source`` (a u64) at no cost."""
    if t == "field":
        f, r = next(reg), next(reg)
        lines.append(f"cast {source} into {f} as field;")
        lines.append(f"add {f} 1field into {r};")
    else:
        r = next(reg)
        lines.append(f"cast.lossy {source} into {r} as {t};")
    return r


def calibration_function(sig: str, copies: int, source: int = SOURCE) -> list[str] | None:
    """``copies`` copies of the instruction ``sig`` on fresh variables; None if it cannot be built."""
    ins = cost.parse_signature(sig)
    opcode, operands, result = ins.opcode, ins.operands, ins.result or "-"
    if opcode == "cast" and len(operands) > 1:
        return None  # building an array or a struct: free by construction (see pyleo.cost.instruction_cost)
    if any(cost.split_array(t) or (t not in _CONSTANTS and not cost._INT.match(t)) for t, _ in operands):
        return None  # aggregates and structs are measured in their programs, not here
    lines = [f"input r0 as [u64; {source}u32].private;"]
    counter = iter(f"r{i}" for i in range(1, 10_000))
    src = iter(f"r0[{i}u32]" for i in range(source))
    for _ in range(copies):
        args = []
        for pos, (t, mode) in enumerate(operands):
            args.append(_constant(t, opcode, pos) if mode == "c" else _variable(t, next(src, "r0[0u32]"), lines, counter))
        suffix = f" as {result}" if opcode in ("cast", "cast.lossy", "hash.psd2", "commit.bhp256") else ""
        into = "" if result == "-" else f" into {next(counter)}{suffix}"
        lines.append(f"{opcode} {' '.join(args)}{into};")
    lines.append(f"cast.lossy r0[0u32] into {next(counter)} as u8;")
    lines.append(f"output {lines[-1].split(' into ')[1].split()[0]} as u8.public;")
    return lines


def baseline_function(source: int = SOURCE) -> list[str]:
    """The calibration functions' interface with no instruction: deriving their variables is free
    (bit-selecting casts, adding a constant to a field), so this is every one's baseline."""
    return [f"input r0 as [u64; {source}u32].private;", "cast.lossy r0[0u32] into r1 as u8;", "output r1 as u8.public;"]


def measure_signatures(sigs: list[str], copies: int = COPIES, source: int = SOURCE) -> tuple[dict[str, float], list[str]]:
    """Cost per instruction of each signature; also the signatures that could not be measured.

    Signatures are synthesized ``BATCH - 1`` at a time next to the baseline; a batch that snarkVM
    refuses (a circuit over the local limit, an instruction that halts whatever its inputs) is split
    until the culprit is alone, which is then measured once more as a single copy next to a smaller
    input (:data:`EXPENSIVE`).
    """
    functions: dict[str, list[str]] = {}
    skipped = []
    for sig in sigs:
        lines = calibration_function(sig, copies, source)
        if lines is None:
            skipped.append(sig)
        else:
            functions[sig] = lines
    costs: dict[str, float] = {}
    refused: list[str] = []
    pending = [list(functions)[i:i + BATCH - 1] for i in range(0, len(functions), BATCH - 1)]
    while pending:
        batch = pending.pop()
        named = {"base": baseline_function(source), **{f"s{i}": functions[sig] for i, sig in enumerate(batch)}}
        try:
            counts = count_all("calib", named)
        except PyleoError as e:
            print(f"  batch of {len(batch)} refused: {str(e).splitlines()[0][:120]}", flush=True)
            if len(batch) == 1:
                refused += batch
            else:
                pending += [batch[: len(batch) // 2], batch[len(batch) // 2:]]
            continue
        costs.update({sig: round((counts[f"s{i}"] - counts["base"]) / copies, 3) for i, sig in enumerate(batch)})
    if refused and (copies, source) != EXPENSIVE:
        more, refused = measure_signatures(refused, *EXPENSIVE)
        costs.update(more)
    return costs, skipped + refused


# ---- hashes of arrays and structs -----------------------------------------------------------------
HASH_OPERANDS = ("[u64; 4u32]", "[u64; 16u32]", "[u8; 32u32]", "[u64; 32u32]")
"""Operands a hash of a compound value is measured on (2, 7, 7 and 14 packed field elements)."""

HASH_RATES = {"hash.psd2": (2, 3), "hash.psd4": (4, 3), "hash.psd8": (8, 4)}
"""The hashes of compound values priced: the field elements each absorbs per permutation, and how many of
:data:`HASH_OPERANDS` it is measured on (``hash.psd2`` and ``hash.psd4`` of the last are over 16,384 constraints)."""


def measure_compound_hashes() -> dict[str, Any]:
    """Each hash of :data:`HASH_RATES` of an array: (with the hash) − (without it) per operand, fitted
    as base + per_block · ⌈fields / rate⌉ (Poseidon absorbs ``rate`` field elements per permutation)."""
    table = {}
    for opcode, (rate, operands) in HASH_RATES.items():
        points = {}
        for i, t in enumerate(HASH_OPERANDS[:operands]):
            lines = [f"input r0 as {t}.private;", "cast.lossy r0[0u32] into r1 as field;"]
            with_hash = lines + [f"{opcode} r0 into r2 as field;", "add r1 r2 into r3;", "output r3 as field.public;"]
            counts = count_all(f"{opcode.replace('.', '_')}_{i}", {"without": lines + ["output r1 as field.public;"],
                                                                   "with": with_hash})
            points[t] = [cost.Analyzer("").info(t).fields, counts["with"] - counts["without"]]
        A = np.array([[1.0, -(-f // rate)] for f, _ in points.values()])
        (base, per_block), *_ = np.linalg.lstsq(A, np.array([c for _, c in points.values()], dtype=float), rcond=None)
        table[opcode] = {"base": round(float(base)), "per_block": round(float(per_block)), "rate": rate,
                         "measured": points}
    return table


# ---- one model per converter family -------------------------------------------------
def _sklearn(make: Any, dataset: str, points: int | None = None, **options: Any) -> Any:
    """A converter of ``make()`` fitted on ``dataset`` (its first ``points`` training rows when given)."""
    def convert() -> Any:
        from stdlib_ml import from_sklearn

        Xtr, _, ytr, _ = load_dataset(dataset)
        Xtr, ytr = Xtr[:points], ytr[:points]
        return from_sklearn(make().fit(Xtr, ytr), Xtr, **options)
    return convert


def _fitted(make: Any, **options: Any) -> Any:
    def convert() -> Any:
        from stdlib_ml import from_sklearn

        f = make()
        return from_sklearn(f.model, f.X_train, **options)
    return convert


def _cnn(resolution: int) -> Any:
    def convert() -> Any:
        from stdlib_ml import from_torch

        f = models.digits_cnn()
        return from_torch(f.model, f.X_train, input_range=(0, 16), input_bits=0, resolution=resolution, fit=False)
    return convert


def families() -> dict[str, tuple[str, Any]]:
    """Converter family → (the model, in words; a function converting it): one model per family of
    :data:`stdlib_ml.convert.sklearn_families.TABLE`, of XGBoost, LightGBM and CatBoost, and the networks (Keras, ONNX
    and TensorFlow networks become the same description as PyTorch's), each small enough for snarkVM to count here.
    The first is the smoke run's (the iris MLP 4→8→3, whose key the pyleo_bench smoke run synthesizes)."""
    from sklearn import cluster, ensemble, linear_model, naive_bayes, neighbors, svm

    return {
        "MLP (scikit-learn)": ("iris MLP 4→8→3", _fitted(lambda: models.iris_mlp(8))),
        "linear regression": ("diabetes LinearRegression", _sklearn(linear_model.LinearRegression, "diabetes")),
        "linear classifier": ("breast_cancer LogisticRegression", _fitted(models.breast_cancer_logreg)),
        "linear, private weights": ("iris LogisticRegression, weights private",
                                    _sklearn(lambda: linear_model.LogisticRegression(max_iter=2000), "iris", weights="private")),
        "GLM": ("diabetes PoissonRegressor", _sklearn(linear_model.PoissonRegressor, "diabetes")),
        "discrete naive Bayes": ("iris MultinomialNB", _sklearn(naive_bayes.MultinomialNB, "iris")),
        "Gaussian naive Bayes": ("iris GaussianNB", _sklearn(naive_bayes.GaussianNB, "iris")),
        "nearest centroid": ("iris NearestCentroid", _sklearn(neighbors.NearestCentroid, "iris")),
        "SVM classifier": ("iris SVC(kernel='linear')", _sklearn(lambda: svm.SVC(kernel="linear"), "iris")),
        "SVM regressor": ("diabetes SVR(kernel='linear')", _sklearn(lambda: svm.SVR(kernel="linear"), "diabetes")),
        "decision tree": ("wine DecisionTreeClassifier depth 4", _fitted(models.wine_tree)),
        "random forest": ("wine RandomForest 4 trees depth 3", _fitted(models.wine_forest)),
        "gradient boosting": ("iris GradientBoosting 5×3 trees depth 2", _sklearn(
            lambda: ensemble.GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0), "iris")),
        "histogram gradient boosting": ("breast_cancer HistGradientBoosting 5 trees depth 2", _sklearn(
            lambda: ensemble.HistGradientBoostingClassifier(max_iter=5, max_depth=2, random_state=0), "breast_cancer")),
        "XGBoost": ("iris XGBClassifier 3×3 trees depth 2", _sklearn(lambda: importlib.import_module("xgboost").XGBClassifier(
            n_estimators=3, max_depth=2), "iris")),
        "LightGBM": ("iris LGBMClassifier 3×3 trees depth 2", _sklearn(lambda: importlib.import_module("lightgbm").LGBMClassifier(
            n_estimators=3, max_depth=2, num_leaves=4, verbose=-1), "iris")),
        "CatBoost": ("iris CatBoostClassifier 3 trees depth 2", _sklearn(lambda: importlib.import_module("catboost").CatBoostClassifier(
            iterations=3, depth=2, verbose=0, random_seed=0, thread_count=1, allow_writing_files=False), "iris")),
        "isolation forest": ("iris IsolationForest 5 trees", _sklearn(
            lambda: ensemble.IsolationForest(n_estimators=5, random_state=0), "iris")),
        "K-Means": ("iris KMeans k=3", _sklearn(lambda: cluster.KMeans(3, n_init=10, random_state=0), "iris")),
        "KNN classifier": ("iris KNN k=3, 12 points", _fitted(models.iris_knn)),
        "KNN regressor": ("diabetes KNeighborsRegressor k=3, 8 points",
                          _sklearn(lambda: neighbors.KNeighborsRegressor(n_neighbors=3), "diabetes", points=8)),
        "CNN (PyTorch)": ("digits CNN 4×3×3, resolution 6", _cnn(6)),
        "CNN (PyTorch), resolution 8": ("digits CNN 4×3×3, resolution 8", _cnn(8)),
    }


def family_programs(smoke: bool = False) -> list[tuple[str, str, str]]:
    """(family, model, Aleo text) of every model of :func:`families` (``smoke``: the first alone)."""
    return [(family, what, convert().program.aleo())
            for family, (what, convert) in itertools.islice(families().items(), 1 if smoke else None)]


def family_rows(programs: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Per family: the cost model's estimate of ``predict`` (fitted transition, no synthesis: what ``fit=True``
    and ``pyleo cost --estimate`` use) against snarkVM's count (``vm.constraints``, one synthesis per model)."""
    rows = []
    for family, what, text in programs:
        est = cost.estimate(text, "predict", synthesize_transition=False)
        exact = vm.constraints(text, "predict")
        rows.append({"family": family, "model": what, "exact": exact, "predicted": est.total,
                     "error": (est.total - exact) / exact, "uncalibrated": sum(est.uncalibrated.values())})
        print(f"  {family}: {est.total:,} predicted, {exact:,} counted", flush=True)
    return rows


# ---- programs to calibrate on and to check against -------------------------------------------------
def programs(smoke: bool = False) -> Iterator[tuple[str, str]]:
    """(name, Aleo text) of the examples, the test corpus and the benchmark models (``smoke``:
    examples/scorer.py alone)."""
    from benchmarks import growth
    from stdlib_ml import from_sklearn

    for module in ("examples.scorer", "examples.iris_mlp", "examples.credit"):
        prog = importlib.import_module(module).prog
        yield module, prog.aleo()
        if smoke:
            return
    corpus = importlib.import_module("tests.corpus")
    for info in pkgutil.iter_modules(corpus.__path__):
        if re.match(r"^p\d\d_", info.name):
            prog = importlib.import_module(f"tests.corpus.{info.name}").PROGRAM
            yield f"corpus {info.name}", prog.aleo()
    for key, make in {**models.MODELS, "digits_mlp32": models.digits_mlp}.items():
        f = make()
        yield key, from_sklearn(f.model, f.X_train).module.prog.aleo()
    for name, f in growth.calibration_models():
        yield name, from_sklearn(f.model, f.X_train).module.prog.aleo()


def check(table: dict[str, Any], texts: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The model against snarkVM on every function that can be synthesized here, with the transition
    synthesized (the default) and fitted; also the instructions alone (exact total less the skeleton)."""
    rows = []
    for name, text in texts:
        for fn in cost.Analyzer(text).functions:
            try:
                exact = vm.constraints(text, fn)
            except PyleoError:
                continue  # too large for the local parameters, or halts at synthesis
            est = cost.estimate(text, fn, table, synthesize_transition=True)
            fitted = cost.estimate(text, fn, table)
            body = exact - est.transition if est.transition_source == "skeleton" else None
            rows.append({"program": name, "function": fn, "exact": exact, "predicted": est.total,
                         "error": (est.total - exact) / exact, "predicted_fitted": fitted.total,
                         "error_fitted": (fitted.total - exact) / exact, "instructions_exact": body,
                         "instructions_predicted": round(est.body), "uncalibrated": sum(est.uncalibrated.values())})
    return rows


def width_check(table: dict[str, Any]) -> list[dict[str, Any]]:
    """:func:`pyleo.cost.other_widths` tried on the table itself: every instruction the table holds at three or
    more integer widths, predicted from its other widths as if this one were missing."""
    found = []
    for shape, points in cost.measured_widths(table).items():
        if len(points) < 3:
            continue
        for sig, measured in table["instructions"].items():
            ins = cost.parse_signature(sig)
            if cost.width_shape(ins) in {(shape, w) for w in points}:
                others = dict(table, instructions={k: v for k, v in table["instructions"].items() if k != sig})
                found.append({"signature": sig, "measured": measured, "interpolated": round(cost.other_widths(ins, others) or 0.0, 1)})
    return found


def family_table(rows: list[dict[str, Any]], widths: list[dict[str, Any]]) -> list[str]:
    """Markdown: the per-family table and how well other widths predict an instruction."""
    off = [w for w in widths if abs(w["interpolated"] - w["measured"]) > 0.5]
    lines = ["", "## One model per converter family", "",
             "`predict` of one model per family: the cost model with its fitted transition (no synthesis: what "
             "`fit=True` and `pyleo cost --estimate` use) against snarkVM's count.", "",
             "| family | model | snarkVM | model | error |", "|---|---|---:|---:|---:|"]
    lines += [f"| {r['family']} | {r['model']} | {r['exact']:,} | {r['predicted']:,} | {r['error']:+.2%} |" for r in rows]
    if widths:
        lines += ["", f"An instruction the table lacks at one integer width is interpolated from its other widths "
                      f"(`pyleo.cost.other_widths`). Tried on the {len(widths)} instructions the table holds at three or "
                      f"more widths, each predicted from the others: {len(widths) - len(off)} exact (within 0.5), off: "
                      + (", ".join(f"`{w['signature']}` {w['interpolated']:g} for {w['measured']:g}" for w in off) or "none") + "."]
    return lines


def report(rows: list[dict[str, Any]], transition_residual: float) -> str:
    """Markdown summary of the model's error."""
    def stats(key: str) -> str:
        errs = np.array([abs(r[key]) for r in rows])
        return f"mean |error| {errs.mean():.2%}, max {errs.max():.2%}, {np.mean(errs <= 0.02):.0%} within 2%"

    body = [r for r in rows if r["instructions_exact"] is not None]
    miss = np.array([abs(r["instructions_predicted"] - r["instructions_exact"]) for r in body])
    summary = (f"Cost model vs snarkVM on {len(rows)} functions that can be synthesized here (examples, test corpus, "
               f"benchmark and growth models). Transition synthesized as an empty function (default): {stats('error')}. "
               f"Transition from the fitted formula (no synthesis; largest residual on its {len(skeleton_cases())} fitting "
               f"interfaces {transition_residual:.0f} constraints): {stats('error_fitted')}. Instructions alone "
               f"(exact total less the synthesized transition): mean |miss| {miss.mean():.0f} constraints, max {miss.max():.0f}; "
               f"{sum(r['uncalibrated'] > 0 for r in rows)} functions use an instruction the table does not cover.")
    worst = sorted(rows, key=lambda r: -abs(r["error"]))[:10]
    lines = [summary, "", "| program | function | snarkVM | model | error | model, fitted transition | error |",
             "|---|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['program']} | {r['function']} | {r['exact']:,} | {r['predicted']:,} | {r['error']:+.2%} "
              f"| {r['predicted_fitted']:,} | {r['error_fitted']:+.2%} |" for r in worst]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-only", action="store_true", help="only measure the error of the current table")
    parser.add_argument("--add-missing", action="store_true",
                        help="measure only the signatures the table lacks (keep the others), then check")
    parser.add_argument("--transition-only", action="store_true",
                        help="refit only the transition (keep the instructions' costs) and skip the check")
    parser.add_argument("--out", type=Path, default=RESULTS / "cost_model.json",
                        help="the check's results (default benchmarks/results/cost_model.json; a Markdown summary next to it)")
    parser.add_argument("--smoke", action="store_true",
                        help="--check-only on examples/scorer.py and the first family alone (pyleo/cost_table.json is left as it is)")
    opts = parser.parse_args(argv)
    if opts.smoke:
        opts.check_only = True
    if opts.transition_only:
        table = cost.load_table()
        table["transition"], table["transition_max_residual"] = measure_transition()
        cost.TABLE_PATH.write_text(json.dumps(table, indent=1) + "\n")
        print(f"refitted the transition: largest residual {table['transition_max_residual']:.0f} constraints")
        return
    texts, fam_texts = list(programs(opts.smoke)), family_programs(opts.smoke)
    sigs: set[str] = set()
    for text in [t for _, t in texts] + [t for _, _, t in fam_texts]:
        sigs |= set(cost.signatures(text))
    if opts.check_only or opts.add_missing:
        table = cost.load_table()
        residual = table["transition_max_residual"]
    if opts.add_missing:
        missing = sorted(sigs - set(table["instructions"]) - set(table["unmeasured"]))
        print(f"instructions: measuring {len(missing)} signatures the table lacks", flush=True)
        measured, skipped = measure_signatures(missing)
        table["instructions"] = dict(sorted({**table["instructions"], **measured}.items()))
        table["unmeasured"] = sorted(set(table["unmeasured"]) | set(skipped))
        cost.TABLE_PATH.write_text(json.dumps(table, indent=1) + "\n")
        cost.load_table.cache_clear()
    elif not opts.check_only:
        transition, residual = measure_transition()
        print(f"instructions: measuring {len(sigs)} signatures", flush=True)
        measured, skipped = measure_signatures(sorted(sigs))
        table = {"snarkvm": vm.versions(), "copies": COPIES, "transition": transition,
                 "transition_max_residual": residual, "instructions": dict(sorted(measured.items())),
                 "compound_hashes": measure_compound_hashes(),
                 # measured by hand against this table's own prices (docs/split.md): kept until measured here
                 "hashed_output": cost.load_table().get("hashed_output", {}),
                 "unmeasured": sorted(skipped)}
        cost.TABLE_PATH.write_text(json.dumps(table, indent=1) + "\n")
        cost.load_table.cache_clear()
    rows = check(table, texts)
    fams, widths = family_rows(fam_texts), width_check(table)
    text = "\n".join([report(rows, residual), *family_table(fams, widths)])
    print(text)
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps({"rows": rows, "families": fams, "widths": widths}, indent=1))
    opts.out.with_suffix(".md").write_text(text + "\n")


if __name__ == "__main__":
    main()
