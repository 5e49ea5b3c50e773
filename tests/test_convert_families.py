"""The rest of the classic families (issue 24, point 2), each against the library's own ``predict`` on
held-out rows of data of our own: Perceptron, PassiveAggressiveClassifier, LinearDiscriminantAnalysis,
Multinomial / Complement / Bernoulli naive Bayes, NearestCentroid, KNeighborsRegressor, QuantileRegressor
and the GLMs (Poisson, Gamma, Tweedie), and the refusals that name their cause.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from stdlib_ml import ConversionError, from_sklearn


def tabular_data(seed: int = 0, n: int = 300) -> dict[str, np.ndarray]:
    """Continuous features with offsets and unequal spreads, binary and 3-class labels, a positive
    target with a log-linear mean, and Poisson counts with labels."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) * [2.0, 0.3, 15.0, 1.0] + [5.0, -1.0, 40.0, 0.0]
    s = X[:, 0] / 2 + X[:, 1] * 3 + rng.normal(size=n) * 0.5
    C = rng.poisson(3, size=(n, 6)).astype(float)
    return {"X": X, "y2": (s > np.median(s)).astype(int), "y3": np.digitize(s, np.quantile(s, [1 / 3, 2 / 3])),
            "yr": np.exp(0.1 * X[:, 0] + 0.3 * X[:, 3] + rng.normal(size=n) * 0.1),
            "C": C, "yc": (C[:, 0] + C[:, 1] > C[:, 2] + C[:, 3]).astype(int) + (C[:, 4] > 4)}


def _cases() -> list[Any]:
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import (GammaRegressor, PassiveAggressiveClassifier, Perceptron, PoissonRegressor,
                                      QuantileRegressor, TweedieRegressor)
    from sklearn.naive_bayes import BernoulliNB, ComplementNB, MultinomialNB
    from sklearn.neighbors import KNeighborsRegressor, NearestCentroid
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)   # PassiveAggressiveClassifier: deprecated in 1.8
        pa = make_pipeline(StandardScaler(), PassiveAggressiveClassifier(random_state=0))
    return [
        ("perceptron", make_pipeline(StandardScaler(), Perceptron(random_state=0)), "X", "y2"),
        ("passive-aggressive-3", pa, "X", "y3"),
        ("lda-2", LinearDiscriminantAnalysis(), "X", "y2"),
        ("lda-3", LinearDiscriminantAnalysis(), "X", "y3"),
        ("multinomial-nb", MultinomialNB(), "C", "yc"),
        ("complement-nb", ComplementNB(), "C", "yc"),
        ("bernoulli-nb-binarize", BernoulliNB(binarize=2.5), "C", "yc"),
        ("nearest-centroid", NearestCentroid(), "X", "y3"),
        ("nearest-centroid-priors", NearestCentroid(priors="empirical"), "X", "y3"),
        pytest.param(("knn-regressor", KNeighborsRegressor(n_neighbors=3), "X", "yr"), marks=pytest.mark.slow),
        ("quantile", QuantileRegressor(quantile=0.7, alpha=0.01), "X", "yr"),
        ("poisson", make_pipeline(StandardScaler(), PoissonRegressor()), "X", "yr"),
        ("gamma", make_pipeline(StandardScaler(), GammaRegressor()), "X", "yr"),
        ("tweedie-1.5", make_pipeline(StandardScaler(), TweedieRegressor(power=1.5)), "X", "yr"),
        ("tweedie-0", make_pipeline(StandardScaler(), TweedieRegressor(power=0)), "X", "yr"),
    ]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c[0])   # the KNN regressor (slow here) is a
# row of benchmarks/fidelity.py, which tests/test_convert.py runs in the default set
def test_family_agrees_with_its_own_predict_on_held_out_rows(case: tuple[str, Any, str, str]) -> None:
    _, est, xs, ys = case
    d = tabular_data()
    X, y = d[xs], d[ys]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        est.fit(X[:200], y[:200])
    zk = from_sklearn(est, X[:200])
    assert zk.fidelity["passed"]
    got, want = zk.predict(X[200:]), est.predict(X[200:])
    if zk.kind == "regressor":
        assert np.max(np.abs(got - want)) <= 1e-5 * float(np.ptp(want))
    else:
        assert np.array_equal(got, want)
        assert len(set(want.tolist())) > 1   # the held-out rows exercise the decision


