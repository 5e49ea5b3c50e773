"""Normalizer in pipelines (issue 24, point 3): the norm computed in the circuit (l2 as a checked integer
square root, l1 and max by sign tests), never on the prover's side; a linear classifier's decision
W·z + b·‖z‖ needs no division. Against the library's own predict on held-out rows of data of our own."""

from __future__ import annotations

import numpy as np
import pytest

from stdlib_ml import ConversionError, from_sklearn

from .test_convert_families import tabular_data


@pytest.mark.parametrize("norm", ["l2", "l1", "max"])
def test_normalizer_before_a_linear_classifier_agrees_on_held_out_rows(norm: str) -> None:
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer, StandardScaler

    d = tabular_data(10, 160)
    X, y = d["X"], d["y3"]
    pipe = make_pipeline(StandardScaler(), Normalizer(norm=norm), PCA(3), LogisticRegression()).fit(X[:100], y[:100])
    zk = from_sklearn(pipe, X[:100])
    assert np.array_equal(zk.predict(X[100:]), pipe.predict(X[100:]))
    assert "PREPARE" not in zk.source and "Normalizer" in zk.source


def test_normalizer_refusals_name_the_cause() -> None:
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer
    from sklearn.tree import DecisionTreeClassifier

    d = tabular_data(11, 80)
    X = d["X"]
    with pytest.raises(ConversionError, match="Normalizer in front of DecisionTreeClassifier is not supported"):
        from_sklearn(make_pipeline(Normalizer(), DecisionTreeClassifier(max_depth=2)).fit(X, d["y2"]), X)
    with pytest.raises(ConversionError, match="Normalizer in front of Ridge is not supported"):
        from_sklearn(make_pipeline(Normalizer(), Ridge()).fit(X, d["yr"]), X)
    with pytest.raises(ConversionError, match="behind a Normalizer has no predict_proba"):
        from_sklearn(make_pipeline(Normalizer(), LogisticRegression()).fit(X, d["y2"]), X, response_method="predict_proba")



def test_normalizer_then_clipping_scaler_refused() -> None:
    """MinMaxScaler(clip=True) after a Normalizer: the circuit would compute the unclipped pipeline (the steps after
    the Normalizer are folded into the weights), and the library's predict differs from it where a normalized value
    leaves the scaler's fitted range (here 93 of 5,000 rows inside the calibration box, with fidelity 1.0 on the
    calibration rows): refused, not converted."""
    import copy

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, Normalizer

    rng = np.random.default_rng(0)
    X = rng.uniform(1, 2, size=(60, 3))
    pipe = make_pipeline(Normalizer(), MinMaxScaler(clip=True), LogisticRegression()).fit(X, X[:, 0] > X[:, 1])
    pipe[2].coef_, pipe[2].intercept_ = np.array([[1.0, 0.0, 0.0]]), np.array([-1.001])
    unclipped = copy.deepcopy(pipe)
    unclipped[1].clip = False
    Xt = rng.uniform(1, 2, size=(5000, 3))
    assert np.any(pipe.predict(Xt) != unclipped.predict(Xt))   # the clip decides some labels inside the box
    with pytest.raises(ConversionError, match=r"MinMaxScaler\(clip=True\) after a Normalizer is not supported"):
        from_sklearn(pipe, X)


@pytest.mark.slow
@pytest.mark.prove
def test_one_proof_normalizer_l2() -> None:
    """A proof of a label behind Normalizer(l2) (~15,100 constraints: 24 bits of checked square root)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer

    d = tabular_data(12, 120)
    pipe = make_pipeline(Normalizer(), LogisticRegression()).fit(d["X"], d["y2"])
    zk = from_sklearn(pipe, d["X"])
    proof = zk.prove(d["X"][5])
    assert zk.verify(proof)
    assert zk.decode_proof(proof) == pipe.predict(d["X"][5:6])[0]
