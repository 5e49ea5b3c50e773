"""Tree models with public weights read each feature's rank among the model's thresholds, not its value:
labels equal the float model's for every input (on the thresholds, one float32 step either side, far
outside the training range, missing), inputs as narrow as the number of thresholds, and the saved file
encodes the same way; private-weight trees keep the value encoding (no threshold table in any file)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stdlib_ml import convert, from_sklearn

from .test_convert import TREE_FAMILIES, _small
from .test_convert_fidelity import _with_gaps


def _threshold_rows(zk: Any, X: np.ndarray, seed: int, n: int = 80) -> np.ndarray:
    """Rows of ``X`` with up to three features set to one of the model's thresholds (its own table,
    RANK_THRESHOLDS), one float32 step below or above it, or a value far outside the data."""
    rng = np.random.default_rng(seed)
    out = X[rng.integers(len(X), size=n)].copy()
    span = np.ptp(X, axis=0) + 1.0
    for row in out:
        for c in rng.choice(len(zk.columns), size=min(3, len(zk.columns)), replace=False):
            f, table = int(zk.columns[c]), zk.rank_thresholds[c]
            v = np.float32(rng.choice(table)) if len(table) else np.float32(row[f])
            row[f] = rng.choice([float(v), float(np.nextafter(v, np.float32(-np.inf))),
                                 float(np.nextafter(v, np.float32(np.inf))), row[f] + 1e3 * span[f],
                                 row[f] - 1e3 * span[f]])
    return out


def _far(X: np.ndarray, seed: int, n: int = 50) -> np.ndarray:
    """Rows whose every feature lies 10 to 1000 ranges outside ``X``'s, either side."""
    rng = np.random.default_rng(seed)
    span = np.ptp(X, axis=0) + 1.0
    return X.mean(axis=0) + rng.choice([-1, 1], size=(n, X.shape[1])) * span * 10 ** rng.uniform(1, 3, (n, X.shape[1]))


def _assert_same(zk: Any, model: Any, X: np.ndarray) -> None:
    got, want = zk.predict(X), model.predict(X)
    if zk.kind == "regressor":   # leaf values are quantized; the path is exact
        assert np.max(np.abs(got - want)) <= 1e-3 * max(np.ptp(want), 1.0)
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", TREE_FAMILIES)
def test_every_tree_family_reads_ranks_and_agrees_everywhere(kind: str) -> None:
    model, Xtr, Xte = _small(kind)
    zk = from_sklearn(model, Xtr)
    ranks = zk.rank_thresholds
    assert ranks is not None and zk.source.count("RANK_THRESHOLDS = ") == 1
    for c, table in enumerate(ranks):    # codes 0..|T| in the narrowest width, no range to clamp to
        assert list(table) == sorted(set(table))
        assert zk.input_low[c] == 0 and zk.input_high[c] == len(table)
        assert zk.input_widths[c] == (len(table)).bit_length()
    forest = zk.module.FOREST
    assert all(w == 8 for w in zk.module.WIDTHS) or max(len(t) for t in ranks) >= 127
    assert all(0 <= t <= len(ranks[f]) for f, t in zip(forest.feature, forest.threshold))
    X = np.vstack([Xte, _threshold_rows(zk, Xtr, seed=len(kind)), _far(Xtr, seed=len(kind))])
    _assert_same(zk, model, X)


@pytest.mark.parametrize("kind", ["DecisionTreeClassifier", "RandomForestClassifier"])
def test_missing_values_take_their_code_beside_the_ranks(kind: str) -> None:
    """A missing value is code -1 (left at every node) or |T| + 1 (right), on the side the value encoding
    put it; a feature sent both ways travels twice, both copies ranked on one table."""
    from sklearn import ensemble, tree

    X, y = _with_gaps(3)
    cls = getattr(tree, kind, None) or getattr(ensemble, kind)
    model = cls(max_depth=4, random_state=0, **({"n_estimators": 5} if "Forest" in kind else {})).fit(X, y)
    zk = from_sklearn(model, X)
    assert zk.rank_thresholds is not None and zk.missing_sides is not None
    for c, f in enumerate(zk.columns):
        np.testing.assert_array_equal(zk.rank_thresholds[c], zk.rank_thresholds[int(f)])
    Xn, _ = _with_gaps(4)
    far = _far(np.nan_to_num(X), seed=5)
    far[::3, 1] = np.nan
    np.testing.assert_array_equal(zk.predict(np.vstack([Xn, far])), model.predict(np.vstack([Xn, far])))


