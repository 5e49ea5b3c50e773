"""Issue 12's models of real size, proved here end to end (the models of :mod:`benchmarks.end_to_end`).

Each slow test converts the fitted model, checks the circuit's labels against the float model's
``predict`` on the whole held-out split, proves one held-out sample (whole, or split when it does
not fit one circuit), verifies the proof, and checks the proved label is scikit-learn's.
RandomForestClassifier() on breast_cancer proves in 14 parts since trees read threshold ranks (its
features as 32-bit values: no cut fitted 16,384 constraints per part; see
``benchmarks/results/end_to_end.json``)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import end_to_end
from pyleo import split, split_planner, vm

PROVED_HERE = ["rf_iris", "mlp_digits", "tree10_digits", "rf_breast_cancer"]


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
@pytest.mark.parametrize("key", PROVED_HERE)
def test_model_of_real_size_proves_verifies_and_agrees(key: str, key_cache) -> None:
    f = end_to_end.MODELS[key]()
    zk = end_to_end.convert(f)
    np.testing.assert_array_equal(zk.predict(f.X_test), f.model.predict(f.X_test))   # 100% on the held-out split
    x = f.X_test[1]
    proof = zk.prove(x)
    parts = proof.parts if isinstance(proof, split.SplitProof) else [proof]
    assert all(isinstance(p, vm.Proof) and p.constraints <= split.LOCAL_BUDGET for p in parts)
    assert zk.verify(proof)
    assert zk.decode_proof(proof) == f.model.predict(x[None])[0]


def test_a_packed_private_input_crosses_a_cut_packed(monkeypatch) -> None:
    """A forest on breast_cancer reads its 30 features (unpacked from packed words) in every tree, and
    trees share sign tests: a cut in the middle carries the words, not the unpacked fields (~35 constraints each in a
    link, narrowed and packed; ~500 each before links packed them) nor the shared tests' booleans, because the unpacking (a shift, a mask and one
    ternary per feature) and the sign tests (~9 each on ranks) are recomputed in every part that reads them."""
    from sklearn.ensemble import RandomForestClassifier

    from benchmarks.fidelity import load_dataset

    Xtr, _, ytr, _ = load_dataset("breast_cancer")
    zk = end_to_end.convert(end_to_end.Fitted("rf", "breast_cancer", RandomForestClassifier(
        n_estimators=30, random_state=0).fit(Xtr, ytr), Xtr, Xtr, ytr, ytr, "forest"))
    word = zk.program.code.function("predict").inputs[0].type.aleo()
    cut = split.crossing(zk.program.code, "predict")
    assert cut["values"].get(word) == 1 and cut["values"].get("field", 0) < 30, cut
    monkeypatch.setattr(split_planner, "REMAT_COST", 2.0)     # the unpacking recomputed, not the sign tests
    tests = split.crossing(zk.program.code, "predict")
    assert tests["values"].get("boolean", 0) >= 5 * max(cut["values"].get("boolean", 0), 1), (cut, tests)
    monkeypatch.setattr(split_planner, "REMAT_COST", 0.0)     # only free work recomputed: the ternaries' results cross
    carried = split.crossing(zk.program.code, "predict")
    # the carried features are narrowed and packed into u128 words (pyleo.split_liveness), yet cost more than the word
    assert carried["values"].get("field", 0) >= 30 and carried["link_input"] > cut["link_input"] + 1000, carried
