"""Scores, not only labels (issue 24, point 4): ``response_method="predict_proba"`` /
``"decision_function"`` output the fixed-point scores, given back shaped like the library's; ``threshold=t``
outputs only "P(positive) >= t", decided exactly on the fixed-point logit. The oracle is the fitted model's
own ``predict_proba`` / ``decision_function`` on held-out rows of data of our own.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from stdlib_ml import ConversionError, from_sklearn
from stdlib_ml.convert.quantize import threshold_constant


def _data(classes: int, seed: int = 0, n: int = 360) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian blobs in 4 features with offsets and unequal spreads; (train X, y, held-out X, y)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, size=n)
    centres = rng.normal(scale=1.5, size=(classes, 4))
    X = (centres[y] + rng.normal(size=(n, 4))) * np.asarray([2.0, 0.3, 15.0, 1.0]) + np.asarray([5.0, -1.0, 40.0, 0.0])
    return X[:240], y[:240], X[240:], y[240:]


def _models() -> list[tuple[str, Any, int, str]]:
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC, LinearSVC
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    return [
        ("logistic-2", LogisticRegression(max_iter=2000), 2, "predict_proba"),
        ("logistic-3", make_pipeline(StandardScaler(), LogisticRegression()), 3, "predict_proba"),
        ("logistic-3-df", make_pipeline(StandardScaler(), LogisticRegression()), 3, "decision_function"),
        ("linearsvc-df", LinearSVC(), 2, "decision_function"),
        ("svc-linear-df", SVC(kernel="linear"), 2, "decision_function"),
        ("lda-3", LinearDiscriminantAnalysis(), 3, "predict_proba"),
        ("tree-3", DecisionTreeClassifier(max_depth=4, random_state=0), 3, "predict_proba"),
        ("forest-3", RandomForestClassifier(4, max_depth=3, random_state=0), 3, "predict_proba"),
        ("gb-2-df", GradientBoostingClassifier(n_estimators=4, max_depth=2, random_state=0), 2, "decision_function"),
        ("gb-3", GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0), 3, "predict_proba"),
        ("gaussian-nb-3", GaussianNB(), 3, "predict_proba"),
        ("mlp-3", make_pipeline(StandardScaler(), MLPClassifier((6,), max_iter=2000, random_state=0)), 3,
         "predict_proba"),
    ]


@pytest.mark.parametrize("case", _models(), ids=lambda c: c[0])
def test_scores_match_the_library_on_held_out_rows(case: tuple[str, Any, int, str]) -> None:
    _, est, classes, response = case
    X, y, Xt, _ = _data(classes)
    est.fit(X, y)
    zk = from_sklearn(est, X, response_method=response)
    want = getattr(est, response)(Xt)
    got = zk.predict(Xt)
    assert got.shape == want.shape
    err = float(np.max(np.abs(got - want)))
    if response == "predict_proba":
        assert err <= 1e-3
        assert np.allclose(got.sum(axis=1), 1.0)
    else:
        assert err <= 1e-3 * float(np.ptp(want))
    assert zk.fidelity["response"] == response and zk.fidelity["passed"]
    assert f"RESPONSE = {response!r}" in zk.source
    # the circuit's label would be the argmax of its scores: they order the classes as the library does
    if response == "predict_proba":
        assert np.mean(est.classes_[np.argmax(got, axis=1)] == est.predict(Xt)) >= 0.99


def test_threshold_is_the_exact_decision_on_the_fixed_point_logit() -> None:
    """"P(1) >= 0.7" equals σ(z/2**S) >= 0.7 for the circuit's own integer logit z (the same model's
    decision_function circuit, same quantization), decided in exact rational arithmetic, and the
    library's predict_proba >= 0.7 on held-out rows; only a bool is output."""
    from sklearn.linear_model import LogisticRegression

    X, y, Xt, _ = _data(2, seed=3)
    est = LogisticRegression().fit(X, y)
    # rows right at the threshold: where a rounding the wrong way would show
    z0 = math.log(0.7 / 0.3)
    w = est.coef_[0]
    near = Xt + np.outer((z0 - est.decision_function(Xt)) / (w @ w), w) + np.outer(
        np.linspace(-1e-6, 1e-6, len(Xt)), w)
    rows = np.vstack([Xt, near])
    zk = from_sklearn(est, X, threshold=0.7)
    assert "-> pl.Public[pl.Bool]" in zk.source
    decided = zk.predict(rows)
    assert decided.dtype == bool and decided.any() and not decided.all()
    scores = from_sklearn(est, X, response_method="decision_function")
    assert scores.module.IN_BITS == zk.module.IN_BITS and scores.out_scale == zk.out_scale
    raw = [int(round(v * scores.out_scale)) for v in scores.predict(rows)]   # the exact field integers
    t = Fraction(0.7)
    exact = [Fraction(1) / (1 + Fraction(math.e) ** Fraction(-z, scores.out_scale)) >= t if abs(z) < 2**60 else z > 0
             for z in raw]
    assert zk.module.THRESHOLD_Q == threshold_constant(0.7, zk.out_scale, "sigmoid")
    assert list(decided) == [z >= zk.module.THRESHOLD_Q for z in raw]
    assert np.mean(decided == np.asarray(exact)) >= 0.999   # e's float value: identical but for the 1e-16 band
    assert np.array_equal(decided[: len(Xt)], est.predict_proba(Xt)[:, 1] >= 0.7)


def test_threshold_constant_rounds_up() -> None:
    assert threshold_constant(0.5, 2**40, "sigmoid") == 0
    c = threshold_constant(0.7, 2**40, "sigmoid")
    assert c - 1 < math.log(0.7 / 0.3) * 2**40 <= c
    assert threshold_constant(0.25, 8, "identity") == 2 and threshold_constant(0.3, 10, "identity") == 3
    assert threshold_constant(0.3, 3, "identity") == 1   # 0.3 is a binary fraction just below 3/10