def test_xgboost_strict_rule_and_missing_on_ranks() -> None:
    """XGBoost goes left when float32(x) < t: a value equal to a threshold is ranked past it."""
    xgboost = pytest.importorskip("xgboost")
    X, y = _with_gaps(1)
    clf = xgboost.XGBClassifier(n_estimators=6, max_depth=3, n_jobs=1, random_state=0).fit(X, y)
    zk = convert.from_xgboost(clf, X)
    assert zk.rank_strict and zk.rank_thresholds is not None
    Xn, _ = _with_gaps(2)
    rows = np.vstack([Xn, _threshold_rows(zk, np.nan_to_num(X), seed=1), _far(np.nan_to_num(X), seed=1)])
    np.testing.assert_array_equal(zk.predict(rows), clf.predict(rows))


def test_saved_file_ranks_the_same_and_value_files_still_load(tmp_path: Path) -> None:
    model, Xtr, Xte = _small("random_forest")
    zk = from_sklearn(model, Xtr)
    path = zk.save(tmp_path / "rf.py")
    again = convert.load(path)
    X = np.vstack([Xte, _far(Xtr, seed=2)])
    assert again.encode(X) == zk.encode(X)
    low, high = again.value_range()    # what the CLI's example and the web form show: the thresholds' span
    for c, t in enumerate(again.rank_thresholds):
        assert (low[c], high[c]) == (t[0], t[-1]) if len(t) else np.isnan(low[c]) and np.isnan(high[c])
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    # a file with the value encoding (as written before ranks, or with input_bits given) loads and clamps
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = from_sklearn(model, Xtr, input_bits=8)
    assert "RANK_THRESHOLDS" not in old.source and old.rank_thresholds is None
    old_again = convert.load(old.save(tmp_path / "old.py"))
    np.testing.assert_array_equal(old_again.predict(Xte), old.predict(Xte))
    assert sum(old.input_widths) > sum(zk.input_widths)


def test_private_weight_trees_keep_values_and_publish_no_thresholds(tmp_path: Path) -> None:
    """With private weights the thresholds are secret: no rank table in the model file or the public file."""
    model, Xtr, Xte = _small("decision_tree")
    zk = from_sklearn(model, Xtr, weights="private")
    assert zk.rank_thresholds is None and "RANK_THRESHOLDS" not in zk.source
    public = zk.save_public(tmp_path / "public.json").read_text()
    thresholds = model.tree_.threshold[model.tree_.children_left != -1]
    assert "RANK" not in public and not any(repr(float(t)) in public for t in thresholds)
    np.testing.assert_array_equal(zk.predict(Xte), model.predict(Xte))


@pytest.mark.prove
@pytest.mark.usefixtures("stand_in_keys")
@pytest.mark.parametrize("kind", ["decision_tree", pytest.param("random_forest", marks=pytest.mark.slow),
                                  pytest.param("xgboost", marks=pytest.mark.slow)])
def test_snarkvm_execute_equals_the_interpreter_on_ranks(kind: str) -> None:
    model, Xtr, Xte = _small(kind)
    zk = from_sklearn(model, Xtr)
    rows = np.vstack([_threshold_rows(zk, Xtr, seed=7, n=3), _far(Xtr, seed=7, n=1)])
    want = model.predict(rows)
    np.testing.assert_array_equal(zk.predict(rows, backend="vm"), want)
    np.testing.assert_array_equal(zk.predict(rows), want)