def test_bernoulli_binarize_is_exact_at_the_threshold() -> None:
    """binarize=t means x > t: rows exactly at t and one float step above go the library's way."""
    from sklearn.naive_bayes import BernoulliNB

    d = tabular_data(1)
    est = BernoulliNB(binarize=2.5).fit(d["C"], d["yc"])
    zk = from_sklearn(est, d["C"])
    rows = np.repeat(d["C"][:40], 2, axis=0)
    rows[::2, 0] = 2.5
    rows[1::2, 0] = np.nextafter(2.5, 3.0)
    assert np.array_equal(zk.predict(rows), est.predict(rows))


def test_glm_outputs_the_linear_predictor_and_decodes_exp() -> None:
    from sklearn.linear_model import PoissonRegressor

    d = tabular_data(2)
    est = PoissonRegressor().fit(d["X"][:, 2:], d["yr"])
    zk = from_sklearn(est, d["X"][:, 2:])
    assert zk.module.LINK == "exp" and "-> pl.Public[pl.I64]" in zk.source
    (raw,) = zk.predict_raw(d["X"][:1, 2:])
    eta = d["X"][0, 2:] @ est.coef_ + est.intercept_
    assert abs(raw / zk.out_scale - eta) <= 1e-6 * max(1.0, abs(eta))


def test_family_scores() -> None:
    """predict_proba of the naive Bayes and LDA families, against the library's."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.naive_bayes import BernoulliNB, MultinomialNB

    d = tabular_data(3)
    for est, X, y in ((MultinomialNB(), d["C"], d["yc"]), (BernoulliNB(binarize=2.5), d["C"], d["yc"]),
                      (LinearDiscriminantAnalysis(), d["X"], d["y3"])):
        est.fit(X[:200], y[:200])
        zk = from_sklearn(est, X[:200], response_method="predict_proba")
        assert np.max(np.abs(zk.predict(X[200:]) - est.predict_proba(X[200:]))) <= 1e-3, type(est).__name__


@pytest.mark.parametrize("make,message", [
    (lambda: __import__("sklearn.neighbors", fromlist=["x"]).KNeighborsRegressor(3, weights=np.reciprocal),
     "weights=a callable is not supported"),
    (lambda: __import__("sklearn.neighbors", fromlist=["x"]).NearestCentroid(metric="manhattan"),
     "metric='euclidean'"),
    (lambda: __import__("sklearn.neighbors", fromlist=["x"]).KNeighborsRegressor(3, p=1), "Euclidean metric"),
])
def test_refusals_name_the_cause(make: Any, message: str) -> None:
    d = tabular_data()
    est = make().fit(d["X"], d["yr"] if "Regressor" in type(make()).__name__ else d["y3"])
    with pytest.raises(ConversionError, match=message):
        from_sklearn(est, d["X"])


@pytest.mark.slow
@pytest.mark.prove
def test_one_proof_naive_bayes() -> None:
    """A proof of a MultinomialNB prediction verifies and carries the library's label."""
    from sklearn.naive_bayes import MultinomialNB

    d = tabular_data(4)
    est = MultinomialNB().fit(d["C"][:, :3], d["yc"])
    zk = from_sklearn(est, d["C"][:, :3])
    proof = zk.prove(d["C"][0, :3])
    assert zk.verify(proof)
    assert zk.decode_proof(proof) == est.predict(d["C"][:1, :3])[0]


def _outliers(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(size=(300, 3)) * [1.0, 5.0, 0.2], rng.uniform(-6, 6, size=(30, 3))])


@pytest.mark.parametrize("contamination", ["auto", pytest.param(0.1, marks=pytest.mark.slow)])
def test_isolation_forest_predict_and_scores(contamination: Any) -> None:
    """predict (inlier when the summed path length reaches −D·log2(−offset_), rounded up), and
    score_samples / decision_function given back through −2**(−S/D), on held-out rows with outliers."""
    from sklearn.ensemble import IsolationForest

    X = _outliers()
    est = IsolationForest(n_estimators=8, max_samples=64, contamination=contamination, random_state=0).fit(X[::2])
    zk = from_sklearn(est, X[::2])
    want = est.predict(X[1::2])
    assert set(want.tolist()) == {-1, 1}
    assert np.array_equal(zk.predict(X[1::2]), want)
    for response in ("score_samples", "decision_function"):
        zs = from_sklearn(est, X[::2], response_method=response)
        assert np.max(np.abs(zs.predict(X[1::2]) - getattr(est, response)(X[1::2]))) <= 1e-9
    zt = from_sklearn(est, X[::2], response_method="score_samples", threshold=-0.55)
    assert np.array_equal(zt.predict(X[1::2]), est.score_samples(X[1::2]) >= -0.55)
    with pytest.raises(ConversionError, match="outside the scores' range"):
        from_sklearn(est, X[::2], response_method="score_samples", threshold=0.2)


