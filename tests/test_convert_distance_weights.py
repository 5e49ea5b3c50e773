"""KNN with weights='distance' (issue 24, point 2): 1/distance as floor(2**F/√t) of the exact squared
distance, checked in the circuit, and the regressor's weighted mean a checked division; against the
library's own predict on held-out rows of data of our own (and on training rows: distance 0)."""

from __future__ import annotations

import numpy as np
import pytest

from stdlib_ml import ConversionError, from_sklearn

from .test_convert_families import tabular_data


def test_distance_weighted_knn_agrees_on_held_out_and_training_rows() -> None:
    """Classifier: the same labels on held-out rows and on its own training rows (a neighbour at distance 0
    outweighs the rest, as scikit-learn's weight 1 for it); regressor: within 1e-5 of the targets' range."""
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    d = tabular_data(8, 60)
    X = d["X"]
    clf = make_pipeline(StandardScaler(), KNeighborsClassifier(4, weights="distance")).fit(X[:40], d["y3"][:40])
    zk = from_sklearn(clf, X[:40])
    assert np.array_equal(zk.predict(X), clf.predict(X))
    reg = KNeighborsRegressor(3, weights="distance").fit(X[:40], d["yr"][:40])
    got, want = from_sklearn(reg, X[:40]).predict(X), reg.predict(X)
    assert np.max(np.abs(got - want)) <= 1e-5 * np.ptp(d["yr"])
    with pytest.raises(ConversionError, match="weights='distance'\\) converts with weights='public' only"):
        from_sklearn(clf, X[:40], weights="private")


@pytest.mark.slow
@pytest.mark.prove
def test_distance_weighted_knn_on_snarkvm() -> None:
    """snarkVM runs a distance-weighted KNeighborsRegressor's circuit (it synthesizes the circuit's keys) and gives
    the library's value. No proof: 6 training points and k = 2 already cost ~30,300 constraints (each inverse
    distance 47 and the division 41 sign tests of 128 bits, besides the transition), above the 16,384 one proof
    here holds, and its 128-bit casts leave no cut that the split (:mod:`pyleo.split`) could prove."""
    from sklearn.neighbors import KNeighborsRegressor

    d = tabular_data(9, 40)
    reg = KNeighborsRegressor(2, weights="distance").fit(d["X"][:6, :2], d["yr"][:6])
    zk = from_sklearn(reg, d["X"][:, :2])
    for row in d["X"][[0, 20], :2]:
        out = zk.program.evaluate("predict", *zk.circuit_args(zk.encode(row[None])[0]), keys=False)
        assert abs(zk.decode([out])[0] - reg.predict(row[None])[0]) <= 1e-6 * np.ptp(d["yr"][:6])


@pytest.mark.parametrize("offset, span", [(1.7e9, 100.0), (0.0, 1e14)])
def test_distance_weighted_regressor_far_or_wide_targets(offset: float, span: float) -> None:
    """Targets far from 0 for their spread (timestamps: the value at 2**vb left i64, every row halted) and
    targets spanning more than 2**41 (the quotient saturated): both within 1e-5 of the range of the library's
    predict on held-out rows."""
    from sklearn.neighbors import KNeighborsRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = offset + rng.uniform(0.0, span, 30)
    reg = KNeighborsRegressor(3, weights="distance").fit(X[:20], y[:20])
    got, want = from_sklearn(reg, X[:20]).predict(X[20:]), reg.predict(X[20:])
    assert np.max(np.abs(got - want)) <= 1e-5 * np.ptp(y[:20])