def test_threshold_of_trees_and_naive_bayes_agree_with_predict_proba() -> None:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.naive_bayes import GaussianNB

    X, y, Xt, _ = _data(2, seed=5)
    for est in (RandomForestClassifier(4, max_depth=3, random_state=0), GaussianNB()):
        est.fit(X, y)
        zk = from_sklearn(est, X, threshold=0.6)
        assert np.array_equal(zk.predict(Xt), est.predict_proba(Xt)[:, 1] >= 0.6), type(est).__name__


@pytest.mark.parametrize("output", ["private", pytest.param("commitment", marks=pytest.mark.slow)])
def test_scores_keep_the_output_visibility(output: str) -> None:
    from sklearn.linear_model import LogisticRegression

    X, y, Xt, _ = _data(2, seed=1)
    est = LogisticRegression().fit(X, y)
    zk = from_sklearn(est, X, response_method="predict_proba", output=output)
    assert np.max(np.abs(zk.predict(Xt) - est.predict_proba(Xt))) <= 1e-3
    assert "pl.Public[pl.Array" not in zk.source
    zt = from_sklearn(est, X, threshold=0.7, output=output)
    assert np.array_equal(zt.predict(Xt), est.predict_proba(Xt)[:, 1] >= 0.7)
    assert "pl.Public[pl.Bool]" not in zt.source


@pytest.mark.prove
def test_snarkvm_semantics_of_scores_and_threshold() -> None:
    """snarkVM's own circuit execution (``keys=False``: under the shared stand-in key, no key of these
    programs synthesized) gives the interpreter's outputs."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, Xt, _ = _data(3, seed=2)
    est = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    zk = from_sklearn(est, X, response_method="predict_proba")
    (enc,) = zk.encode(Xt[:1])
    out = zk.program.evaluate("predict", *zk.circuit_args(enc), keys=False)
    assert np.array_equal(zk.decode([out]), zk.predict(Xt[:1]))
    assert np.max(np.abs(zk.decode([out]) - est.predict_proba(Xt[:1]))) <= 1e-3
    Xb, yb, Xbt, _ = _data(2, seed=2)
    zt = from_sklearn(LogisticRegression().fit(Xb, yb), Xb, threshold=0.5)
    for row in Xbt[:2]:
        (enc,) = zt.encode(row[None])
        assert zt.program.evaluate("predict", *zt.circuit_args(enc), keys=False) == bool(zt.predict(row[None])[0])


@pytest.mark.parametrize("kwargs,message", [
    (dict(response_method="predict_proba"), "LinearSVC has no predict_proba"),
    (dict(threshold=1.5), "not a probability"),
    (dict(threshold=0.5, response_method="predict"), "a threshold on predict applies to a linear regressor"),
    (dict(response_method="transform"), "response_method must be one of"),
    (dict(threshold="0.5"), "threshold must be a finite number"),
])
def test_refusals_name_the_cause(kwargs: dict[str, Any], message: str) -> None:
    from sklearn.svm import LinearSVC

    X, y, _, _ = _data(2)
    with pytest.raises(ConversionError, match=message):
        from_sklearn(LinearSVC().fit(X, y), X, **kwargs)


def test_refused_where_the_library_has_no_such_score() -> None:
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, _, _ = _data(3)
    with pytest.raises(ConversionError, match="threshold needs one score of a positive class"):
        from_sklearn(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), X, threshold=0.7)
    with pytest.raises(ConversionError, match="Ridge has no decision_function"):
        from_sklearn(Ridge().fit(X, y), X, response_method="decision_function")
    with pytest.raises(ConversionError, match="KNeighborsClassifier does not output predict_proba"):
        from_sklearn(KNeighborsClassifier(3).fit(X, y), X, response_method="predict_proba")


@pytest.mark.prove
def test_threshold_proof_verifies() -> None:
    """One proof: the public bool is the only output; the verifier never sees the probability."""
    from sklearn.linear_model import LogisticRegression

    X, y, Xt, _ = _data(2, seed=4)
    est = LogisticRegression().fit(X, y)
    zk = from_sklearn(est, X, threshold=0.7)
    proof = zk.prove(Xt[0])
    assert zk.verify(proof)
    assert proof.outputs == [("true" if est.predict_proba(Xt[:1])[0, 1] >= 0.7 else "false")]
    assert zk.decode_proof(proof) == bool(est.predict_proba(Xt[:1])[0, 1] >= 0.7)


@pytest.mark.slow
@pytest.mark.prove
def test_mlp_threshold_and_probability_proofs() -> None:
    """MLPClassifier (a network, quantized finer for scores): "P(positive) >= 0.7" agrees with the library's
    predict_proba wherever it is more than the probabilities' measured error from 0.7, and a proof of the
    probabilities verifies and carries them (within 1e-3)."""
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, Xt, _ = _data(2, seed=5)
    est = make_pipeline(StandardScaler(), MLPClassifier((6,), max_iter=2000, random_state=0)).fit(X, y)
    p = est.predict_proba(Xt)[:, 1]
    clear = np.abs(p - 0.7) > 1e-3
    zt = from_sklearn(est, X, threshold=0.7)
    assert np.array_equal(zt.predict(Xt)[clear], (p >= 0.7)[clear])
    zk = from_sklearn(est, X, response_method="predict_proba")
    proof = zk.prove(Xt[0])
    assert zk.verify(proof)
    assert np.max(np.abs(np.asarray(zk.decode_proof(proof)) - est.predict_proba(Xt[:1])[0])) <= 1e-3
