"""Kernel SVMs whose kernel needs an exponential or tanh (issue 24, point 2): rbf and sigmoid kernels as a
piecewise-linear interpolation with a proved error bound, summed over the support vectors into a bound on
each decision that the fidelity check reports. Against the library's own predict / decision_function on
held-out rows of data of our own, and the bounds against numpy on dense grids. Also `pyleo import`'s
--response-method / --threshold flags.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from stdlib_ml import from_sklearn
from stdlib_ml.convert import FidelityWarning
from stdlib_ml.convert.nn import APPROXIMATIONS, EXP_ERROR
from stdlib_ml.convert.svm import kernel_error, tanh_error

from .test_convert_families import tabular_data


def _moons(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles with noise (scikit-learn's make_moons, written out)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, math.pi, n)
    y = rng.integers(0, 2, n)
    X = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    return X + rng.normal(scale=0.2, size=X.shape), y


def test_the_kernel_bounds_hold_on_dense_grids() -> None:
    """exp(−u) interpolated within EXP_ERROR on u >= 0, tanh within tanh_error() everywhere; the tanh
    bound is proved, so at least the measured error, and not far above it."""
    u = np.linspace(0.0, 60.0, 600_001)
    assert np.max(np.abs(APPROXIMATIONS["exp_neg"](u) - np.exp(-u))) <= EXP_ERROR == kernel_error("rbf")
    x = np.linspace(-20.0, 20.0, 800_001)
    measured = np.max(np.abs(APPROXIMATIONS["tanh"](x) - np.tanh(x)))
    assert measured <= tanh_error() == kernel_error("sigmoid") <= 1.1 * measured


def _binary_bound(svc: object) -> float:
    return float(np.abs(svc.dual_coef_).sum()) * EXP_ERROR


def test_rbf_svc_agrees_where_the_bound_decides_and_flags_the_rest() -> None:
    """Two classes: on held-out rows whose |decision_function| exceeds Σ|dual|·EXP_ERROR the circuit's
    label is the model's (here: on every row); the fidelity check flags exactly the calibration rows
    within the bound (scikit-learn's decision_function as the oracle)."""
    from sklearn.svm import SVC

    X, y = _moons(100)
    est = SVC(kernel="rbf", C=3.0).fit(X[:60], y[:60])
    zk = from_sklearn(est, X[:60])
    assert np.array_equal(zk.predict(X[60:]), est.predict(X[60:]))
    B = _binary_bound(est)
    close = np.flatnonzero(np.abs(est.decision_function(X[:60])) <= B)
    assert zk.fidelity["within_bound_rows"] == close[:10].tolist()
    assert zk.fidelity["guaranteed"] == pytest.approx(1 - len(close) / 60)
    assert "Σ_s |dual coefficient|" in open(zk.path).read()


@pytest.mark.slow
def test_rbf_svc_scaled_agrees_where_the_bound_decides() -> None:
    """Scaled, more features (the scaler folded in front of the kernel)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    d = tabular_data(5, 180)
    pipe = make_pipeline(StandardScaler(), SVC(kernel="rbf")).fit(d["X"][:120], d["y2"][:120])
    zk = from_sklearn(pipe, d["X"][:120], strict=False)
    got, want = zk.predict(d["X"][120:]), pipe.predict(d["X"][120:])
    clear = np.abs(pipe.decision_function(d["X"][120:])) > _binary_bound(pipe[-1])
    assert np.array_equal(got[clear], want[clear]) and clear.mean() >= 0.85


@pytest.mark.slow
def test_rbf_nusvc_three_classes_one_vs_one() -> None:
    """Three classes: one decision per pair (scikit-learn's ovo decision_function the oracle), votes as libsvm."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import NuSVC

    d = tabular_data(6, 180)
    pipe = make_pipeline(StandardScaler(), NuSVC(kernel="rbf", decision_function_shape="ovo")).fit(d["X"][:120],
                                                                                                   d["y3"][:120])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FidelityWarning)
        zk = from_sklearn(pipe, d["X"][:120], strict=False)
    got, want = zk.predict(d["X"][120:]), pipe.predict(d["X"][120:])
    clear = np.min(np.abs(pipe.decision_function(d["X"][120:])), axis=1) > float(np.abs(pipe[-1].dual_coef_).sum()) * EXP_ERROR
    assert np.array_equal(got[clear], want[clear]) and np.mean(got == want) >= 0.97


@pytest.mark.slow
def test_rbf_svr_within_its_bound_and_sigmoid_kernel_judged_by_its_agreement() -> None:
    """SVR: every held-out value within Σ|dual|·EXP_ERROR (+ the rounding) of predict. A sigmoid kernel's
    tanh bound (2.4e-2 per kernel value) decides few rows: converted on its measured agreement, flagged."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC, SVR

    d = tabular_data(7, 180)
    pipe = make_pipeline(StandardScaler(), SVR(kernel="rbf")).fit(d["X"][:120], d["yr"][:120])
    zk = from_sklearn(pipe, d["X"][:120], max_error=0.05)
    err = np.abs(zk.predict(d["X"][120:]) - pipe.predict(d["X"][120:]))
    assert np.max(err) <= float(np.abs(pipe[-1].dual_coef_).sum()) * EXP_ERROR + 1e-3
    sig = make_pipeline(StandardScaler(), SVC(kernel="sigmoid", gamma=0.1, C=0.1)).fit(d["X"][:120], d["y2"][:120])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FidelityWarning)
        zk = from_sklearn(sig, d["X"][:120], strict=False)
    assert zk.fidelity["agreement"] >= 0.97 and 0 < zk.fidelity["guaranteed"] < 1
    assert np.mean(zk.predict(d["X"][120:]) == sig.predict(d["X"][120:])) >= 0.95


@pytest.mark.slow
@pytest.mark.prove
def test_one_proof_rbf_svc() -> None:
    """A proof of an rbf SVC's label (5 support vectors: ~16,300 constraints, the most that fit one proof
    here) verifies and carries the library's label."""
    from sklearn.svm import SVC

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(30, 2)) + [2, 0], rng.normal(size=(30, 2)) - [2, 0]])
    y = np.r_[np.ones(30), np.zeros(30)].astype(int)
    idx = np.r_[0:4, 30:34]
    est = SVC(kernel="rbf", C=100.0, gamma=0.2).fit(X[idx], y[idx])
    zk = from_sklearn(est, X)
    assert zk.program.fits_here("predict")
    proof = zk.prove(X[40])
    assert zk.verify(proof)
    assert zk.decode_proof(proof) == est.predict(X[40:41])[0]


