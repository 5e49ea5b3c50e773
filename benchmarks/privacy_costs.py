"""Constraint cost of each privacy mode on snarkVM, and of committing to private weights.

    python -m benchmarks.privacy_costs [--out benchmarks/results/privacy_costs.json] [--smoke]

Modes: the same small model (4 private ``u8`` features, constant weights, a threshold label) with
its input private or public and its label output public, private (an Aleo private output,
encrypted to the prover) or as a public BHP256 commitment with a private blinding scalar; then
weights as private inputs committed with BHP256 (``pl.commit``, blinding scalar) or Poseidon2
(``pl.poseidon2`` of a struct of the weights and a private ``u128`` blinding value, as in
examples/credit.py), for 1 to 8 weights, against the same function without the commitment
(``per weight`` is the slope of the difference); and examples/credit.py's scorecard with its weights
as constants of the program (public model) against the example itself (private weights, committed).

Converter families (``--families``): the same small model of each family that ``weights="private"``
takes (iris, 150 rows), converted with public weights and with private weights + Poseidon2
commitment; exact constraints where the circuit fits the local bound, else the cost model's
estimate (``Program.estimate``, marked ``~``). Private × private multiplications: k products of
private u32 × private u64 values (``Σ w_i·x_i``) against their sum (``Σ w_i + x_i``): the slope is
the cost of one product.

Every function is its own one-function program whose constraints snarkVM synthesizes
(``Program.cost``, exact); a circuit above the local degree-16 bound (16,384) cannot be synthesized
here and its row says so. First run about 5 s per function; the key cache makes re-runs fast.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

import pyleo as pl
from pyleo import vm
from pyleo.errors import LimitError
from stdlib_ml.convert.model import param_word_bits

HEADER = "import pyleo as pl\n\nW = [3, -1, 4, 1]\n\n"

LABEL = """    s: pl.I32 = 0
    for i in range(4):
        s += W[i] * pl.I32(x[i])
    label: pl.Bool = s > 100