def test_coverage_doc_is_the_generated_one() -> None:
    """docs/coverage.md is what scripts/coverage.py writes from the converters' table (run it after a change)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "coverage.py"
    spec = importlib.util.spec_from_file_location("pyleo_coverage_script", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.OUT.read_text() == script.render()
    assert "| Perceptron | ✓ | decision_function |" in script.render()


def test_supported_and_hints_come_from_the_table() -> None:
    from stdlib_ml import convert
    from stdlib_ml.convert import frontends

    whats = [row.what for _, row in frontends.coverage()]
    assert all(w in convert.SUPPORTED for w in whats)
    assert "KNeighborsRegressor (uniform or distance weights" in convert.PRIVATE_FAMILIES.split(":")[0]   # the exception
    assert "IsolationForest: score_samples, decision_function" in frontends.scores()


@pytest.mark.parametrize("kernel_args", [dict(degree=3, coef0=1.0), dict(degree=2)], ids=["degree3", "degree2"])
@pytest.mark.parametrize("cls", ["SVC", "NuSVC"])
def test_poly_kernel_svm_agrees_on_held_out_rows(cls: str, kernel_args: dict[str, Any]) -> None:
    """Poly kernels exactly in fixed point: two classes (sign) and three (one-vs-one votes)."""
    import sklearn.svm
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    d = tabular_data(5)
    for y in (d["y2"], d["y3"]):
        est = make_pipeline(StandardScaler(), getattr(sklearn.svm, cls)(kernel="poly", **kernel_args)).fit(
            d["X"][:200], y[:200])
        zk = from_sklearn(est, d["X"][:200])
        assert np.array_equal(zk.predict(d["X"][200:]), est.predict(d["X"][200:]))


def test_nusvc_linear_kernel_votes_one_vs_one() -> None:
    """NuSVC(kernel='linear') with three classes: its coef_ rows are pairs, voted as libsvm does."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import NuSVC

    d = tabular_data(3)
    est = make_pipeline(StandardScaler(), NuSVC(kernel="linear")).fit(d["X"][:200], d["y3"][:200])
    assert np.array_equal(from_sklearn(est, d["X"][:200]).predict(d["X"][200:]), est.predict(d["X"][200:]))


def test_poly_and_linear_svr() -> None:
    """SVR / NuSVR with poly kernels (expanded into monomials, the sum's top 64 bits out) and a linear one,
    against their own predict."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler
    from sklearn.svm import SVR, NuSVR

    d = tabular_data(3)
    X, y = d["X"], d["yr"]
    for est in (SVR(kernel="poly", degree=2, coef0=1.0), NuSVR(kernel="poly", degree=3), SVR(kernel="linear")):
        pipe = make_pipeline(FunctionTransformer(), StandardScaler(), est).fit(X[:200], y[:200])
        got, want = from_sklearn(pipe, X[:200]).predict(X[200:]), pipe.predict(X[200:])
        assert np.max(np.abs(got - want)) <= 1e-5 * np.ptp(want), est
    with pytest.raises(ConversionError, match="FunctionTransformer\\(np.log1p\\) in front of SVR is not supported"):
        from_sklearn(make_pipeline(FunctionTransformer(np.log1p), SVR(kernel="linear")).fit(np.abs(X), y), np.abs(X))


def test_threshold_on_a_regressors_prediction() -> None:
    """"prediction >= t" as a public bool: a GLM decides it exactly on its linear predictor (η >= ln t),
    a linear regressor on its value; against the library's predict >= t on held-out rows."""
    from sklearn.linear_model import PoissonRegressor, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    d = tabular_data(2)
    X, y = d["X"], d["yr"]
    for est in (make_pipeline(StandardScaler(), PoissonRegressor()), Ridge()):
        est.fit(X[:200], y[:200])
        t = float(np.median(est.predict(X)))
        zk = from_sklearn(est, X[:200], response_method="predict", threshold=t)
        assert "-> pl.Public[pl.Bool]" in zk.source
        decided = zk.predict(X[200:])
        assert decided.any() and not decided.all()
        assert np.array_equal(decided, est.predict(X[200:]) >= t)
    with pytest.raises(ConversionError, match="a log-link prediction is always > 0"):
        from_sklearn(make_pipeline(StandardScaler(), PoissonRegressor()).fit(X, y), X, response_method="predict",
                     threshold=-1.0)
