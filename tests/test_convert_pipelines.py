"""Whole pipelines (issue 24, point 3), each against the pipeline's own ``predict`` (``predict_proba``) on
held-out rows of data of our own: steps that mix or select features (PCA, TruncatedSVD, SelectKBest,
VarianceThreshold) folded into the models linear in their inputs, and first steps on raw columns
(ColumnTransformer with OneHotEncoder / OrdinalEncoder on string or integer categories, SimpleImputer,
scalers) made the model file's PREPARE, with a DataFrame's columns kept by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from stdlib_ml import ConversionError, ModelInputError, from_sklearn, load

from .test_convert_families import tabular_data


def _people(n: int = 400, seed: int = 0) -> tuple[Any, np.ndarray]:
    """A DataFrame with a string category, an integer category, a numeric column with 10% missing values and
    one without; labels that depend on all four."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"age": rng.normal(40, 10, n), "color": rng.choice(["red", "green", "blue"], n),
                       "size": rng.integers(1, 4, n), "income": rng.lognormal(10, 0.5, n)})
    df.loc[rng.random(n) < 0.1, "income"] = np.nan
    score = ((df.color == "green") * 1.5 + (df.age - 40) / 10 + np.nan_to_num(np.log(df.income) - 10)
             + (df["size"] == 2) + rng.normal(0, 0.5, n))
    return df, (score > np.median(score)).astype(int).to_numpy()


def _column_transformer(drop: str | None = None, unknown: str = "ignore") -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    return ColumnTransformer([("cat", OneHotEncoder(handle_unknown=unknown, drop=drop), ["color"]),
                              ("ord", OrdinalEncoder(), ["size"]),
                              ("num", make_pipeline(SimpleImputer(), StandardScaler()), ["age", "income"])])


@pytest.mark.parametrize("final", ["logistic", "forest"])
def test_column_transformer_with_categories_and_missing_values(final: str) -> None:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    df, y = _people()
    est = LogisticRegression() if final == "logistic" else RandomForestClassifier(5, max_depth=4, random_state=0)
    pipe = make_pipeline(_column_transformer(), est).fit(df[:300], y[:300])
    zk = from_sklearn(pipe, df[:300])
    held = df[300:]
    assert held["income"].isna().any()
    assert np.array_equal(zk.predict(held), pipe.predict(held))
    # columns by name, in any order; an unknown category is all zeros (handle_unknown="ignore")
    assert np.array_equal(zk.predict(held[["income", "size", "color", "age"]]), pipe.predict(held))
    odd = held.iloc[:3].copy()
    odd["color"] = "purple"
    assert np.array_equal(zk.predict(odd), pipe.predict(odd))
    assert "PREPARE = [" in zk.source and "FEATURE_NAMES = ['age', 'color', 'size', 'income']" in zk.source


def test_prepared_model_file_round_trips_and_refuses_what_it_does_not_know(tmp_path: Any) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    df, y = _people(seed=1)
    pipe = make_pipeline(_column_transformer(drop="first", unknown="error"), LogisticRegression()).fit(df, y)
    zk = from_sklearn(pipe, df, response_method="predict_proba")
    assert np.max(np.abs(zk.predict(df) - pipe.predict_proba(df))) <= 1e-3
    again = load(zk.save(tmp_path / "people.py"))
    assert np.array_equal(again.predict(df[:20]), zk.predict(df[:20]))
    odd = df.iloc[:1].copy()
    odd["color"] = "purple"
    with pytest.raises(ModelInputError, match="'purple', a category the model does not know"):
        zk.predict(odd)
    with pytest.raises(ModelInputError, match="no column 'size'"):
        zk.predict(df.drop(columns=["size"]))
    with pytest.raises(ModelInputError, match="takes a number there"):
        zk.predict(df.assign(age="old")[:1])


def test_simple_imputer_first_on_a_numeric_table() -> None:
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    df, _ = _people(seed=2)
    X, t = df[["age", "income"]], df["age"] * 0.3 + np.nan_to_num(df["income"]) * 1e-4
    pipe = make_pipeline(SimpleImputer(strategy="median"), Ridge()).fit(X[:300], t[:300])
    zk = from_sklearn(pipe, X[:300])
    got, want = zk.predict(X[300:]), pipe.predict(X[300:])
    assert np.max(np.abs(got - want)) <= 1e-5 * np.ptp(want)


