"""Tree models behind Pipeline steps that are not element-wise scalers (issue 24, point 3): steps that mix
features (PCA, TruncatedSVD: each combination computed in the circuit, one 128-bit sign test per node),
steps that select them (SelectKBest, VarianceThreshold: mapped to the raw features, exact ranks), and
FunctionTransformer with a known function (an increasing NumPy function folded into the thresholds,
np.clip as clipping bounds); and K-Means / uniform KNN / GaussianNB behind PCA (folded into their distance
scores, or a monomial layer). Each
against the pipeline's own predict / predict_proba on held-out rows of
scikit-learn's data sets; refusals name the function or step and why.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from stdlib_ml import ConversionError, from_sklearn


def _split(name: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A data set of scikit-learn's, shuffled, 70% to fit and 30% held out."""
    from sklearn import datasets

    d = getattr(datasets, f"load_{name}")()
    order = np.random.default_rng(seed).permutation(len(d.target))
    X, y = d.data[order].astype(np.float64), d.target[order]
    cut = int(0.7 * len(y))
    return X[:cut], y[:cut], X[cut:], y[cut:]


def _mixed_pipes() -> list[tuple[str, Any]]:
    from sklearn.decomposition import PCA, TruncatedSVD
    from sklearn.ensemble import (ExtraTreesRegressor, GradientBoostingClassifier, HistGradientBoostingClassifier,
                                  RandomForestClassifier)
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    return [("iris", make_pipeline(StandardScaler(), PCA(2), DecisionTreeClassifier(max_depth=4, random_state=0))),
            ("wine", make_pipeline(StandardScaler(), PCA(4, whiten=True), StandardScaler(),
                                   RandomForestClassifier(4, max_depth=3, random_state=0))),
            ("breast_cancer", make_pipeline(StandardScaler(), TruncatedSVD(3, random_state=0),
                                            GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0))),
            ("digits", make_pipeline(PCA(6, random_state=0), HistGradientBoostingClassifier(max_iter=3, max_depth=2))),
            ("diabetes", make_pipeline(StandardScaler(), PCA(3), ExtraTreesRegressor(3, max_depth=3, random_state=0)))]


@pytest.mark.parametrize("data,pipe", [pytest.param(d, p, marks=[] if d == "iris" else pytest.mark.slow, id=d)
                                       for d, p in _mixed_pipes()])
def test_trees_behind_pca_and_truncated_svd(data: str, pipe: Any) -> None:
    """The linear combinations z = M·x + c computed in the circuit: labels equal to the pipeline's on
    every held-out row (regressors within 1e-6 of the targets' range). By default iris only; the other
    families and data sets (a forest, gradient boosting, HistGradientBoosting, extra trees on wine,
    breast_cancer, digits, diabetes) under -m slow."""
    X, y, Xt, _ = _split(data)
    pipe.fit(X, y)
    zk = from_sklearn(pipe, X)
    assert "z = linalg.dense(Z, xf, Z0)" in zk.source and "OUT_OF_RANGE = 'reject'" in zk.source
    got, want = zk.predict(Xt), pipe.predict(Xt)
    if data == "diabetes":
        assert np.max(np.abs(got - want)) <= 1e-6 * np.ptp(want)
    else:
        assert np.array_equal(got, want)


@pytest.mark.slow
def test_boosters_behind_pca_and_scores() -> None:
    """XGBoost, LightGBM and CatBoost behind PCA (the same path through their frontends); a forest behind PCA:
    predict_proba within 1e-3, and private weights (PCA's matrix among them); IsolationForest's scores and
    BernoulliNB(binarize)'s stumps behind PCA."""
    import catboost
    import lightgbm
    import xgboost
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest, RandomForestClassifier
    from sklearn.naive_bayes import BernoulliNB
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, Xt, _ = _split("wine", 1)
    for est in (xgboost.XGBClassifier(n_estimators=3, max_depth=2, n_jobs=1, random_state=0),
                lightgbm.LGBMClassifier(n_estimators=3, num_leaves=4, verbose=-1, random_state=0),
                catboost.CatBoostClassifier(iterations=3, depth=2, verbose=False, random_seed=0, thread_count=1,
                                            allow_writing_files=False)):
        pipe = make_pipeline(StandardScaler(), PCA(3), est).fit(X, y)
        assert np.array_equal(from_sklearn(pipe, X).predict(Xt).ravel(), pipe.predict(Xt).ravel()), type(est).__name__
    rf = make_pipeline(StandardScaler(), PCA(3), RandomForestClassifier(3, max_depth=3, random_state=0)).fit(X, y)
    zk = from_sklearn(rf, X, response_method="predict_proba")
    assert np.max(np.abs(zk.predict(Xt) - rf.predict_proba(Xt))) <= 1e-3
    private = from_sklearn(rf, X, weights="private")   # the steps' matrix is private too, like the thresholds
    assert np.array_equal(private.predict(Xt), rf.predict(Xt))
    assert "    Z: pl.Array[" in private.source and "\nZ = [" not in private.source
    # the other families built on tree_spec: IsolationForest's score_samples, BernoulliNB(binarize)'s stumps
    iso = make_pipeline(StandardScaler(), PCA(3), IsolationForest(n_estimators=5, max_samples=32, random_state=0))
    iso.fit(X)
    got = from_sklearn(iso, X, response_method="score_samples").predict(Xt)
    assert np.max(np.abs(got - iso.score_samples(Xt))) <= 1e-6
    nb = make_pipeline(StandardScaler(), PCA(3), BernoulliNB(binarize=0.0)).fit(X, y)
    assert np.array_equal(from_sklearn(nb, X).predict(Xt), nb.predict(Xt))