"""

MODES = {
    "public input, public label": ("x: pl.Public[pl.Array[pl.U8, 4]]", "pl.Public[pl.Bool]", "label"),
    "private input, public label": ("x: pl.Array[pl.U8, 4]", "pl.Public[pl.Bool]", "label"),
    "private input, private label": ("x: pl.Array[pl.U8, 4]", "pl.Bool", "label"),
    "private input, label as a public BHP256 commitment": ("x: pl.Array[pl.U8, 4], r: pl.Scalar",
                                                          "pl.Public[pl.Field]", "pl.commit(label, r)"),
}


def mode_source(name: str, params: str, result: str, expr: str) -> str:
    return f"@pl.function\ndef {name}({params}) -> {result}:\n{LABEL}    return {expr}\n\n"


def weights_source(name: str, k: int, kind: str) -> str:
    """A function taking k private i8 weights; kind: none (baseline), bhp or poseidon."""
    params = f"w: pl.Array[pl.I8, {k}]" + {"none": "", "bhp": ", r: pl.Scalar", "poseidon": ", r: pl.U128"}[kind]
    body = "    acc: pl.I16 = 0\n" + "".join(f"    acc += pl.I16(w[{i}])\n" for i in range(k))
    if kind == "none":
        return f"@pl.function\ndef {name}({params}) -> pl.Public[pl.I16]:\n{body}    return acc\n\n"
    struct = f"class Opening{k}(pl.Struct):\n    w: pl.Array[pl.I8, {k}]\n    r: pl.U128\n\n\n"
    commit = "pl.commit(w, r)" if kind == "bhp" else f"pl.poseidon2(Opening{k}(w, r))"
    return ((struct if kind == "poseidon" else "")
            + f"@pl.function\ndef {name}({params}) -> tuple[pl.Public[pl.I16], pl.Public[pl.Field]]:\n{body}"
            f"    return acc, {commit}\n\n")


def products_source(name: str, k: int, kind: str) -> str:
    """k private u32 weights and k private u64 inputs: their dot product (kind "dot") or sum ("sum")."""
    op = "*" if kind == "dot" else "+"
    return (f"@pl.function\ndef {name}(w: pl.Array[pl.U32, {k}], x: pl.Array[pl.U64, {k}]) -> pl.Public[pl.Field]:\n"
            "    acc: pl.Field = 0\n"
            + "".join(f"    acc += pl.Field(w[{i}]) {op} pl.Field(x[{i}])\n" for i in range(k))
            + "    return acc\n\n")


PACKING = {   # the same private struct input (with a u128 blinding value) as separate elements or packed words
    "32 u16 values as 32 elements": "pl.Array[pl.Array[pl.U16, 4], 8]",
    "32 u16 values in 8 u64 words": "pl.Array[pl.U64, 8]",
    "32 u16 values in 4 u128 words": "pl.Array[pl.U128, 4]",
    "1,024 bits in 8 u128 words": "pl.Array[pl.U128, 8]",
}


def packing_source() -> str:
    """One function per PACKING row: a private sample and the struct, no hash (the input's own cost)."""
    out = "import pyleo as pl\n\n"
    for i, t in enumerate(PACKING.values()):
        first = "m.p[0][0]" if t.count("Array") == 2 else "m.p[0]"
        out += (f"class Pack{i}(pl.Struct):\n    p: {t}\n    r: pl.U128\n\n\n@pl.function\n"
                f"def pack_{i}(x: pl.Array[pl.U64, 4], m: Pack{i}) -> pl.Public[pl.Field]:\n"
                f"    return pl.Field(x[0]) + pl.Field({first})\n\n\n")
    return out


def family_models() -> list[tuple[str, Any, Any]]:
    """(label, fitted model, calibration rows): one small model per family with private weights."""
    import xgboost
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_iris
    from sklearn.ensemble import AdaBoostClassifier, GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    binary = (y == 2).astype(int)
    idx = np.random.RandomState(0).permutation(len(X))
    knn = [(n, KNeighborsClassifier(3).fit(X[idx[:n]], y[idx[:n]])) for n in (6, 8, 12)]
    return [
        ("LogisticRegression (4 features, 3 classes)", LogisticRegression(max_iter=1000).fit(X, y), X),
        ("LinearRegression (3 features)", LinearRegression().fit(X[:, :3], X[:, 3]), X[:, :3]),
        ("LogisticRegression (2 features, binary)", LogisticRegression().fit(X[:, 2:], binary), X[:, 2:]),
        ("SVC linear (4 features, 3 classes, one-vs-one)", SVC(kernel="linear").fit(X, y), X),
        ("KMeans (4 features, 3 clusters)", KMeans(3, n_init=3, random_state=0).fit(X), X),
        ("GaussianNB (4 features, 3 classes)", GaussianNB().fit(X, y), X),
        ("GaussianNB (2 features, binary)", GaussianNB().fit(X[:, 2:], binary), X[:, 2:]),
        ("MLPClassifier 4-4-3 (relu)", MLPClassifier((4,), max_iter=3000, random_state=0).fit(X, y), X),
        ("MLPClassifier 2-2-1 (relu, binary)", MLPClassifier((2,), max_iter=3000, random_state=0).fit(X[:, 2:], binary),
         X[:, 2:]),
        ("DecisionTreeClassifier (depth 3)", DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y), X),
        ("DecisionTreeClassifier (depth 2)", DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y), X),
        ("RandomForestClassifier (3 trees, depth 3)",
         RandomForestClassifier(3, max_depth=3, random_state=0).fit(X, y), X),
        ("RandomForestClassifier (binary, 2 stumps)",
         RandomForestClassifier(2, max_depth=1, random_state=0).fit(X, binary), X),
        ("GradientBoostingClassifier (binary, 3 trees of depth 2)",
         GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, binary), X),
        ("GradientBoostingClassifier (binary, 2 stumps)",
         GradientBoostingClassifier(n_estimators=2, max_depth=1, random_state=0).fit(X, binary), X),
        ("AdaBoostClassifier (binary, 3 stumps)", AdaBoostClassifier(n_estimators=3, random_state=0).fit(X, binary), X),
        ("AdaBoostClassifier (binary, 2 stumps)", AdaBoostClassifier(n_estimators=2, random_state=0).fit(X, binary), X),
        ("XGBClassifier (binary, 3 trees of depth 2)",
         xgboost.XGBClassifier(n_estimators=3, max_depth=2, n_jobs=1).fit(X, binary), X),
        ("XGBClassifier (binary, 2 trees of depth 1)",
         xgboost.XGBClassifier(n_estimators=2, max_depth=1, n_jobs=1).fit(X, binary), X),
        *[(f"KNeighborsClassifier (k=3, {n} points)", m, X[idx[:n]]) for n, m in knn],
    ]


