"""Every benchmark script at its smoke size (``--smoke``, see benchmarks/__init__.py), so that none can fall
behind the code it measures: each runs in this process, writes its results where ``--out`` says, and the
file must hold the rows the script's tables are made of, with values that make sense (constraints within
snarkVM's local bound, agreements between 0 and 1, proofs that verified). No timing is asserted.

Scripts that compare with EZKL run without it when it is not installed (the dev set-up has no ezkl): they
must say so and still write pyleo's rows. Scripts that synthesize keys are marked ``prove``; their smoke
sizes reuse small programs (examples/scorer.py, the iris MLPs) so that a cold key cache pays for few.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pyleo import vm
from pyleo.limits import LOCAL_BUDGET, MAINNET_BUDGET

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
LIBRARIES = {"models"}
"""Modules of benchmarks/ that are libraries of the scripts, not scripts (no ``main``)."""

EZKL = importlib.util.find_spec("ezkl") is not None


def fraction(v: Any) -> bool:
    return isinstance(v, float) and 0.0 <= v <= 1.0


def constraints(v: Any) -> bool:
    return isinstance(v, int) and 10_000 < v <= LOCAL_BUDGET


def check_handwritten(doc: Any, out: str) -> None:
    (r,) = doc
    assert r["key"] == "iris_mlp16" and r["samples"] == 2
    assert constraints(r["pyleo_constraints"]) and constraints(r["handwritten_constraints"])
    assert r["empty_transition_constraints"] < min(r["pyleo_constraints"], r["handwritten_constraints"])
    assert r["pyleo_halts"] == 0 and fraction(r["agreement"]) and fraction(r["pyleo_agreement_float"])
    assert r["pyleo_agreement_float"] == 1.0   # pyleo's program, on its own encoding, gives the float model's labels


def check_run(doc: Any, out: str) -> None:
    assert doc["mode"] == "smoke"
    (row,) = doc["pyleo"]
    assert constraints(row["constraints"]) and row["verified"] and row["tampered_rejected"]
    assert fraction(row["agreement"]) and row["proved_output_matches"]
    if not EZKL:
        assert doc["ezkl"] == [] and "ezkl" in doc["ezkl_note"] and "not installed" in doc["ezkl_note"]
        assert "not installed" in out
    (hand,) = doc["handwritten"]
    assert constraints(hand["pyleo_constraints"])
    assert doc["growth"] and all(r["predicted"] > 0 for r in doc["growth"])
    assert doc["growth"][0]["exact"] is not None     # the first family is sized by snarkVM too
    assert Path(doc["out"]).with_suffix(".md").read_text().count("## ") >= 4


def check_pyleo_bench(doc: Any, out: str) -> None:
    assert constraints(doc["constraints"]) and doc["verified"] and doc["tampered_rejected"]
    assert doc["proof_bytes"] > 0 and doc["execution_bytes"] > doc["proof_bytes"] and fraction(doc["agreement"])


def check_ezkl_bench(doc: Any, out: str) -> None:
    if EZKL:
        (r,) = doc
        assert r["verified"] and r["tampered_rejected"] and fraction(r["agreement"])
    else:
        assert doc == [] and "ezkl" in out and "not installed" in out and "pip install" in out


def check_torch_ezkl(doc: Any, out: str) -> None:
    assert doc["models"] == ["mlp"]   # the smoke size: no GRU, no transformer (nor EZKL on them)
    pyleo = [r for r in doc["runs"] if r["stack"].startswith("pyleo")]
    assert len(pyleo) == 1 and constraints(pyleo[0]["constraints"]) and pyleo[0]["verified"]
    assert pyleo[0]["constraints_source"] == "snarkVM" and pyleo[0]["part_constraints"] == [pyleo[0]["constraints"]]
    assert [(p["budget"], p["parts"]) for p in pyleo[0]["plans"]] == [(LOCAL_BUDGET, 1), (MAINNET_BUDGET, 1)]
    assert pyleo[0]["tampered_rejected"] and fraction(pyleo[0]["agreement"]) and pyleo[0]["samples"] == 5
    if not EZKL:
        assert len(doc["runs"]) == 1 and "not installed" in doc["ezkl"] and "not installed" in out


def check_batch(doc: Any, out: str) -> None:
    (m,) = doc["models"]
    (keys,) = m["keys"]
    assert keys["rows_per_proof"] == 1 and constraints(keys["constraints"])
    (run,) = m["runs"]
    assert run["rows"] == 2 and run["failed"] == 0 and run["verified"] and run["agreement"] == 1.0
    if not EZKL:
        assert not doc["ezkl"]


def check_examples(doc: Any, out: str) -> None:
    (r,) = doc["rows"]
    assert r["program"] == "linear_scorer.score" and r["verified"] and constraints(r["constraints"])


def check_growth(doc: Any, out: str) -> None:
    rows = doc["rows"]
    assert len({r["family"] for r in rows}) == len(rows) >= 4
    assert rows[0]["exact"] is not None and abs(rows[0]["error"]) < 0.1
    assert all(r["instructions"] > 0 and r["predicted"] > 0 for r in rows)


def check_compile_growth(doc: Any, out: str) -> None:
    (r,) = doc["rows"]
    assert r["trees"] == 2 and r["instructions"] > 0 and r["batch_rows_per_s"] > 0 and "baseline" not in r


def check_cost_calibration(doc: Any, out: str) -> None:
    (r,) = doc["rows"]
    assert r["program"] == "examples.scorer" and constraints(r["exact"]) and abs(r["error"]) < 0.1
    (fam,) = doc["families"]   # the iris MLP, whose key pyleo_bench's smoke run gave
    assert fam["family"].startswith("MLP") and constraints(fam["exact"]) and abs(fam["error"]) <= 0.02
    assert doc["widths"] and sum(w["interpolated"] == w["measured"] for w in doc["widths"]) > len(doc["widths"]) / 2
    assert "One model per converter family" in out


def check_end_to_end(doc: Any, out: str) -> None:
    (r,) = doc["rows"]
    assert r["model"] == "rf_iris" and r["agreement"] == 1.0 and r["plan"]["parts"] >= 1 and r["proofs"] == []
    assert doc["ezkl_forest"]["measured"] is None and doc["ezkl_forest"]["reason"] == "not measured by --smoke"


def check_fidelity(doc: Any, out: str) -> None:
    (r,) = doc["rows"]
    assert r["model"] == "LogisticRegression" and fraction(r["agreement"]) and r["agreement"] > 0.9


def check_ezkl_sizes(doc: Any, out: str) -> None:
    assert doc["mode"] == "smoke"
    (r,) = doc["rows"]
    assert r["model"] == "MLPClassifier (no scaler)" and constraints(r["pyleo_constraints"])
    if EZKL:
        assert r["ezkl"] and r["rows"] > 0 and 0 < r["logrows"] <= 26
    else:
        assert not r["ezkl"] and "not installed" in doc["ezkl_note"] and "not installed" in out


def check_input_costs(doc: Any, out: str) -> None:
    (r,) = doc["rows"]
    assert r["features"] == 4 and "digits_mlp" not in doc and r["chosen"]["source"] == "snarkVM"
    assert doc["base_u8"] < r["chosen"]["transition"] < doc["base_u8"] + 4 * 200   # four packed features cost little


def check_input_margin(doc: Any, out: str) -> None:
    (share,) = doc["inside"]
    assert share["dataset"] == "iris" and all(fraction(v) for k, v in share.items() if k != "dataset")
    (c,) = doc["constraints"]
    assert c["margin"] == 1.0 and "%" in c["breast_cancer_logreg"] and "%" in c["iris_knn"]


def check_link_costs(doc: Any, out: str) -> None:
    psd2, psd8 = doc["rows"]
    assert psd2["item"].startswith("hash.psd2 of [u64; 10]") and psd8["item"].startswith("hash.psd8 of [u64; 10]")
    assert psd2["source"] == psd8["source"] == "cost model"
    assert 0 < psd8["constraints"] < psd2["constraints"]   # as snarkVM counts them: one psd8 permutation, three psd2


def check_onnx_keras(doc: Any, out: str) -> None:
    paths = {r["path"] for r in doc["rows"]}
    assert {"from_sklearn (baseline)", "skl2onnx → from_onnx", "onnxmltools → from_onnx", "torch.onnx → from_onnx",
            "from_keras"} <= paths
    assert all(fraction(r["agreement"]) and r["constraints"].startswith("~") for r in doc["rows"])


def check_privacy_costs(doc: Any, out: str) -> None:
    (r,) = doc["rows"]
    assert r["table"] == "products" and r["products"] == 1 and r["sum"] < r["dot"]   # a private product costs


def check_reproductions(doc: Any, out: str) -> None:
    assert len(doc) == 6 and all("agreement" in v or "error" in v for v in doc.values())


def check_sign_test_widths(doc: Any, out: str) -> None:
    (r,) = doc["rows"]
    assert r["model"] == "rf_iris" and r["sign_tests"] > 0


def check_split(doc: Any, out: str) -> None:
    (b,) = doc["rows"]
    assert b["design"] == "b" and b["parts"] == 2 and b["valid"] and all(constraints(c) for c in b["constraints"])
    assert b["outputs"] == [f"{b['interpreter']}i64"]   # the parts' proved output is the interpreter's value
    (plan,) = doc["plans"]
    assert "proved" not in plan and plan["whole_estimate"] > 0


def check_stdlib_costs(doc: Any, out: str) -> None:
    rows = doc["rows"]
    assert [r["primitive"] for r in rows] == ["baseline: u64 inputs, reinterpreted", "linalg.from_offset"]
    assert rows[1]["per_unit"] == 0   # decoding offset u64 inputs is free (the table's claim)
    assert constraints(doc["headline"]["iris_mlp_predict_constraints"])


def check_tree_ranks(doc: Any, out: str) -> None:
    r = doc["ranks"]["tree4_wine"]
    assert r["ranks"] and r["agreement_held_out"] == 1.0 and "constraints" not in r


# script → (arguments after --smoke, the JSON check, whether it synthesizes keys)
SMOKE: dict[str, tuple[list[str], Callable[[Any, str], None], bool]] = {
    "batch": ([], check_batch, True),
    "compile_growth": ([], check_compile_growth, False),
    "cost_calibration": ([], check_cost_calibration, True),
    "end_to_end": ([], check_end_to_end, False),
    "examples": ([], check_examples, True),
    "ezkl_bench": ([], check_ezkl_bench, False),
    "ezkl_sizes": ([], check_ezkl_sizes, False),
    "fidelity": ([], check_fidelity, False),
    "growth": ([], check_growth, True),
    "handwritten": ([], check_handwritten, True),
    "input_costs": ([], check_input_costs, True),
    "input_margin": ([], check_input_margin, True),
    "link_costs": ([], check_link_costs, False),
    "onnx_keras": ([], check_onnx_keras, False),
    "privacy_costs": ([], check_privacy_costs, True),
    "pyleo_bench": ([], check_pyleo_bench, True),
    "reproductions": ([], check_reproductions, False),
    "run": ([], check_run, True),
    "sign_test_widths": ([], check_sign_test_widths, False),
    "split": ([], check_split, True),
    "stdlib_costs": ([], check_stdlib_costs, True),
    "torch_ezkl": ([], check_torch_ezkl, True),
    "tree_ranks": ([], check_tree_ranks, False),
}


FIRST = ("examples", "pyleo_bench")
"""Smoke runs that synthesize a proving key of a program that later ones only size (examples/scorer.py for
cost_calibration, the iris MLP 4→8→3 for batch): run first, the later ones read the verifying key it gave
instead of synthesizing one of their own."""


def test_every_script_has_a_smoke_run() -> None:
    scripts = {p.stem for p in BENCHMARKS.glob("*.py") if not p.stem.startswith("_")} - LIBRARIES
    assert scripts == set(SMOKE)


@pytest.mark.parametrize("script", [pytest.param(s, marks=pytest.mark.prove) if SMOKE[s][2] else s
                                    for s in [*FIRST, *(s for s in SMOKE if s not in FIRST)]])
def test_smoke(script: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    args, check, _ = SMOKE[script]
    out = tmp_path / f"{script}.json"
    # the suite's key cache, named: scripts that measure cold synthesis switch to an empty cache only when
    # none is named (the smoke runs share the suite's keys), and the switch ends with the test
    monkeypatch.setenv("PYLEO_CACHE_DIR", str(vm.cache_dir()))
    importlib.import_module(f"benchmarks.{script}").main(["--smoke", "--out", str(out), *args])
    printed = capsys.readouterr().out
    doc = json.loads(out.read_text())
    if script == "run":
        doc["out"] = str(out)
    check(doc, printed)


def test_transformer_after_its_embedding_is_the_same_model() -> None:
    """EZKL's part of the transformer (benchmarks.torch_ezkl.after_embedding on the embedded tokens) gives the
    example model's own logits on the token ids."""
    import numpy as np
    import torch

    from benchmarks.torch_ezkl import TRANSFORMER_TOKENS, TRANSFORMER_WIDTH, after_embedding, embedded
    from examples import transformer_text as ex

    torch.manual_seed(1)
    net = ex.TextTransformer(TRANSFORMER_TOKENS, TRANSFORMER_WIDTH).eval()
    X, _ = ex.make_data(8, TRANSFORMER_TOKENS, 2)
    with torch.no_grad():
        whole = net(torch.tensor(X)).numpy()
        part = after_embedding(net)(torch.tensor(embedded(net, X))).numpy()
    assert part.shape == (8, ex.TOPICS) and np.allclose(part, whole, atol=1e-6)