def test_trees_behind_feature_selection_keep_exact_ranks() -> None:
    """SelectKBest and VarianceThreshold (scalers around them) only pick features: the trees' thresholds
    map to the raw features, which travel as ranks (no combination computed, no range)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.feature_selection import SelectKBest, VarianceThreshold, f_classif
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, Xt, _ = _split("breast_cancer", 2)
    pipe = make_pipeline(VarianceThreshold(0.01), StandardScaler(), SelectKBest(f_classif, k=5),
                         RandomForestClassifier(4, max_depth=4, random_state=0)).fit(X, y)
    zk = from_sklearn(pipe, X)
    assert "RANK_THRESHOLDS" in zk.source and "linalg.dense" not in zk.source
    far = np.vstack([Xt, Xt * 50 - 3])       # ranks read any value
    assert np.array_equal(zk.predict(far), pipe.predict(far))


@pytest.mark.parametrize("data,model", [("iris", "kmeans"), pytest.param("iris", "knn", marks=pytest.mark.slow),
                                        pytest.param("digits", "kmeans", marks=pytest.mark.slow),
                                        pytest.param("digits", "knn", marks=pytest.mark.slow),
                                        pytest.param("wine", "gnb", marks=pytest.mark.slow)])
def test_nearest_point_models_behind_pca(data: str, model: str) -> None:
    """K-Means and a uniform KNeighborsClassifier behind PCA: ‖z − p‖² less the common ‖z‖² is linear in the raw
    x, folded into one dense layer; GaussianNB: its log-likelihood, quadratic in z, one coefficient per
    monomial of x (predict_proba within 1e-3 too). Labels equal to the pipeline's on every held-out row
    (K-Means on iris by default, the others under -m slow)."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, Xt, _ = _split(data, 4)
    X, y = X[:150], y[:150]
    est = {"knn": lambda: KNeighborsClassifier(3), "gnb": GaussianNB,
           "kmeans": lambda: KMeans(3, n_init=3, random_state=0)}[model]()
    pipe = make_pipeline(StandardScaler(), PCA(3), est).fit(X, y)
    assert np.array_equal(from_sklearn(pipe, X).predict(Xt), pipe.predict(Xt))
    if model == "gnb":
        zk = from_sklearn(pipe, X, response_method="predict_proba")
        assert np.max(np.abs(zk.predict(Xt) - pipe.predict_proba(Xt))) <= 1e-3


def test_dataframe_column_names_are_kept_as_feature_names() -> None:
    """A pipeline fitted on a DataFrame (no first step on raw columns): the model file keeps its column names
    and takes a DataFrame's columns by name, in any order."""
    from sklearn.datasets import load_wine
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    df = load_wine(as_frame=True).frame.sample(frac=1.0, random_state=0)
    X, y = df.drop(columns="target"), df["target"].to_numpy()
    pipe = make_pipeline(StandardScaler(), PCA(3), DecisionTreeClassifier(max_depth=3, random_state=0))
    pipe.fit(X[:120], y[:120])
    zk = from_sklearn(pipe, X[:120])
    assert zk.feature_names == list(X.columns) and "\nFEATURE_NAMES = [" in zk.source
    held = X[120:]
    assert np.array_equal(zk.predict(held[list(reversed(held.columns))]), pipe.predict(held))


def _function_pipes() -> list[tuple[str, Any]]:
    from sklearn.ensemble import GradientBoostingRegressor, HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    return [("breast_cancer", make_pipeline(FunctionTransformer(np.log1p), StandardScaler(),
                                            RandomForestClassifier(4, max_depth=4, random_state=0))),
            ("wine", make_pipeline(FunctionTransformer(np.sqrt), DecisionTreeClassifier(max_depth=4, random_state=0))),
            ("iris", make_pipeline(FunctionTransformer(np.exp), HistGradientBoostingClassifier(max_iter=3))),
            ("iris", make_pipeline(FunctionTransformer(np.clip, kw_args={"a_min": 1.0, "a_max": 6.0}),
                                   DecisionTreeClassifier(max_depth=4, random_state=0))),
            ("diabetes", make_pipeline(StandardScaler(), FunctionTransformer(np.arcsinh),
                                       GradientBoostingRegressor(n_estimators=4, max_depth=2, random_state=0)))]


FUNCTIONS = ["log1p", "sqrt", "exp", "clip", "arcsinh"]


@pytest.mark.parametrize("data,pipe", [pytest.param(d, p, marks=[] if f in ("log1p", "clip") else pytest.mark.slow,
                                                    id=f) for (d, p), f in zip(_function_pipes(), FUNCTIONS)])
