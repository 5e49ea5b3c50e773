"""Conversions agree with the float model's own ``predict`` (issue 10), each kind of fault on data of
its own: scalers folded from what ``transform`` does, missing values as the libraries define them,
decision rules (objectives, base scores, ties, label types), boosters with feature names, one scale
per feature, the self-check on calibration rows, input ranges that held-out rows fit, and the CLI's
one way to give inputs. The oracle is always the float model's ``predict``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import pyleo as pl
from benchmarks.fidelity import load_dataset
from stdlib_ml import ConversionError, ModelInputError, from_sklearn, from_xgboost, load
from stdlib_ml.convert import FidelityWarning

xgboost = pytest.importorskip("xgboost")

ROOT = Path(__file__).resolve().parents[1]


def _offset_blobs(n: int = 160, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three classes in four features with means far from 0 and unequal spreads (so that a fold
    that subtracts a mean it should not, or divides by a scale it should not, shows)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centers = np.asarray([[0, 0, 0, 0], [2, -1, 1, 0], [-1, 2, 0, 1]], dtype=float)
    X = centers[y] + rng.normal(scale=0.8, size=(n, 4))
    X = X * np.asarray([3.0, 0.5, 40.0, 0.02]) + np.asarray([50.0, -7.0, 300.0, 0.1])
    return X, y


def _agree(zk: Any, model: Any, X: np.ndarray) -> float:
    return float(np.mean(zk.predict(X) == model.predict(X)))


def _scalers() -> list[Any]:
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

    return [StandardScaler(with_mean=False), StandardScaler(with_std=False), MinMaxScaler(feature_range=(-3, 2)),
            MaxAbsScaler(), RobustScaler(with_centering=False), RobustScaler(with_scaling=False),
            RobustScaler(quantile_range=(10, 90))]


def _family(name: str) -> Any:
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.tree import DecisionTreeClassifier

    return {"logistic": lambda: LogisticRegression(max_iter=5000), "tree": lambda: DecisionTreeClassifier(
        max_depth=4, random_state=0), "knn": lambda: KNeighborsClassifier(n_neighbors=3),
            "ridge": lambda: Ridge(alpha=0.5)}[name]()


@pytest.mark.parametrize("family", ["logistic", "tree", "knn", "ridge"])
@pytest.mark.parametrize("scaler", range(7), ids=lambda i: repr(_scalers()[i]))
def test_scalers_fold_what_transform_does(scaler: int, family: str) -> None:
    """Each scaler configuration in front of each family: the conversion checks itself on the
    calibration rows (it raises below 100%) and agrees on held-out rows too."""
    from sklearn.pipeline import make_pipeline

    X, y = _offset_blobs()
    Xtr, Xte, ytr = X[:100], X[100:], y[:100]
    target = ytr.astype(float) * 10 + Xtr[:, 0] if family == "ridge" else ytr
    model = make_pipeline(_scalers()[scaler], _family(family)).fit(Xtr, target)
    zk = from_sklearn(model, Xtr)
    assert zk.fidelity is not None and zk.fidelity["passed"] and zk.fidelity["rows"] == 100
    if family == "ridge":
        want = model.predict(Xte)
        assert np.max(np.abs(zk.predict(Xte) - want)) <= 1e-3 * np.ptp(want)
    else:
        assert _agree(zk, model, Xte) == 1.0


def test_clipping_scaler_in_front_of_trees_only() -> None:
    """MinMaxScaler(clip=True) changes no split of a tree (its splits lie inside feature_range), so
    trees behind it agree even far outside the training range; in front of anything else it is refused."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    X, y = _offset_blobs()
    far = np.vstack([X[100:], X[100:] * 3 - 100, X[100:] * -2])
    for model in (make_pipeline(MinMaxScaler(feature_range=(-1, 4), clip=True), RandomForestClassifier(
            n_estimators=4, max_depth=4, random_state=0)), make_pipeline(MinMaxScaler(clip=True), StandardScaler(),
            xgboost.XGBClassifier(n_estimators=4, max_depth=3, n_jobs=1, random_state=0))):
        model.fit(X[:100], y[:100])
        lo, hi = model[0].feature_range
        clipped = model[0].transform(far)
        assert np.any(clipped == lo) and np.any(clipped == hi)      # the far rows are clipped at both ends
        np.testing.assert_array_equal(from_sklearn(model, X[:100]).predict(far), model.predict(far))
    clip = make_pipeline(MinMaxScaler(clip=True), LogisticRegression(max_iter=3000)).fit(X, y)
    with pytest.raises(ConversionError, match=r"clipping \(MinMaxScaler\(clip=True\) or np.clip\) in front of "
                                              "LogisticRegression is not supported: clipping is not affine"):
        from_sklearn(clip, X)