def model_cost(zk: Any) -> tuple[int, bool]:
    """(constraints, exact): snarkVM's count when the circuit fits the local bound, else the estimate."""
    try:
        return zk.cost(prepare_proof=False), True
    except LimitError:
        return zk.program.estimate("predict").total, False


def _fmt(cost: tuple[int, bool]) -> str:
    return f"{cost[0]:,}" if cost[1] else f"~{cost[0]:,}"


def families(rows: list[dict[str, Any]]) -> None:
    from stdlib_ml import from_sklearn, from_xgboost

    for label, model, X in family_models():
        convert = from_xgboost if type(model).__module__.startswith("xgboost") else from_sklearn
        pub = model_cost(convert(model, X))
        zk = convert(model, X, weights="private")
        priv = model_cost(zk)
        sizes = {k: np.asarray(v).size for k, v in zk.module.OWNER_WEIGHTS.items()}
        packed = {k: f"{n} × {zk.module.PARAM_BITS[k]} bits in {len(zk.opening()[k])} u{param_word_bits(n, zk.module.PARAM_BITS[k])}"
                  for k, n in sizes.items()}
        rows.append({"table": "families", "model": label, "public": pub[0], "public_exact": pub[1],
                     "private": priv[0], "private_exact": priv[1], "parameters": sum(sizes.values()),
                     "param_bits": zk.module.PARAM_BITS, "packed": packed})
        print(f"{label:<55} public {_fmt(pub):>8}  private+commitment {_fmt(priv):>8}  ({'; '.join(packed.values())})",
              flush=True)


def families_table(rows: list[dict[str, Any]]) -> str:
    """The families' rows as a markdown table (``~``: the cost model's estimate, the circuit being refused)."""
    lines = ["| model (iris) | public weights | private weights + Poseidon2 commitment | fits 16,384 | private "
             "parameters (packed as) |", "|---|---:|---:|---|---|"]
    for r in rows:
        if r.get("table") == "families":
            pub, priv = _fmt((r["public"], r["public_exact"])), _fmt((r["private"], r["private_exact"]))
            lines.append(f"| {r['model']} | {pub} | {priv} | {'yes' if r['private_exact'] else 'no'} | "
                         f"{'; '.join(f'{k}: {v}' for k, v in r['packed'].items())} |")
    return "\n".join(lines) + "\n"


CREDIT_PUBLIC = """import pyleo as pl

from examples.credit import THRESHOLD

W = [90, 40, 120, 70]


@pl.function
def approve(x: pl.Array[pl.U8, 4]) -> pl.Public[pl.Bool]:
    s: pl.Field = 0
    for i in range(4):
        s += pl.Field(W[i]) * pl.Field(x[i])
    return pl.U32(s) >= THRESHOLD
"""


