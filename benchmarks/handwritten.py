"""Hand-written Aleo baselines against pyleo's output, constraint for constraint.

    python -m benchmarks.handwritten            # both models, Markdown table
    python -m benchmarks.handwritten --boundary # also run the boundary inputs (about 2 min more)

For two benchmark models (``benchmarks.models.iris_mlp(16)`` and ``benchmarks.models.wine_tree(4)``)
``benchmarks/handwritten/`` holds an Aleo program written by hand, as cheap as we could make it, with
the signature pyleo's converters gave when it was written (``predict``: a private ``[u64; n]`` input,
each feature quantized and offset as :func:`stdlib_ml.fixed.encode` does, one public ``u8`` class index)
and pyleo's quantized constants. :func:`compare` fits the model, converts it with pyleo, counts both
circuits' constraints on snarkVM and checks that both programs give the same labels on the held-out
samples (run through snarkVM's circuit): pyleo's program on the model's own encoding
(``ZkModel.predict_raw(..., backend="vm")``, whatever its input words now are), the hand-written one
on its own (:func:`handwritten_input`).

The hand-written programs were written for one conversion of one fit: each file names the sha256 of
the constants it embeds (``// constants-sha256: ...``); :func:`compare` recomputes it from the
conversion it makes and reports ``constants_match`` next to ``agreement``, so a different scikit-learn
(other weights) or converter (other scales or ranges) shows up as a mismatch, never silently.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pyleo import vm
from pyleo.errors import ExecutionError
from stdlib_ml.convert import ModelInputError
from stdlib_ml import fixed

from . import models

HERE = Path(__file__).with_suffix("")
"""``benchmarks/handwritten/``: the hand-written programs."""

FUNCTION = "predict"

MODELS: dict[str, tuple[str, Callable[[], models.Fitted], str]] = {
    "iris_mlp16": ("iris_mlp.aleo", lambda: models.iris_mlp(16), "benchmarks.models.iris_mlp(16)"),
    "wine_tree4": ("wine_tree.aleo", lambda: models.wine_tree(4), "benchmarks.models.wine_tree(4)"),
}
"""Key → (hand-written file in benchmarks/handwritten/, the fit it was written for, that fit's name)."""


# ---- programs ---------------------------------------------------------------------------------
def handwritten_text(key: str) -> str:
    """The hand-written program of ``key``."""
    return (HERE / _entry(key)[0]).read_text()


def empty_transition_text(n_inputs: int) -> str:
    """The cheapest function with pyleo's signature: a private ``[u64; n]`` input, a public ``u8``
    output taken from the input's low bits (``cast.lossy`` of an integer to a narrower one is free).

    Its constraint count is the fixed cost of such a transition (input commitment, output, request):
    11,803 for n = 4 and 12,399 for n = 13 on aleo-sdk 0.8.0 / snarkVM 4.12. (Outputting a constant
    ``u8`` instead is 3 constraints cheaper; a model's output is a variable, so that is not the baseline.)
    """
    return (f"program empty_u64x{n_inputs}.aleo;\n\n"
            f"function {FUNCTION}:\n"
            f"    input r0 as [u64; {n_inputs}u32].private;\n"
            f"    cast.lossy r0[0u32] into r1 as u8;\n"
            f"    output r1 as u8.public;\n\n"
            f"constructor:\n"
            f"    assert.eq edition 0u16;\n")


def signature(text: str, function: str = FUNCTION) -> list[str]:
    """The ``input`` / ``output`` declarations of ``function`` (register names dropped)."""
    body = text.split(f"function {function}:", 1)[1]
    body = re.split(r"\n(?:function|closure|constructor)\b", body, maxsplit=1)[0]
    out = []
    for line in body.splitlines():
        line = line.split("//", 1)[0].strip()
        m = re.match(r"(input|output) r\d+ as (.+);$", line)
        if m:
            out.append(f"{m.group(1)} {m.group(2)}")
    return out


# ---- the constants a hand-written program was written for --------------------------------------
def model_constants(zk: Any) -> dict[str, Any]:
    """What a hand-written program depends on, read from a converted model (a ``ZkModel``): the
    input encoding and domain (fractional bits, the quantized [INPUT_LOW, INPUT_HIGH]), the classes,
    and the weights (MLP) or the tree arrays (decision tree)."""
    m = zk.module
    out: dict[str, Any] = {
        "kind": m.KIND,
        "n_features": int(m.N_FEATURES),
        "in_bits": [int(b) for b in zk.in_bits],   # one per input
        "input_low_q": [int(v) for v in np.rint(np.ldexp(zk.input_low, zk.in_bits))],
        "input_high_q": [int(v) for v in np.rint(np.ldexp(zk.input_high, zk.in_bits))],
        "out_of_range": m.OUT_OF_RANGE,
        "float32_inputs": bool(m.FLOAT32_INPUTS),
        "classes": [int(c) for c in m.CLASSES] if m.CLASSES is not None else None,
    }
    if hasattr(m, "W1"):
        for name in ("W1", "B1", "W2", "B2", "W3", "B3"):
            if hasattr(m, name):
                out[name] = json.loads(json.dumps(getattr(m, name), default=int))
    if hasattr(m, "TREES"):
        out["trees"] = [{"feature": list(t.feature), "threshold": [int(v) for v in t.threshold],
                         "left": list(t.left), "right": list(t.right),
                         "leaf_values": [[int(v) for v in row] for row in t.leaf_values]} for t in m.TREES]
    return out


def constants_digest(zk: Any) -> str:
    """sha256 (hex) of :func:`model_constants` as canonical JSON."""
    blob = json.dumps(model_constants(zk), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def declared_digest(text: str) -> str | None:
    """The ``// constants-sha256: <hex>`` a hand-written program declares, or None."""
    m = re.search(r"//\s*constants-sha256:\s*([0-9a-f]{64})", text)
    return m.group(1) if m else None


# ---- running ----------------------------------------------------------------------------------
def handwritten_encoding(text: str) -> tuple[list[int], bool, dict[int, tuple[int, int]]]:
    """What a hand-written program declares of its input encoding: ``// input-bits: B0 B1 ...`` (the
    fractional bits of each feature), whether ``// float32-inputs`` (features rounded to float32 first,
    as scikit-learn's trees compare them), and ``// input-clamp-q: J:LO:HI ...`` (feature J's quantized
    value clamped into [LO, HI], the range the converter declared when the program was written).
    ValueError when the file declares no bits."""
    m = re.search(r"//\s*input-bits:\s*([0-9 ]+)", text)
    if m is None:
        raise ValueError("the hand-written program declares no `// input-bits:` line")
    clamp = re.search(r"//\s*input-clamp-q:\s*([-0-9: ]+)", text)
    ranges = {int(j): (int(lo), int(hi)) for j, lo, hi in
              (item.split(":") for item in (clamp.group(1).split() if clamp else []))}
    return [int(b) for b in m.group(1).split()], re.search(r"//\s*float32-inputs\b", text) is not None, ranges


def handwritten_input(text: str, x: Any) -> list[int]:
    """One sample (raw features, as many as the program reads) in the encoding the hand-written program
    ``text`` declares (:func:`handwritten_encoding`), offset into ``u64`` as :func:`stdlib_ml.fixed.encode`
    does. It was written for one conversion; pyleo's program of today may read other words (its own
    encoding: ``zk.encode``)."""
    bits, float32, ranges = handwritten_encoding(text)
    values = np.asarray(x, dtype=np.float32 if float32 else np.float64).astype(np.float64)
    q = [int(v) for v in fixed.quantize(values, bits)]
    for j, (lo, hi) in ranges.items():
        q[j] = min(max(q[j], lo), hi)
    return [v + fixed.INPUT_OFFSET for v in q]


def aleo_input(row: list[int]) -> str:
    """An encoded sample as an Aleo ``[u64; n]`` literal."""
    return "[" + ", ".join(f"{int(v)}u64" for v in row) + "]"


def run_label(text: str, row: list[int]) -> int | None:
    """The class index a hand-written program outputs for one encoded sample (:func:`handwritten_input`),
    or None when the circuit halts."""
    try:
        out = vm.evaluate(text, FUNCTION, [aleo_input(row)], keys=False)   # the circuit alone: no key synthesized
    except ExecutionError:
        return None
    return int(out[0].removesuffix("u8"))


def pyleo_label(zk: Any, words: list[int] | None) -> int | None:
    """The class index pyleo's program outputs on snarkVM for one sample in the model's own encoding
    (``words``, as ``zk.encode`` gives them), or None when the circuit halts or the encoding cannot
    carry the sample (None)."""
    if words is None:
        return None
    try:
        return int(zk.program.evaluate(FUNCTION, *zk.circuit_args(words), keys=False))
    except ExecutionError:
        return None


def _entry(key: str) -> tuple[str, Callable[[], models.Fitted], str]:
    if key not in MODELS:
        raise KeyError(f"unknown key {key!r}; use one of {', '.join(MODELS)}")
    return MODELS[key]


def _convert(f: models.Fitted) -> Any:
    from stdlib_ml.convert import from_sklearn

    return from_sklearn(f.model, f.X_train)


def compare(key: str, samples: int | None = None) -> dict[str, Any]:
    """pyleo's program against the hand-written one for ``key`` ("iris_mlp16" or "wine_tree4"), on the
    first ``samples`` held-out samples (None: all).

    Constraints are exact (snarkVM's verifying keys). ``agreement`` is the fraction of the held-out
    samples on which the hand-written program's label equals pyleo's (a halt counts as a
    disagreement); ``agreement_float`` compares it with the float scikit-learn model.
    ``empty_transition_constraints`` is :func:`empty_transition_text`'s count, the fixed cost every
    transition with this signature pays; the ``*_model_constraints`` are the counts minus it.
    """
    filename, fit, fit_name = _entry(key)
    f = fit()
    zk = _convert(f)
    pyleo_text = zk.module.prog.aleo()
    hand_text = handwritten_text(key)
    n = zk.n_features

    pc = vm.constraints(pyleo_text, FUNCTION)
    hc = vm.constraints(hand_text, FUNCTION)
    ec = vm.constraints(empty_transition_text(n), FUNCTION)

    rows = np.asarray(f.X_test, dtype=np.float64)[:samples] if samples is not None else np.asarray(f.X_test)
    pyleo_labels = [pyleo_label(zk, words) for words in zk.encode(rows)]
    hand_labels = [run_label(hand_text, handwritten_input(hand_text, x[zk.columns])) for x in rows]
    float_labels = list(f.model.predict(rows))

    def decode(i: int | None) -> Any:
        return None if i is None else zk.classes_[i].item() if zk.classes_ is not None else i

    hand_dec = [decode(i) for i in hand_labels]
    pyleo_dec = [decode(i) for i in pyleo_labels]
    samples = len(rows)
    agree = sum(h is not None and h == p for h, p in zip(hand_labels, pyleo_labels))
    agree_float = sum(h is not None and h == fl for h, fl in zip(hand_dec, float_labels))
    pyleo_float = sum(p is not None and p == fl for p, fl in zip(pyleo_dec, float_labels))
    declared = declared_digest(hand_text)
    actual = constants_digest(zk)
    result: dict[str, Any] = {
        "key": key,
        "model": f.name,
        "models_function": fit_name,
        "pyleo_constraints": pc,
        "handwritten_constraints": hc,
        "ratio": pc / hc,
        "empty_transition_constraints": ec,
        "pyleo_model_constraints": pc - ec,
        "handwritten_model_constraints": hc - ec,
        "model_ratio": (pc - ec) / (hc - ec) if hc > ec else float("inf"),
        "agreement": agree / samples if samples else float("nan"),
        "agreement_float": agree_float / samples if samples else float("nan"),
        "pyleo_agreement_float": pyleo_float / samples if samples else float("nan"),
        "samples": samples,
        "handwritten_halts": sum(h is None for h in hand_labels),
        "pyleo_halts": sum(p is None for p in pyleo_labels),
        "signature_match": signature(hand_text) == signature(pyleo_text),
        "constants_match": declared is not None and declared == actual,
        "constants_sha256": actual,
        "handwritten_file": f"benchmarks/handwritten/{filename}",
    }
    if not result["constants_match"]:
        result["warning"] = (f"the hand-written program was written for constants sha256 {declared}, this "
                             f"conversion gives {actual} (another scikit-learn or converter version?): "
                             "its labels are not expected to match")
    return result


# ---- boundary inputs (beyond the test set) ------------------------------------------------------
def boundary_rows(key: str, zk: Any, f: models.Fitted, bits: list[int]) -> list[tuple[list[int], bool]]:
    """Quantized inputs (integers at the hand-written program's ``bits``, one per feature it reads) at
    the edges of what the hand-written tricks rely on, each with whether it lies in the converter's
    declared domain (where neither program may halt and the labels must agree).

    MLP: every corner of the input box, the box's edges around a test sample, and values just outside
    the windows the program checks (x = -2^15 - 1, 2^15). Tree: each threshold T and T ± 1 (in the
    domain) and T - 3, T + 2, T ± 2^40 (outside), each on test samples routed through every node.
    """
    lo = [int(v) for v in np.rint(np.ldexp(zk.input_low, bits))]
    hi = [int(v) for v in np.rint(np.ldexp(zk.input_high, bits))]
    base = [[int(v) for v in row] for row in fixed.quantize(np.asarray(f.X_test)[:, zk.columns], bits)]
    rows: list[tuple[list[int], bool]] = []

    def add(x: list[int]) -> None:
        rows.append((list(x), all(lo[j] <= x[j] <= hi[j] for j in range(len(x)))))

    if key == "iris_mlp16":
        n = len(lo)
        for c in range(2**n):
            add([hi[j] if (c >> j) & 1 else lo[j] for j in range(n)])
        for b in base[:3]:
            for j in range(n):
                for v in (lo[j], hi[j], -2**15 - 1, 2**15, -2**15, 2**15 - 1):
                    x = list(b)
                    x[j] = v
                    add(x)
    else:
        t = zk.module.TREES[0]
        used = sorted(set(t.feature))
        picks: list[list[int]] = []
        # a few test samples, plus every corner pattern of the used features' domains (routes all nodes)
        for c in range(0, 2 ** len(used), max(1, 2 ** len(used) // 16)):
            x = list(base[0])
            for k, j in enumerate(used):
                x[j] = hi[j] if (c >> k) & 1 else lo[j]
            picks.append(x)
        for j, thr in zip(t.feature, t.threshold):
            for b in picks[:8]:
                for d in (-1, 0, 1, -3, 2, 2**40, -2**40):
                    x = list(b)
                    x[j] = int(thr) + d
                    add(x)
    return rows


def model_words(zk: Any, x: np.ndarray) -> list[int] | None:
    """pyleo's input words for one sample ``x`` (raw features), or None where its encoding cannot
    carry it (a value outside the range of a model that does not clamp)."""
    try:
        (words,) = zk.encode(x[None, :])
    except ModelInputError:
        return None
    return words


def boundary_check(key: str) -> dict[str, Any]:
    """Run :func:`boundary_rows` through both programs on snarkVM. In the domain both must give the
    same label without halting; outside it the hand-written program must halt or agree with pyleo
    (where pyleo halts too, or pyleo alone halts or cannot encode the row, the row is only counted)."""
    _, fit, _ = _entry(key)
    f = fit()
    zk = _convert(f)
    hand_text = handwritten_text(key)
    bits, _, _ = handwritten_encoding(hand_text)
    stats = {"rows": 0, "in_domain": 0, "in_domain_agree": 0, "in_domain_halts": 0, "outside": 0,
             "outside_agree": 0, "outside_hand_halts": 0, "outside_pyleo_halts_only": 0, "outside_disagree": 0}
    for row, indom in boundary_rows(key, zk, f, bits):
        raw = np.zeros(zk.n_features)
        raw[zk.columns] = np.ldexp(np.asarray(row, dtype=np.float64), -np.asarray(bits))
        p = pyleo_label(zk, model_words(zk, raw))
        h = run_label(hand_text, [v + fixed.INPUT_OFFSET for v in row])
        stats["rows"] += 1
        if indom:
            stats["in_domain"] += 1
            stats["in_domain_halts"] += int(h is None or p is None)
            stats["in_domain_agree"] += int(h is not None and h == p)
        else:
            stats["outside"] += 1
            if h is None:
                stats["outside_hand_halts"] += 1
            elif p is None:
                stats["outside_pyleo_halts_only"] += 1
            elif h == p:
                stats["outside_agree"] += 1
            else:
                stats["outside_disagree"] += 1
    stats["ok"] = (stats["in_domain_agree"] == stats["in_domain"] and stats["outside_disagree"] == 0)
    return stats


# ---- report -----------------------------------------------------------------------------------
def table(results: list[dict[str, Any]]) -> str:
    """The comparison as a Markdown table."""
    head = ("| model | pyleo | hand-written | ratio | empty transition | pyleo model | hand-written model "
            "| model ratio | agreement | samples |")
    lines = [head, "|" + "---|" * 10]
    for r in results:
        lines.append(
            f"| {r['model']} (`{r['key']}`) | {r['pyleo_constraints']:,} | {r['handwritten_constraints']:,} "
            f"| {r['ratio']:.4f} | {r['empty_transition_constraints']:,} | {r['pyleo_model_constraints']:,} "
            f"| {r['handwritten_model_constraints']:,} | {r['model_ratio']:.2f} | {r['agreement']:.3f} "
            f"| {r['samples']} |")
    notes = []
    for r in results:
        if not r["constants_match"] or not r["signature_match"] or r["agreement"] < 1:
            notes.append(f"- **{r['key']}**: constants_match={r['constants_match']}, signature_match="
                         f"{r['signature_match']}, agreement={r['agreement']:.3f}. {r.get('warning', '')}")
    return "\n".join(lines + ([""] + notes if notes else []))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("keys", nargs="*", default=list(MODELS), help=f"models (default: {' '.join(MODELS)})")
    ap.add_argument("--json", "--out", metavar="PATH", help="also write the results as JSON")
    ap.add_argument("--smoke", action="store_true", help="iris_mlp16 on 2 held-out samples")
    ap.add_argument("--boundary", action="store_true", help="also run the boundary inputs through snarkVM")
    ap.add_argument("--samples", type=int, default=None, help="held-out samples run through both programs (default all)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.keys, args.samples = ["iris_mlp16"], 2
    results = [compare(k, args.samples) for k in args.keys]
    print(table(results))
    if args.boundary:
        print()
        for k in args.keys:
            b = boundary_check(k)
            r = next(x for x in results if x["key"] == k)
            r["boundary"] = b
            print(f"- boundary `{k}`: {b}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
