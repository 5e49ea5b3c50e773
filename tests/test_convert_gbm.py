"""LightGBM, CatBoost and scikit-learn's HistGradientBoosting as they are fitted: converted directly, and
compared row by row on held-out rows (with missing values, zeros, categories never seen in training and
values between categories) with the library's own ``predict`` (the independent oracle); snarkVM runs
the circuit on a few rows under a stand-in key; one LightGBM model is proved in the default set, one of
each other family in ``-m slow``. What a circuit cannot decide exactly is refused, naming why; the
native model files are told by content (``pyleo import``)."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lightgbm as lgb
from catboost import CatBoostClassifier, CatBoostRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from stdlib_ml import ConversionError, ModelInputError, from_catboost, from_lightgbm, from_sklearn
from stdlib_ml.convert import from_file

ROOT = Path(__file__).resolve().parents[1]
TRAIN = 600


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Any:
    """LightGBM and HistGradientBoosting fit and predict on one OpenMP thread: on a loaded 2-core machine
    their thread pools cost more than they save (a 7 s test took 1 s)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def _rows(seed: int, n: int = 900, categories: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(X, y): 4 features, ~15 % exact zeros and ~10 % NaN; with ``categories``, feature 0 holds integer
    categories 0..categories-1 (NaN too), and the held-out part (rows TRAIN:) also categories never
    seen in training (categories + 3), negative ones and values between categories (2.5)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    X[rng.random((n, 4)) < 0.15] = 0.0
    if categories:
        X[:, 0] = rng.integers(0, categories, n)
    X[rng.random((n, 4)) < 0.1] = np.nan
    x0, x1, x2 = (np.nan_to_num(X[:, j]) for j in range(3))
    y = ((np.isin(x0, [1, 4, 5]) if categories else x0 == 0) ^ (x1 > 0.2) ^ (x2 > 1.0)).astype(np.int64)
    if categories:
        X[TRAIN:TRAIN + 8, 0] = [categories + 3, -1, 2.5, -0.5, 0.5, categories - 0.5, 1e9, -1e9]
    return X, y


def _agrees(zk: Any, model: Any, X: np.ndarray, regression: bool = False) -> None:
    """The circuit (interpreter) on every held-out row equals the model's own predict (labels exactly;
    values within 1e-9 of their range: both sum the same float64 leaf values, the circuit at 2**-48)."""
    got, want = zk.predict(X), np.asarray(model.predict(X)).reshape(len(X))
    if regression:
        assert np.max(np.abs(got - want)) <= 1e-9 * np.ptp(want)
    else:
        np.testing.assert_array_equal(got, want)


def _on_snarkvm(zk: Any, model: Any, rows: np.ndarray) -> None:
    """snarkVM runs the circuit (stand-in key: no key synthesis) and gives the model's labels."""
    for row in rows:
        out = zk.program.evaluate("predict", *zk.circuit_args(zk.encode(row[None])[0]), keys=False)
        assert zk.decode([out])[0] == np.asarray(model.predict(row[None])).reshape(-1)[0]


# ---- LightGBM -----------------------------------------------------------------------------------
@pytest.mark.parametrize("params", [dict(zero_as_missing=True), dict(), dict(use_missing=False)],
                         ids=["zero_as_missing", "use_missing", "no_missing"])
def test_lightgbm_missing_value_rules_give_lightgbms_labels(params: dict[str, Any]) -> None:
    X, y = _rows(0)
    model = lgb.LGBMClassifier(n_estimators=10, num_leaves=8, verbose=-1, n_jobs=1, random_state=0, **params)
    model.fit(X[:TRAIN], y[:TRAIN])
    zk = from_sklearn(model, X[:TRAIN])
    assert zk.fidelity["passed"] and zk.fidelity["agreement"] == 1.0
    assert zk.fidelity["against"] == "LGBMClassifier.predict"
    _agrees(zk, model, X[TRAIN:])
    zeros = X[TRAIN:][(np.nan_to_num(X[TRAIN:], nan=1.0) == 0).any(axis=1)]
    assert len(zeros) > 50   # the rows that tell the rules apart are among those checked


def test_lightgbm_categorical_splits_and_a_booster_and_its_text_file(tmp_path: Path) -> None:
    X, y = _rows(1, categories=7)
    model = lgb.LGBMClassifier(n_estimators=6, num_leaves=6, verbose=-1, n_jobs=1, random_state=0, min_data_per_group=5,
                               cat_smooth=1.0).fit(X[:TRAIN], y[:TRAIN], categorical_feature=[0])
    assert any(n.get("decision_type") == "==" for t in model.booster_.dump_model()["tree_info"]
               for n in _lgb_nodes(t["tree_structure"]))   # the model has categorical splits
    zk = from_sklearn(model, X[:TRAIN])
    _agrees(zk, model, X[TRAIN:])
    path = tmp_path / "model.txt"
    model.booster_.save_model(path)
    for source in (model.booster_, path):
        zk = from_lightgbm(source, X[:TRAIN])
        assert zk.fidelity["against"] == "Booster.predict"
        np.testing.assert_array_equal(zk.predict(X[TRAIN:]), model.predict(X[TRAIN:]))


def _lgb_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    if "split_feature" not in node:
        return []
    return [node] + _lgb_nodes(node["left_child"]) + _lgb_nodes(node["right_child"])


def test_lightgbm_multiclass_early_stopping() -> None:
    X, y = _rows(2)
    y3 = y + (np.nan_to_num(X[:, 3]) > 0.5)
    model = lgb.LGBMClassifier(n_estimators=60, num_leaves=6, verbose=-1, n_jobs=1, random_state=0)
    model.fit(X[:TRAIN], y3[:TRAIN], eval_X=X[TRAIN:], eval_y=y3[TRAIN:],
              callbacks=[lgb.early_stopping(3, verbose=False)])
    assert 0 < model.best_iteration_ < 60   # predict uses the trees up to the best iteration
    _agrees(from_sklearn(model, X[:TRAIN]), model, X[TRAIN:])   # (regression: benchmarks.fidelity's rows)


def test_lightgbm_zero_as_missing_behind_a_scaler_is_refused() -> None:
    X, y = _rows(3)
    model = make_pipeline(StandardScaler(), lgb.LGBMClassifier(n_estimators=3, num_leaves=4, zero_as_missing=True,
                                                               verbose=-1, n_jobs=1)).fit(X[:TRAIN], y[:TRAIN])
    with pytest.raises(ConversionError, match="reads a scaled value of 0 as missing"):
        from_sklearn(model, X[:TRAIN])   # (converted, it would disagree on ~1 row in 8: measured 0.877)


def test_lightgbm_fitted_on_pandas_category_names_is_refused() -> None:
    import pandas as pd

    rng = np.random.default_rng(4)
    df = pd.DataFrame({"colour": pd.Categorical(rng.choice(["red", "green", "blue"], 300)), "x": rng.normal(size=300)})
    y = ((df.colour == "red") ^ (df.x > 0)).astype(int)
    model = lgb.LGBMClassifier(n_estimators=3, verbose=-1, n_jobs=1).fit(df, y)
    with pytest.raises(ConversionError, match="reads each category by its name"):
        from_sklearn(model, np.c_[df.colour.cat.codes, df.x])


@pytest.mark.parametrize("objective", ["poisson", "gamma", "tweedie"])
def test_lightgbm_exp_link_objectives_are_refused_naming_the_link(objective: str) -> None:
    X, y = _rows(3)
    model = lgb.LGBMRegressor(n_estimators=2, objective=objective, verbose=-1, n_jobs=1).fit(X[:TRAIN], y[:TRAIN] + 1.0)
    with pytest.raises(ConversionError, match=f"objective '{objective}' predicts exp of the trees' score"):
        from_sklearn(model, X[:TRAIN])


# ---- HistGradientBoosting -----------------------------------------------------------------------
def test_hist_gradient_boosting_missing_values_and_early_stopping() -> None:
    X, y = _rows(4)
    y3 = y + (np.nan_to_num(X[:, 3]) > 0.5)
    model = HistGradientBoostingClassifier(max_iter=100, max_leaf_nodes=6, early_stopping=True, n_iter_no_change=2,
                                           validation_fraction=0.2, random_state=0).fit(X[:TRAIN], y3[:TRAIN])
    assert model.n_iter_ < 100
    zk = from_sklearn(model, X[:TRAIN])
    assert zk.fidelity["against"] == "HistGradientBoostingClassifier.predict"
    _agrees(zk, model, X[TRAIN:])
    scaled = make_pipeline(StandardScaler(), HistGradientBoostingClassifier(max_iter=5, max_leaf_nodes=6,
                                                                            random_state=0)).fit(X[:TRAIN], y[:TRAIN])
    _agrees(from_sklearn(scaled, X[:TRAIN]), scaled, X[TRAIN:])


def test_hist_gradient_boosting_categorical_features() -> None:
    X, y = _rows(5, categories=6)
    model = HistGradientBoostingClassifier(categorical_features=[0], max_iter=6, max_leaf_nodes=5,
                                           random_state=0).fit(X[:TRAIN], y[:TRAIN])
    zk = from_sklearn(model, X[:TRAIN])
    _agrees(zk, model, X[TRAIN:])
    target = y + np.nan_to_num(X[:, 2])
    reg = HistGradientBoostingRegressor(categorical_features=[0], max_iter=6, max_leaf_nodes=5,
                                        random_state=0).fit(X[:TRAIN], target[:TRAIN])
    _agrees(from_sklearn(reg, X[:TRAIN]), reg, X[TRAIN:], regression=True)


def test_hist_gradient_boosting_exp_link_is_refused() -> None:
    X, y = _rows(6)
    poisson = HistGradientBoostingRegressor(loss="poisson", max_iter=2).fit(X[:TRAIN], y[:TRAIN] + 1.0)
    with pytest.raises(ConversionError, match="loss='poisson'\\) predicts exp"):
        from_sklearn(poisson, X[:TRAIN])


@pytest.mark.slow   # fitting 15 iterations on two categorical features: seconds
def test_too_many_categorical_tests_are_refused_with_the_reason() -> None:
    X, y = _rows(6, categories=7)
    X[:, 3] = np.random.default_rng(0).integers(0, 7, len(X))
    big = HistGradientBoostingClassifier(categorical_features=[0, 3], max_iter=15,
                                         random_state=0).fit(X[:TRAIN], y[:TRAIN])
    with pytest.raises(ConversionError, match="categorical splits expand to [0-9,]+ threshold tests"):
        from_sklearn(big, X[:TRAIN])


# ---- CatBoost -----------------------------------------------------------------------------------
@pytest.mark.parametrize("params", [dict(), dict(nan_mode="Max"), dict(loss_function="MultiClass")],
                         ids=["min", "nan_max", "multiclass"])
def test_catboost_classifiers_give_catboosts_labels(params: dict[str, Any]) -> None:
    X, y = _rows(7)
    if params.get("loss_function") == "MultiClass":
        y = y + (np.nan_to_num(X[:, 3]) > 0.5)
    model = CatBoostClassifier(iterations=10, depth=3, verbose=0, thread_count=1, allow_writing_files=False, random_seed=0, **params)
    model.fit(X[:TRAIN], y[:TRAIN])
    zk = from_sklearn(model, X[:TRAIN])
    assert zk.fidelity["agreement"] == 1.0
    _agrees(zk, model, X[TRAIN:])


def test_catboost_regressor_and_cbm_file(tmp_path: Path) -> None:
    X, y = _rows(8)
    target = y + np.nan_to_num(X[:, 2])
    model = CatBoostRegressor(iterations=10, depth=3, verbose=0, thread_count=1, allow_writing_files=False, random_seed=0)
    model.fit(X[:TRAIN], target[:TRAIN])
    _agrees(from_sklearn(model, X[:TRAIN]), model, X[TRAIN:], regression=True)
    model.save_model(str(tmp_path / "model.cbm"))
    zk = from_catboost(tmp_path / "model.cbm", X[:TRAIN])
    assert zk.fidelity["against"] == "CatBoost.predict"
    _agrees(zk, model, X[TRAIN:], regression=True)


def test_catboost_refusals_name_the_cause() -> None:
    X, y = _rows(9)
    poisson = CatBoostRegressor(iterations=2, depth=2, verbose=0, thread_count=1, allow_writing_files=False, loss_function="Poisson")
    with pytest.raises(ConversionError, match="loss 'Poisson' predicts through an exp link"):
        from_sklearn(poisson.fit(X[:TRAIN], y[:TRAIN]), X[:TRAIN])
    cats = np.where(np.isnan(X[:, :1]), 0, (X[:, :1] > 0)).astype(int).astype(str)
    data = np.concatenate([cats, np.nan_to_num(X[:, 1:]).astype(str)], axis=1).astype(object)
    data[:, 1:] = data[:, 1:].astype(float)
    model = CatBoostClassifier(iterations=2, depth=2, verbose=0, thread_count=1, allow_writing_files=False, cat_features=[0])
    with pytest.raises(ConversionError, match="categorical features are not supported"):
        from_sklearn(model.fit(data[:TRAIN], y[:TRAIN]), np.nan_to_num(X[:TRAIN]))


# ---- files by content ---------------------------------------------------------------------------
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT)] + sys.path)}
    return subprocess.run([sys.executable, "-m", "pyleo_cli.main", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_files_are_told_by_content_and_bad_ones_named(tmp_path: Path) -> None:
    X, y = _rows(10)
    lgbm = lgb.LGBMClassifier(n_estimators=3, num_leaves=4, verbose=-1, n_jobs=1).fit(X[:TRAIN], y[:TRAIN])
    lgbm.booster_.save_model(tmp_path / "credit.model")   # neither suffix says what it is
    cat = CatBoostClassifier(iterations=3, depth=2, verbose=0, thread_count=1, allow_writing_files=False).fit(X[:TRAIN], y[:TRAIN])
    cat.save_model(str(tmp_path / "credit.bin"))
    np.save(tmp_path / "X.npy", X[:TRAIN])
    zk = from_file(tmp_path / "credit.bin", X[:TRAIN])
    assert zk.name == "catboost_classifier" and zk.fidelity["against"] == "CatBoost.predict"
    np.testing.assert_array_equal(zk.predict(X[TRAIN:]), cat.predict(X[TRAIN:]))
    (tmp_path / "broken.txt").write_text("tree\nversion=v4\nnum_class=oops\n")
    with pytest.raises(ModelInputError, match="is not a readable LightGBM model file"):
        from_file(tmp_path / "broken.txt")
    with pytest.raises(ModelInputError, match="is a NumPy array \\(.npy\\), not a model") as e:
        from_file(tmp_path / "X.npy")
    assert "--data" in str(e.value)
    r = _cli("import", "credit.model", "--data", "X.npy", "--out", "credit.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "program lgbm_classifier.aleo" in r.stdout
    assert ("agreement 1.0000 on 256 of 600 calibration rows, against Booster.predict (passed agreement >= 1)"
            in r.stdout)


# ---- proofs -------------------------------------------------------------------------------------
def _proves(zk: Any, model: Any, row: np.ndarray) -> None:
    proof = zk.prove(row)
    assert zk.verify(proof)
    assert zk.decode_proof(proof) == np.asarray(model.predict(row[None])).reshape(-1)[0]


def _zero_as_missing() -> tuple[Any, Any]:
    X, y = _rows(11)
    model = lgb.LGBMClassifier(n_estimators=2, num_leaves=3, zero_as_missing=True, verbose=-1, n_jobs=1,
                               random_state=0).fit(X[:TRAIN], y[:TRAIN])
    return model, from_sklearn(model, X[:TRAIN])


@pytest.mark.prove   # snarkVM's circuit under the shared stand-in key: no synthesis of its own
def test_lightgbm_zero_as_missing_on_snarkvm() -> None:
    model, zk = _zero_as_missing()
    _on_snarkvm(zk, model, np.asarray([[0.0, np.nan, 0.3, -1.0], [0.0, 0.0, 0.0, 0.0], [1.5, -0.2, np.nan, 0.0]]))


@pytest.mark.slow   # its own key synthesis (~18 s cold); the default set runs the circuit on snarkVM above
@pytest.mark.prove
def test_lightgbm_zero_as_missing_proves_and_verifies() -> None:
    model, zk = _zero_as_missing()
    _proves(zk, model, np.asarray([0.0, np.nan, 0.3, -1.0]))


@pytest.mark.slow
@pytest.mark.prove
def test_categorical_circuits_on_snarkvm_hist_gradient_boosting_and_catboost_prove_and_verify() -> None:
    X, y = _rows(12, categories=5)
    lgbm = lgb.LGBMClassifier(n_estimators=3, num_leaves=4, verbose=-1, n_jobs=1, random_state=0, min_data_per_group=5,
                              cat_smooth=1.0).fit(X[:TRAIN], y[:TRAIN], categorical_feature=[0])
    hgb = HistGradientBoostingClassifier(categorical_features=[0], max_iter=2, max_leaf_nodes=3,
                                         random_state=0).fit(X[:TRAIN], y[:TRAIN])
    for model in (lgbm, hgb):   # an unseen category, a negative one, one between categories, ...
        _on_snarkvm(from_sklearn(model, X[:TRAIN]), model, X[TRAIN:TRAIN + 5])
    _proves(from_sklearn(hgb, X[:TRAIN]), hgb, X[TRAIN + 2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cat = CatBoostClassifier(iterations=2, depth=2, verbose=0, thread_count=1, allow_writing_files=False).fit(X[:TRAIN], y[:TRAIN])
    _proves(from_sklearn(cat, X[:TRAIN]), cat, X[TRAIN + 3])


def test_unfitted_models_are_refused() -> None:
    with pytest.raises(ConversionError, match="not fitted"):
        from_sklearn(lgb.LGBMClassifier(), np.zeros((3, 2)))
    with pytest.raises(ConversionError, match="not fitted"):
        from_catboost(CatBoostClassifier(), np.zeros((3, 2)))
    with pytest.raises(ModelInputError, match="no such model file"):
        from_lightgbm(Path("/nonexistent/model.txt"), np.zeros((3, 2)))