def load(source: str, folder: Path, stem: str) -> dict[str, Any]:
    path = folder / f"{stem}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"privacy_costs_{stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return vars(module)


def constraints(fn: Any, name: str) -> int | None:
    """Exact constraints of ``fn`` as its own program, None when above the local bound."""
    try:
        return pl.Program(name, [fn]).cost(fn.name, prepare_proof=False)
    except LimitError:
        return None


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/privacy_costs.json"))
    ap.add_argument("--weights", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--products", type=int, nargs="+", default=[4, 16])
    ap.add_argument("--families", action=argparse.BooleanOptionalAction, default=True,
                    help="also convert one small model per family with public and private weights")
    ap.add_argument("--smoke", action="store_true",
                    help="the products table at 1 product alone (no packing, families, modes, weights or credit)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.products, args.weights, args.families = [1], [], False
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        ns = load("import pyleo as pl\n\n" + "".join(products_source(f"{kind}_{k}", k, kind) for k in args.products
                                                      for kind in ("sum", "dot")), Path(tmp), "products")
        for k in args.products:
            counts = {kind: constraints(ns[f"{kind}_{k}"], f"p_{kind}_{k}") for kind in ("sum", "dot")}
            rows.append({"table": "products", "products": k, **counts})
            print(f"{k} private x private products: {counts}", flush=True)
        ns = load(packing_source(), Path(tmp), "packing")
        for i, label in enumerate(PACKING if not args.smoke else []):
            n = constraints(ns[f"pack_{i}"], f"pack_{i}")
            rows.append({"table": "packing", "layout": label, "constraints": n})
            print(f"{label:<40} {n}", flush=True)
        if args.families:
            families(rows)
        names = {mode: f"m{i}" for i, mode in enumerate(MODES)}
        ns = load(HEADER + "".join(mode_source(names[m], *MODES[m]) for m in MODES), Path(tmp), "modes")
        for mode in MODES if not args.smoke else []:
            n = constraints(ns[names[mode]], f"mode_{names[mode]}")
            rows.append({"table": "modes", "mode": mode, "constraints": n})
            print(f"{mode:<55} {n if n is not None else 'over 16,384'}", flush=True)
        src = HEADER + "".join(weights_source(f"{kind}_{k}", k, kind) for k in args.weights
                               for kind in ("none", "bhp", "poseidon"))
        ns = load(src, Path(tmp), "weights")
        for k in args.weights:
            counts = {kind: constraints(ns[f"{kind}_{k}"], f"w_{kind}_{k}") for kind in ("none", "bhp", "poseidon")}
            rows.append({"table": "weights", "weights": k, **counts})
            print(f"{k} weights: {counts}", flush=True)
        from examples import credit

        public = load(CREDIT_PUBLIC, Path(tmp), "credit_public")["approve"]
        for label, fn in (("credit scorecard, weights as constants (public model)", public),
                          ("credit scorecard, private weights + Poseidon2 commitment (examples/credit.py)",
                           credit.approve))[:0 if args.smoke else None]:
            n = constraints(fn, "credit")
            rows.append({"table": "credit", "mode": label, "constraints": n})
            print(f"{label:<55} {n}", flush=True)
    slopes = {}
    for kind in ("bhp", "poseidon"):
        pts = [(r["weights"], r[kind] - r["none"]) for r in rows if r.get("table") == "weights"
               and r.get(kind) is not None and r.get("none") is not None]
        if len(pts) >= 2:
            (k0, d0), (k1, d1) = pts[0], pts[-1]
            slopes[kind] = {"fixed": d0 - (d1 - d0) / (k1 - k0) * k0, "per_weight": (d1 - d0) / (k1 - k0),
                            "from": pts}
    prods = [(r["products"], r["dot"] - r["sum"]) for r in rows if r.get("table") == "products"
             and r.get("dot") is not None and r.get("sum") is not None]
    if len(prods) >= 2:
        slopes["private_product"] = {"per_product": (prods[-1][1] - prods[0][1]) / (prods[-1][0] - prods[0][0]),
                                     "from": prods}
    pack = {r["layout"]: r["constraints"] for r in rows if r.get("table") == "packing"}
    if pack and None not in pack.values():
        (elems, _, words128, bits1024) = pack.values()
        slopes["private_input"] = {"per_element": (elems - words128) / (32 - 4),
                                   "per_bit": (bits1024 - words128) / 512, "from": pack}
    result = {"machine": platform.platform(), "versions": vm.versions(), "rows": rows, "commitment_slopes": slopes}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    if args.families:
        table = families_table(rows)
        args.out.with_suffix(".md").write_text(
            "# Private weights: constraints per family\n\n`python -m benchmarks.privacy_costs` "
            f"(snarkVM {vm.versions()['snarkvm']}, aleo-sdk {vm.versions()['aleo_sdk']}); exact counts from snarkVM, `~` the cost model's estimate where snarkVM refused "
            "the circuit locally.\n\n" + table)
        print(table)
    print(json.dumps(slopes, indent=1))


if __name__ == "__main__":
    main()