def test_known_functions_fold_into_tree_thresholds(data: str, pipe: Any) -> None:
    """An increasing function f in front of a tree: f(x) <= t exactly when x <= f⁻¹(t), a threshold on the raw
    value, so the circuit is the tree's own (ranks); np.clip with bounds outside the splits changes none. By
    default log1p and clip; sqrt, exp (HistGradientBoosting) and arcsinh (a regressor) under -m slow."""
    X, y, Xt, _ = _split(data, 3)
    pipe.fit(X, y)
    zk = from_sklearn(pipe, X)
    got, want = zk.predict(Xt), pipe.predict(Xt)
    if data == "diabetes":
        assert np.max(np.abs(got - want)) <= 1e-6 * np.ptp(want)
    else:
        assert np.array_equal(got, want)
    assert "RANK_THRESHOLDS" in zk.source


@pytest.mark.parametrize("data", ["iris", pytest.param("diabetes", marks=pytest.mark.slow)])
def test_square_in_front_of_linear_models_is_a_monomial_per_feature(data: str) -> None:
    """FunctionTransformer(np.square) before a model with coef_ reads as PolynomialFeatures of x_j² alone (scalers
    before it folded into each monomial): labels (LogisticRegression, iris) and values (Ridge, diabetes, under
    -m slow) as the pipeline's on held-out rows."""
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    X, y, Xt, _ = _split(data, 5)
    est = Ridge() if data == "diabetes" else LogisticRegression(max_iter=3000)
    pipe = make_pipeline(StandardScaler(), FunctionTransformer(np.square), est).fit(X, y)
    zk = from_sklearn(pipe, X)
    got, want = zk.predict(Xt), pipe.predict(Xt)
    assert "FunctionTransformer(np.square)" in zk.source
    if data == "diabetes":
        assert np.max(np.abs(got - want)) <= 1e-5 * np.ptp(want)
    else:
        assert np.array_equal(got, want)


def test_refusals_name_the_function_or_step_and_why() -> None:
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, Normalizer
    from sklearn.tree import DecisionTreeClassifier

    X, y, _, _ = _split("iris")
    tree = DecisionTreeClassifier(max_depth=2, random_state=0)
    cases = [(make_pipeline(FunctionTransformer(np.log1p), LogisticRegression(max_iter=3000)),
              r"FunctionTransformer\(np.log1p\) in front of LogisticRegression is not supported: log1p is not a "
              "polynomial"),
             (make_pipeline(FunctionTransformer(np.abs), tree), r"FunctionTransformer\(np.absolute\) is not "
              "supported here: absolute is not monotone"),
             (make_pipeline(FunctionTransformer(np.square), tree), r"FunctionTransformer\(np.square\) is not "
              "supported here: square is not monotone"),
             (make_pipeline(FunctionTransformer(lambda v: v * 2), tree),
              r"FunctionTransformer\('<lambda>'\) is not supported: its function is not known"),
             (make_pipeline(PCA(2), FunctionTransformer(np.log1p), tree),
              r"FunctionTransformer\(np.log1p\) after PCA is not supported"),
             (make_pipeline(FunctionTransformer(np.log1p), PCA(2), tree),
              r"FunctionTransformer\(np.log1p\) in front of PCA is not supported"),
             (make_pipeline(PCA(2), KNeighborsRegressor(3)), "KNeighborsRegressor behind PCA is not supported: it "
              "measures distances or densities"),
             (make_pipeline(PCA(2), KNeighborsClassifier(3, weights="distance")),
              r"KNeighborsClassifier\(weights=distance\) behind steps mixing features is not supported: its 1/distance"),
             (make_pipeline(Normalizer(), tree), r"Normalizer in front of DecisionTreeClassifier is not supported: "
              "each split would compare x_k/‖x‖")]
    for pipe, message in cases:
        with pytest.raises(ConversionError, match=message):
            from_sklearn(pipe.fit(X, y), X)


@pytest.mark.prove
@pytest.mark.usefixtures("stand_in_keys")
def test_tree_behind_pca_on_snarkvm() -> None:
    """snarkVM's execution of the PCA + tree circuit (stand-in key, no synthesis) gives the pipeline's
    labels; a row outside the input range the sign tests were sized for is refused before the circuit."""
    from stdlib_ml import ModelInputError

    data, pipe = _mixed_pipes()[0]
    X, y, Xt, _ = _split(data)
    pipe.fit(X, y)
    zk = from_sklearn(pipe, X)
    rows = Xt[:2]
    np.testing.assert_array_equal(zk.predict(rows, backend="vm"), pipe.predict(rows))
    with pytest.raises(ModelInputError, match="outside"):
        zk.encode(X[:1] * 1000)


@pytest.mark.slow
@pytest.mark.prove
def test_tree_behind_pca_proves_and_verifies() -> None:
    data, pipe = _mixed_pipes()[0]
    X, y, Xt, _ = _split(data)
    pipe.fit(X, y)
    zk = from_sklearn(pipe, X)
    proof = zk.prove(Xt[0])
    assert zk.verify(proof) and zk.decode_proof(proof) == pipe.predict(Xt[:1])[0]