def test_cli_import_scores_flags(tmp_path) -> None:
    """`pyleo import --response-method/--threshold` map to from_sklearn's options: the file outputs
    predict_proba (within 1e-3 of the library's on held-out rows) or the public "P(positive) >= T"."""
    import joblib
    from sklearn.linear_model import LogisticRegression
    from typer.testing import CliRunner

    from pyleo_cli.main import app
    from stdlib_ml import load

    X, y = _moons(120, seed=3)
    est = LogisticRegression().fit(X[:80], y[:80])
    joblib.dump(est, tmp_path / "lr.joblib")
    np.save(tmp_path / "X.npy", X[:80])
    base = ["import", str(tmp_path / "lr.joblib"), "--data", str(tmp_path / "X.npy")]
    r = CliRunner().invoke(app, base + ["--response-method", "predict_proba", "--out", str(tmp_path / "p.py")])
    assert r.exit_code == 0, r.output
    assert np.max(np.abs(load(tmp_path / "p.py").predict(X[80:]) - est.predict_proba(X[80:]))) <= 1e-3
    r = CliRunner().invoke(app, base + ["--threshold", "0.7", "--out", str(tmp_path / "t.py")])
    assert r.exit_code == 0, r.output
    assert np.array_equal(load(tmp_path / "t.py").predict(X[80:]), est.predict_proba(X[80:])[:, 1] >= 0.7)


def test_cli_import_of_a_model_too_large_to_prove_here_does_not_suggest_proving(tmp_path) -> None:
    """An rbf SVC with dozens of support vectors (~900 constraints each) is written, and `pyleo import`
    says it proves on the network, not here, instead of printing `pyleo prove` as the next step; one that
    fits one proof gets the `pyleo prove` line."""
    import joblib
    from sklearn.svm import SVC
    from typer.testing import CliRunner

    from pyleo_cli.main import app

    X, y = _moons(120, seed=5)
    big = SVC(kernel="rbf").fit(X, y)
    assert len(big.support_) > 20
    joblib.dump(big, tmp_path / "big.joblib")
    np.save(tmp_path / "X.npy", X)
    r = CliRunner().invoke(app, ["import", str(tmp_path / "big.joblib"), "--data", str(tmp_path / "X.npy"),
                                 "--out", str(tmp_path / "big.py")])
    assert r.exit_code == 0, r.output
    assert "pyleo prove" not in r.stdout and "pyleo run" in r.stdout
    assert "no split fits here" in r.stderr and "pyleo deploy" in r.stderr
    small = SVC(kernel="linear").fit(X, y)
    joblib.dump(small, tmp_path / "small.joblib")
    r = CliRunner().invoke(app, ["import", str(tmp_path / "small.joblib"), "--data", str(tmp_path / "X.npy"),
                                 "--out", str(tmp_path / "small.py")])
    assert r.exit_code == 0 and "pyleo prove" in r.stdout and "warning" not in r.stderr, r.output