def test_pipeline_steps_that_mix_features_fold_into_linear_models() -> None:
    """PCA, TruncatedSVD, SelectKBest and VarianceThreshold (with scalers around them) in front of linear
    models, an MLP and a poly SVC, against the pipeline's own predict / predict_proba (trees behind them:
    tests/test_convert_tree_steps.py)."""
    from sklearn.decomposition import PCA, TruncatedSVD
    from sklearn.feature_selection import SelectKBest, VarianceThreshold, f_classif
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    d = tabular_data(6)
    X, Xt, y = d["X"][:200], d["X"][200:], d["y3"][:200]
    pipes = [make_pipeline(StandardScaler(), PCA(3, whiten=True), StandardScaler(), LogisticRegression()),
             make_pipeline(VarianceThreshold(0.05), SelectKBest(f_classif, k=3), StandardScaler(),
                           LogisticRegression()),
             make_pipeline(StandardScaler(), PCA(3), MLPClassifier((6,), max_iter=3000, random_state=0))]
    for pipe in pipes:
        pipe.fit(X, y)
        assert np.array_equal(from_sklearn(pipe, X).predict(Xt), pipe.predict(Xt)), pipe.steps
    pipe = make_pipeline(StandardScaler(), PCA(3), LogisticRegression()).fit(X, y)
    zk = from_sklearn(pipe, X, response_method="predict_proba")
    assert np.max(np.abs(zk.predict(Xt) - pipe.predict_proba(Xt))) <= 1e-3
    reg = make_pipeline(TruncatedSVD(2), Ridge()).fit(X, d["yr"][:200])
    got, want = from_sklearn(reg, X).predict(Xt), reg.predict(Xt)
    assert np.max(np.abs(got - want)) <= 1e-5 * np.ptp(want)


@pytest.mark.parametrize("step", ["kbins-ordinal", "kbins-onehot", "binarizer"])
def test_binning_and_binarizing_first_steps(step: str) -> None:
    """KBinsDiscretizer and Binarizer made numbers by encode (bins by the library's rule, x > t), before a
    linear model and a tree; exact at an edge and one float step past it."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Binarizer, KBinsDiscretizer
    from sklearn.tree import DecisionTreeClassifier

    d = tabular_data(7)
    X, y = d["X"], d["y3"]
    make = {"kbins-ordinal": lambda: KBinsDiscretizer(5, encode="ordinal"),
            "kbins-onehot": lambda: KBinsDiscretizer(4, encode="onehot"),
            "binarizer": lambda: Binarizer(threshold=5.0)}[step]
    for est in (LogisticRegression(max_iter=3000), DecisionTreeClassifier(max_depth=4, random_state=0)):
        pipe = make_pipeline(make(), est).fit(X[:200], y[:200])
        zk = from_sklearn(pipe, X[:200])
        edge = pipe[0].bin_edges_[0][1] if step.startswith("kbins") else 5.0
        rows = np.repeat(X[200:240], 2, axis=0)
        rows[::2, 0], rows[1::2, 0] = edge, np.nextafter(edge, np.inf)
        for held in (X[200:], rows):
            assert np.array_equal(zk.predict(held), pipe.predict(held)), (step, type(est).__name__)


def _poly_pipes(d: dict[str, np.ndarray]) -> list[tuple[Any, np.ndarray]]:
    from sklearn.linear_model import LogisticRegression, PoissonRegressor, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    return [(make_pipeline(PolynomialFeatures(2), StandardScaler(), LogisticRegression(max_iter=3000)), d["y3"]),
            (make_pipeline(StandardScaler(), PolynomialFeatures(2), LogisticRegression(max_iter=3000)), d["y2"]),
            (make_pipeline(StandardScaler(), PolynomialFeatures(3, interaction_only=True), Ridge()), d["yr"]),
            (make_pipeline(StandardScaler(), PolynomialFeatures(2), StandardScaler(), PoissonRegressor()), d["yr"])]


def test_polynomial_features_fold_into_monomials() -> None:
    """PolynomialFeatures with scalers before and after, in front of classifiers and regressors (a GLM
    too): one coefficient per monomial of the raw inputs; labels equal, values within 1e-5 of their range."""
    d = tabular_data(8)
    X = d["X"]
    for pipe, y in _poly_pipes(d):
        pipe.fit(X[:200], y[:200])
        got, want = from_sklearn(pipe, X[:200]).predict(X[200:]), pipe.predict(X[200:])
        if hasattr(pipe, "classes_"):
            assert np.array_equal(got, want), pipe.steps
        else:
            assert np.max(np.abs(got - want)) <= 1e-5 * np.ptp(want), pipe.steps
    with pytest.raises(ConversionError, match="PolynomialFeatures in front of KNeighborsClassifier"):
        from sklearn.neighbors import KNeighborsClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import PolynomialFeatures

        from_sklearn(make_pipeline(PolynomialFeatures(2), KNeighborsClassifier(3)).fit(X, d["y2"]), X)


@pytest.mark.prove
def test_polynomial_regressor_top_bits_on_snarkvm() -> None:
    """The 128-bit sum output as its top 64 bits (models.high_i64): snarkVM's execution (``keys=False``,
    the shared stand-in key) gives the interpreter's value."""
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    d = tabular_data(8)
    X = d["X"][:, :2]
    pipe = make_pipeline(StandardScaler(), PolynomialFeatures(2), Ridge()).fit(X[:200], d["yr"][:200])
    zk = from_sklearn(pipe, X[:200])
    for row in X[200:202]:
        (enc,) = zk.encode(row[None])
        assert zk.program.evaluate("predict", *zk.circuit_args(enc), keys=False) == zk.predict_raw(row[None])[0]