def test_scalers_that_are_not_elementwise_affine_are_rejected() -> None:
    """Steps that mix features fold into linear models and trees (tests/test_convert_pipelines.py,
    tests/test_convert_tree_steps.py); a step that is not affine at all is refused by name."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import QuantileTransformer

    X, y = _offset_blobs()
    quantiles = make_pipeline(QuantileTransformer(n_quantiles=10), LogisticRegression(max_iter=3000)).fit(X, y)
    with pytest.raises(ConversionError, match="pipeline step QuantileTransformer is not supported"):
        from_sklearn(quantiles, X)


# ---- missing values ------------------------------------------------------------------------------
def _with_gaps(seed: int, sentinel: float = np.nan) -> tuple[np.ndarray, np.ndarray]:
    """Four features; feature 1 missing in 25% of rows, feature 3 in 15%, and the label depends on
    whether feature 1 is missing (so the learned default side matters)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 4))
    gone1, gone3 = rng.random(300) < 0.25, rng.random(300) < 0.15
    y = ((X[:, 0] > 0.3) ^ gone1 | (X[:, 2] > 1.2)).astype(int)
    X[gone1, 1] = sentinel
    X[gone3, 3] = sentinel
    return X, y


@pytest.mark.parametrize("missing", [np.nan, -1.0, 0.0])
def test_xgboost_missing_values_take_the_default_branch(missing: float) -> None:
    X, y = _with_gaps(1, missing)
    clf = xgboost.XGBClassifier(n_estimators=6, max_depth=3, missing=missing, n_jobs=1, random_state=0).fit(X, y)
    zk = from_xgboost(clf, X)
    assert zk.missing_sides is not None and zk.fidelity["agreement"] == 1.0
    Xn, _ = _with_gaps(2, missing)                       # unseen rows with gaps
    np.testing.assert_array_equal(zk.predict(Xn), clf.predict(Xn))
    if not np.isnan(missing):                             # NaN is missing too
        Xnan = np.where(Xn == missing, np.nan, Xn)
        np.testing.assert_array_equal(zk.predict(Xnan), clf.predict(Xnan))
    reg = xgboost.XGBRegressor(n_estimators=6, max_depth=3, missing=missing, n_jobs=1, random_state=0).fit(
        X, y + X[:, 0])
    zr = from_xgboost(reg, X)
    want = reg.predict(Xn)
    assert np.max(np.abs(zr.predict(Xn) - want)) <= 1e-3 * np.ptp(want)


@pytest.mark.parametrize("kind", ["DecisionTreeClassifier", "RandomForestClassifier", "ExtraTreesClassifier",
                                  "DecisionTreeRegressor"])
def test_sklearn_trees_follow_their_learned_missing_direction(kind: str) -> None:
    from sklearn import ensemble, tree

    X, y = _with_gaps(3)
    cls = getattr(tree, kind, None) or getattr(ensemble, kind)
    kw = {"n_estimators": 5} if "Forest" in kind or "Extra" in kind else {}
    model = cls(max_depth=4, random_state=0, **kw).fit(X, y if "Classifier" in kind else y + X[:, 0])
    trees = [model.tree_] if hasattr(model, "tree_") else [e.tree_ for e in model.estimators_]
    if kind != "ExtraTreesClassifier":   # the case that crashed: a split "missing or not" at threshold inf
        assert any(np.isinf(t.threshold).any() for t in trees)
    zk = from_sklearn(model, X)
    Xn, _ = _with_gaps(4)
    got, want = zk.predict(Xn), model.predict(Xn)
    if "Regressor" in kind:
        assert np.max(np.abs(got - want)) <= 1e-3 * np.ptp(want)
    else:
        np.testing.assert_array_equal(got, want)
        assert np.isnan(Xn).any(axis=1).sum() > 50


@pytest.mark.prove
@pytest.mark.usefixtures("stand_in_keys")
def test_a_feature_in_two_inputs_must_carry_one_value_on_snarkvm() -> None:
    """A feature whose nodes send missing values both ways travels in two inputs; the circuit asserts
    they agree (the same present value, or both its missing encodings): a prover feeding the two kinds
    of nodes different values is halted, by the interpreter and by snarkVM; honest rows agree with the
    float model there."""
    from sklearn.ensemble import RandomForestClassifier

    X, y = _with_gaps(1)
    rf = RandomForestClassifier(5, max_depth=4, random_state=0).fit(X, y)
    zk = from_sklearn(rf, X)
    pairs = [(int(zk.columns[c]), c) for c in range(zk.n_features, len(zk.columns))]
    assert (1, 5) in pairs                               # feature 1's nodes send missing values both ways
    # features travel as ranks among the thresholds: feature 1's values in rows 0 and 2 have different ranks
    rows = np.asarray([[0.3, 0.8, 0.3, -1.3], [0.3, np.nan, 1.5, np.nan], [-0.5, -1.0, 0.0, 0.5]])
    np.testing.assert_array_equal(zk.predict(rows, backend="vm"), rf.predict(rows))
    a, b, c = zk.codes(rows)
    assert a[5] != c[5]
    assert [zk.pack(r) for r in (a, b, c)] == zk.encode(rows)
    for codes in ([*a[:5], c[5], *a[6:]],                # feature 1 present in both, two different values
                  [*a[:5], b[5], *a[6:]]):               # present for one kind of node, missing for the other
        forged = zk.pack(codes)
        with pytest.raises(pl.ExecutionError, match="inputs 1 and 5 carry feature 1"):
            zk.program.run("predict", forged)
        with pytest.raises(pl.ExecutionError, match="assert"):
            zk.program.evaluate("predict", forged)


def test_missing_values_where_the_model_has_none_are_named() -> None:
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    X, y = _with_gaps(5)
    filled = np.nan_to_num(X)
    logit = LogisticRegression().fit(filled, y)
    with pytest.raises(ConversionError, match="X has missing values.*LogisticRegression"):
        from_sklearn(logit, X)
    with pytest.raises(ModelInputError, match=r"sample 0, feature 1 is missing \(nan\)"):
        from_sklearn(logit, filled).predict(X[np.isnan(X[:, 1])][:1])
    gb = GradientBoostingClassifier(n_estimators=3).fit(filled, y)
    with pytest.raises(ConversionError, match="GradientBoostingClassifier.predict does not take missing values"):
        from_sklearn(gb, filled, missing_values=True)
    # A tree fitted without gaps takes NaN in scikit-learn; its circuit does when asked (the hint says how).
    dt = DecisionTreeClassifier(max_depth=4, random_state=0).fit(filled, y)
    zk = from_sklearn(dt, filled)
    with pytest.raises(ModelInputError, match="missing_values=True"):
        zk.predict(X)
    np.testing.assert_array_equal(from_sklearn(dt, filled, missing_values=True).predict(X), dt.predict(X))


# ---- decision rules -------------------------------------------------------------------------------
@pytest.mark.parametrize("objective,base_score", [("binary:logistic", 0.8), ("binary:logitraw", None),
                                                  ("binary:hinge", None), ("multi:softmax", None),
                                                  ("multi:softprob", 0.3)])
def test_xgboost_objectives_and_base_scores(objective: str, base_score: float | None) -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(400, 5))
    score = X[:, 0] + 0.7 * X[:, 1] - 0.4 * X[:, 2] + rng.normal(scale=0.6, size=400)
    y = (score > 0).astype(int) if objective.startswith("binary") else np.digitize(score, [-0.7, 0.7])
    clf = xgboost.XGBClassifier(objective=objective, base_score=base_score, n_estimators=8, max_depth=3, n_jobs=1,
                                random_state=0).fit(X, y)
    zk = from_xgboost(clf, X[:120])
    Xte = X[300:]
    np.testing.assert_array_equal(zk.predict(Xte), clf.predict(Xte))
    if objective == "binary:logitraw":       # rows where "margin > 0" and "margin > 0.5" differ exist
        margin = clf.predict(X, output_margin=True)
        assert np.sum((margin > 0) & (margin <= 0.5)) >= 5


@pytest.mark.parametrize("labels", [["ant", "bee", "cow"], [3, 7, 42], [-4, 0, 9]], ids=["str", "int", "negative"])
def test_label_types_come_back_as_the_model_gives_them(labels: list[Any]) -> None:
    from sklearn.linear_model import RidgeClassifier
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.tree import DecisionTreeClassifier

    X, idx = _offset_blobs(seed=3)
    y = np.asarray(labels, dtype=object if isinstance(labels[0], str) else None)[idx]
    for model in (RidgeClassifier(), DecisionTreeClassifier(max_depth=3, random_state=0),
                  KNeighborsClassifier(n_neighbors=5)):
        model.fit(X[:60], y[:60])
        got, want = from_sklearn(model, X[:60]).predict(X[60:]), model.predict(X[60:])
        assert got.tolist() == want.tolist()


def test_argmax_ties_pick_the_first_class_like_predict() -> None:
    from sklearn.ensemble import RandomForestClassifier

    X, y = _offset_blobs(seed=4)
    rf = RandomForestClassifier(n_estimators=2, random_state=1).fit(X[:100], y[:100])   # pure leaves: 0/½/1 votes
    top = np.sort(rf.predict_proba(X[100:]), axis=1)
    assert np.sum(top[:, -1] == top[:, -2]) >= 3          # tied votes exist
    np.testing.assert_array_equal(from_sklearn(rf, X[:100]).predict(X[100:]), rf.predict(X[100:]))


def test_knn_equal_distances_are_measured_and_named() -> None:
    """On a grid, many training points are equally far; where scikit-learn's choice among them differs
    the conversion says so (the likely cause names the ties), and strict=False keeps the measured fidelity."""
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(5)
    X = rng.integers(0, 3, size=(40, 2)).astype(float)
    y = rng.integers(0, 2, size=40)
    knn = KNeighborsClassifier(n_neighbors=4).fit(X, y)
    grid = np.asarray([[a, b] for a in np.arange(0, 2.5, 0.5) for b in np.arange(0, 2.5, 0.5)])
    want = knn.predict(grid)
    try:
        zk = from_sklearn(knn, grid)
    except ConversionError as e:
        assert "equal distances" in str(e)
        with pytest.warns(FidelityWarning, match="equal distances"):
            zk = from_sklearn(knn, grid, strict=False)
    assert zk.fidelity["agreement"] == pytest.approx(np.mean(zk.predict(grid) == want))


def test_booster_with_feature_names(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] - X[:, 2] + 0.3 * X[:, 1] > 0).astype(int)
    names = ["height", "weight", "age"]
    bst = xgboost.train({"objective": "binary:logistic", "max_depth": 3, "nthread": 1},
                        xgboost.DMatrix(X, label=y, feature_names=names), num_boost_round=6)
    want = (bst.predict(xgboost.DMatrix(X, feature_names=names)) > 0.5).astype(int)
    bst.save_model(tmp_path / "named.json")
    for source in (bst, str(tmp_path / "named.json")):
        zk = from_xgboost(source, X[:150])
        np.testing.assert_array_equal(zk.predict(X[150:]), want[150:])


# ---- one scale per feature -----------------------------------------------------------------------
def _wild_scales(n: int = 300, seed: int = 9) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.lognormal(14, 0.4, n), rng.normal(-2e-7, 5e-8, n), rng.normal(3, 1, n)])


@pytest.mark.parametrize("kind", ["LinearRegression", "StandardScaler+LinearRegression", "LogisticRegression",
                                  "StandardScaler+MLPRegressor", "StandardScaler+KNeighborsClassifier",
                                  "GaussianNB", "StandardScaler+DecisionTreeClassifier", "KMeans"])
def test_each_feature_gets_its_own_scale(kind: str) -> None:
    """Features of magnitude ~1e6, ~1e-7 and ~3, each mattering to the target."""
    from sklearn import cluster, linear_model, naive_bayes, neighbors, neural_network, tree
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = _wild_scales()
    z = (X - X.mean(axis=0)) / X.std(axis=0)
    target = z @ np.asarray([1.0, 2.0, -1.5])
    name = kind.split("+")[-1]
    est = {"LinearRegression": linear_model.LinearRegression(), "LogisticRegression": linear_model.LogisticRegression(
        C=1e6, max_iter=10000), "MLPRegressor": neural_network.MLPRegressor(
        hidden_layer_sizes=(8,), max_iter=3000, random_state=0),
           "KNeighborsClassifier": neighbors.KNeighborsClassifier(3), "GaussianNB": naive_bayes.GaussianNB(),
           "DecisionTreeClassifier": tree.DecisionTreeClassifier(max_depth=4, random_state=0),
           "KMeans": cluster.KMeans(3, n_init=5, random_state=0)}[name]
    model = make_pipeline(StandardScaler(), est) if kind.startswith("StandardScaler") else est
    regression = name in ("LinearRegression", "MLPRegressor")
    y = target if regression else (target > 0).astype(int) + (target > 1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X[:200], y[:200]) if name != "KMeans" else model.fit(z[:200] * X.std(axis=0) + X.mean(axis=0))
    zk = from_sklearn(model, X[:200])
    # KMeans: distances in raw units: the tiny feature does not count, nor need finer steps; trees read
    # ranks among their thresholds, no scale at all (tests/test_tree_ranks.py)
    if kind not in ("KMeans", "StandardScaler+DecisionTreeClassifier"):
        assert zk.in_bits[1] - zk.in_bits[0] >= 30           # the tiny feature is quantized 2**30 finer
    got, want = zk.predict(X[200:]), model.predict(X[200:])
    if regression:
        assert np.max(np.abs(got - want)) <= 1e-3 * np.ptp(want)
    else:
        assert np.mean(got == want) == 1.0


# ---- the self-check ------------------------------------------------------------------------------
def test_fidelity_is_recorded_and_below_the_bar_refused(tmp_path: Path) -> None:
    from sklearn.linear_model import LinearRegression, LogisticRegression

    X, y = _offset_blobs(seed=6)
    model = LogisticRegression(max_iter=5000).fit(X, y)
    zk = from_sklearn(model)
    assert zk.fidelity is None and "FIDELITY = None  # not checked" in zk.source
    with pytest.raises(ConversionError, match=r"disagrees with LogisticRegression.predict on calibration rows \[") as e:
        from_sklearn(model, X, input_bits=0)              # inputs rounded to integers
    hint = e.value.hint or ""
    bits = int(hint.split("input_bits=")[1].split()[0])
    assert from_sklearn(model, X, input_bits=bits).fidelity["passed"]      # the hint, followed, passes
    with pytest.warns(FidelityWarning, match="agreement"):
        weak = from_sklearn(model, X, input_bits=0, strict=False)
    measured = np.mean(weak.predict(X) == model.predict(X))
    assert weak.fidelity["agreement"] == pytest.approx(measured) and not weak.fidelity["passed"]
    assert all(weak.predict(X[i:i + 1])[0] != model.predict(X[i:i + 1])[0] for i in weak.fidelity["worst_rows"])
    assert load(weak.save(tmp_path / "weak.py")).fidelity == weak.fidelity
    assert from_sklearn(model, X, input_bits=0, min_agreement=0.5).fidelity["passed"] == (measured >= 0.5)
    reg = LinearRegression().fit(X, X[:, 0] * 2 + X[:, 2])
    with pytest.warns(FidelityWarning, match="max error"):
        coarse = from_sklearn(reg, X, input_bits=0, strict=False, max_error=1e-9)
    err = np.max(np.abs(coarse.predict(X) - reg.predict(X))) / np.ptp(reg.predict(X))
    assert coarse.fidelity["max_rel_error"] == pytest.approx(err) and not coarse.fidelity["passed"]


@pytest.mark.parametrize("dataset", ["iris", "wine", "breast_cancer", "digits", "diabetes"])
def test_default_range_takes_held_out_rows(dataset: str) -> None:
    """A circuit sized from the training rows (with the default margin) accepts every held-out row,
    with and without a scaler in front."""
    from sklearn.linear_model import Ridge, RidgeClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    Xtr, Xte, ytr, _ = load_dataset(dataset)
    est = Ridge if dataset == "diabetes" else RidgeClassifier
    for model in (est(), make_pipeline(StandardScaler(), est())):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(Xtr, ytr)
        zk = from_sklearn(model, Xtr, check_rows=20, min_agreement=0.0, max_error=1.0)
        assert len(zk.encode(Xte)) == len(Xte)               # no ModelInputError
    far = Xte[:1] + 10 * (zk.input_high - zk.input_low)
    with pytest.raises(ModelInputError, match="outside .* the range") as e:
        zk.encode(far)
    assert "input_range=(low, high) covering them" in (e.value.hint or "")
    wide = from_sklearn(model, Xtr, input_range=(np.minimum(Xtr.min(axis=0), far[0]), np.maximum(Xtr.max(axis=0),
                                                                                                  far[0])))
    assert wide.fidelity["passed"] and len(wide.encode(far)) == 1   # the hint, followed, takes the row


# ---- the command line: one way to give inputs ----------------------------------------------------
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pyleo_cli.main", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.prove
def test_cli_import_checks_fidelity_and_run_takes_raw_features(tmp_path: Path) -> None:
    import joblib

    X, y = _with_gaps(10)
    model = xgboost.XGBClassifier(n_estimators=4, max_depth=3, n_jobs=1, random_state=0).fit(X, y)
    model.get_booster().save_model(tmp_path / "gaps.json")
    np.savetxt(tmp_path / "rows.csv", X, delimiter=",", header="a,b,c,d", comments="")
    r = _cli("import", str(tmp_path / "gaps.json"), "--data", str(tmp_path / "rows.csv"), "--out",
             str(tmp_path / "gaps.py"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "fidelity: agreement 1.0000 on 256 of 300 calibration rows, against Booster.predict (passed agreement >= 1)" in r.stdout
    row = X[np.isnan(X[:, 1])][0]
    assert "pyleo run " in r.stdout and "predict '[" in r.stdout
    sample = json.dumps([None if np.isnan(v) else float(v) for v in row])
    r = _cli("run", str(tmp_path / "gaps.py"), "predict", sample, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"prediction: {model.predict(row[None])[0]}" in r.stdout
    output = r.stdout.split()[0]
    r = _cli("prove", str(tmp_path / "gaps.py"), "predict", sample, "--out", str(tmp_path / "p.json"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"output: {output}" in r.stdout                 # snarkVM proves the same answer on the raw row
    encoded = load(tmp_path / "gaps.py").encode(row)[0]     # packed words, not one value per feature
    r = _cli("run", str(tmp_path / "gaps.py"), "predict", json.dumps(encoded), cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "look like encoded" in r.stderr or f"takes {len(row)} features per sample, got {len(encoded)}" in r.stderr
    r = _cli("import", str(tmp_path / "gaps.json"), cwd=tmp_path)
    assert r.returncode == 0 and "fidelity: NOT checked" in r.stdout
    (tmp_path / "bad.csv").write_text("1,2\n3,x\n")
    r = _cli("import", str(tmp_path / "gaps.json"), "--data", str(tmp_path / "bad.csv"), cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "error:" in r.stderr, r.stderr
    # below the bar: exit 1, nothing written, and the hint's command line passes
    from sklearn.linear_model import LogisticRegression

    Xb, yb = _offset_blobs(seed=11)
    joblib.dump(LogisticRegression(max_iter=5000).fit(Xb, yb), tmp_path / "lr.joblib")
    np.save(tmp_path / "blobs.npy", Xb)
    args = ["import", str(tmp_path / "lr.joblib"), "--data", str(tmp_path / "blobs.npy"), "--out", str(tmp_path / "lr.py")]
    r = _cli(*args, "--input-bits", "0", cwd=tmp_path)
    assert r.returncode == 1 and "disagrees with LogisticRegression.predict" in r.stderr, r.stderr
    assert not (tmp_path / "lr.py").exists() and "Traceback" not in r.stderr
    suggested = r.stderr.split("pyleo import --input-bits ")[1].split("`")[0]
    r = _cli(*args, "--input-bits", suggested, cwd=tmp_path)
    assert r.returncode == 0 and "fidelity: agreement 1.0000" in r.stdout, r.stderr
    # repro 3 of issue 10 through the CLI: a scikit-learn forest fitted with NaN
    from sklearn.ensemble import RandomForestClassifier

    joblib.dump(RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y), tmp_path / "rf.joblib")
    r = _cli("import", str(tmp_path / "rf.joblib"), "--out", str(tmp_path / "rf.py"), cwd=tmp_path)
    assert r.returncode == 0 and "internal error" not in r.stderr, r.stderr
