"""from_onnx: graphs written by skl2onnx, onnxmltools (LightGBM) and torch.onnx.export, trained here
(seeded, CPU, seconds), converted, and compared label by label with the source model's own predict
on the held-out split (the independent oracle: scikit-learn, LightGBM, torch); one proved and
verified, a forged proof rejected; bad files, unsupported operators and a missing onnx package fail
with one clear sentence."""

from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import onnx   # the [onnx] extra; dev installs it and what the tests export with (pyproject.toml)
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from stdlib_ml import ConversionError, FidelityWarning, ModelInputError, from_onnx, from_sklearn, load

ROOT = Path(__file__).resolve().parents[1]


def split(loader: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = loader(return_X_y=True)
    return train_test_split(X, y, random_state=0, stratify=y if len(set(y)) < 20 else None)


def sk_onnx(model: Any, X: np.ndarray) -> Any:
    from skl2onnx import to_onnx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return to_onnx(model, X[:1].astype(np.float32))


IRIS = split(load_iris)
CANCER = split(load_breast_cancer)
SLOW_CANCER = pytest.param(CANCER, marks=pytest.mark.slow, id="breast_cancer")   # 30 features: the default suite has iris


@pytest.mark.parametrize("make", [
    lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
    lambda: RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0),
    lambda: make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=4, max_depth=3, random_state=0)),
], ids=["scaler+logistic", "forest", "scaler+forest"])
@pytest.mark.parametrize("data", [pytest.param(IRIS, id="iris"), SLOW_CANCER])
def test_skl2onnx_classifiers_give_scikit_learns_labels(make: Any, data: Any) -> None:
    Xtr, Xte, ytr, _ = data
    model = make().fit(Xtr, ytr)
    zk = from_onnx(sk_onnx(model, Xtr), Xtr)
    assert zk.fidelity["passed"] and zk.fidelity["agreement"] == 1.0
    np.testing.assert_array_equal(zk.predict(Xte), model.predict(Xte))


@pytest.mark.parametrize("make", [LinearRegression, lambda: RandomForestRegressor(n_estimators=4, max_depth=3,
                                                                                   random_state=0)],
                         ids=["linear", "forest"])
def test_skl2onnx_regressors_match_scikit_learn_within_float32(make: Any) -> None:
    Xtr, Xte, ytr, _ = CANCER
    target = Xtr[:, 0] * 2.0 + ytr   # a continuous target
    model = make().fit(Xtr, target)
    zk = from_onnx(sk_onnx(model, Xtr), Xtr)
    want = model.predict(Xte)
    # the ONNX graph computes in float32: its values are scikit-learn's to ~1e-6 relative
    assert np.max(np.abs(zk.predict(Xte) - want)) <= 1e-5 * np.ptp(want)


@pytest.mark.parametrize("data", [pytest.param(IRIS, id="iris (softmax)"),
                                  pytest.param(CANCER, marks=pytest.mark.slow, id="breast_cancer (logistic)")])
def test_lightgbm_via_onnxmltools_gives_lightgbms_labels(data: Any) -> None:
    import lightgbm as lgb
    from onnxmltools import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType

    Xtr, Xte, ytr, _ = data
    model = lgb.LGBMClassifier(n_estimators=10, num_leaves=4, random_state=0, verbose=-1).fit(Xtr, ytr)
    graph = convert_lightgbm(model, initial_types=[("input", FloatTensorType([None, Xtr.shape[1]]))], zipmap=False)
    zk = from_onnx(graph, Xtr)
    np.testing.assert_array_equal(zk.predict(Xte), model.predict(Xte))


def _zero_as_missing_export() -> tuple[Any, Any, np.ndarray, np.ndarray]:
    """A LightGBM model fitted with zero_as_missing=True on data with many exact zeros, onnxmltools' export
    of it, and (train, held-out) rows: onnxmltools writes its splits as plain numeric ones, so a 0 is
    compared as a number instead of following the default side."""
    import lightgbm as lgb
    from onnxmltools import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType

    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 4))
    X[rng.random(X.shape) < 0.3] = 0.0
    y = ((X[:, 0] == 0) ^ (X[:, 1] > 0.2)).astype(np.int64)
    model = lgb.LGBMClassifier(n_estimators=10, num_leaves=8, zero_as_missing=True, verbose=-1, n_jobs=1,
                               random_state=0).fit(X[:800], y[:800])
    graph = convert_lightgbm(model, initial_types=[("input", FloatTensorType([None, 4]))], zipmap=False)
    return model, graph, X[:800], X[800:]


def test_without_a_reference_the_fidelity_says_it_checked_the_graph_only() -> None:
    model, graph, Xtr, Xte = _zero_as_missing_export()
    zk = from_onnx(graph, Xtr)
    assert zk.fidelity["agreement"] == 1.0 and zk.fidelity["against"].startswith("the ONNX graph only")
    assert "pass reference=" in zk.fidelity["against"]
    wrong = int(np.sum(zk.predict(Xte) != model.predict(Xte)))
    assert wrong > 40   # the export's error, which a check against the graph cannot see (measured: 125 of 400)


def test_a_reference_catches_onnxmltools_ignoring_zero_as_missing(tmp_path: Path) -> None:
    model, graph, Xtr, Xte = _zero_as_missing_export()
    with pytest.raises(ConversionError, match=r"the ONNX graph itself disagrees with LGBMClassifier.predict \(the "
                       r"reference model\) on calibration rows \[[0-9, ]+\] \(agreement 0\.[0-9]+") as e:
        from_onnx(graph, Xtr, reference=model)
    assert "from_lightgbm" in str(e.value)   # the direct converter of the reference is named
    with pytest.warns(FidelityWarning) as caught:
        zk = from_onnx(graph, Xtr, reference=model, strict=False)
    assert [str(w.message).split(" on ")[0] for w in caught] == [
        "the ONNX graph itself disagrees with LGBMClassifier.predict (the reference model)",   # the cause, first
        "onnx_tree_ensemble_classifier: the circuit disagrees with LGBMClassifier.predict (the reference model)"]
    assert not zk.fidelity["passed"] and zk.fidelity["against"] == "LGBMClassifier.predict (the reference model)"
    saved = load(zk.save(tmp_path / "wrong.py"))
    assert saved.fidelity == zk.fidelity   # the model file says what it was checked against, and how it fared
    with pytest.warns(FidelityWarning):
        by_callable = from_onnx(graph, Xtr, reference=lambda rows: model.predict(rows), strict=False)
    assert by_callable.fidelity["against"] == "<lambda> (the reference callable)"


def _skl2onnx_hist_gradient_boosting(model: Any, X: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> Any:
    """skl2onnx's export of a HistGradientBoostingClassifier. skl2onnx 1.20 hands onnx a Python bool for a
    leaf's missing-value flag, which onnx 1.2x refuses ("Expected an int, got a boolean"); the flag is
    passed as the int onnx takes, nothing else changed."""
    import skl2onnx.common.tree_ensemble as te
    from skl2onnx import to_onnx

    add_node = te.add_node

    def with_int_flag(*args: Any, nodes_missing_value_tracks_true: Any = 0, **kwargs: Any) -> Any:
        return add_node(*args, nodes_missing_value_tracks_true=int(nodes_missing_value_tracks_true), **kwargs)

    monkeypatch.setattr(te, "add_node", with_int_flag)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return to_onnx(model, X[:1].astype(np.float32), options={"zipmap": False})


def test_a_reference_catches_skl2onnx_writing_categorical_splits_as_numeric(monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(900, 3))
    X[:, 0] = rng.integers(0, 6, 900)
    y = (np.isin(X[:, 0], [1, 4]) ^ (X[:, 1] > 0)).astype(np.int64)
    model = HistGradientBoostingClassifier(categorical_features=[0], max_iter=10, random_state=0).fit(X[:600], y[:600])
    graph = _skl2onnx_hist_gradient_boosting(model, X, monkeypatch)
    zk = from_onnx(graph, X[:600])   # the graph agrees with its own circuit ...
    assert zk.fidelity["agreement"] == 1.0 and zk.fidelity["against"].startswith("the ONNX graph only")
    wrong = zk.predict(X[600:]) != model.predict(X[600:])
    # ... but skl2onnx writes a categorical split (a set of categories) as "x <= threshold": whole categories
    # go the wrong way (measured: every row of categories 0, 1 and 4, 150 of 300)
    assert wrong.sum() > 50
    categories = set(X[600:][wrong, 0].tolist())
    assert all(wrong[X[600:, 0] == c].all() for c in categories)
    with pytest.raises(ConversionError, match="the ONNX graph itself disagrees with HistGradientBoostingClassifier"):
        from_onnx(graph, X[:600], reference=model)
    assert from_sklearn(model, X[:600]).fidelity["agreement"] == 1.0   # the direct route is exact
    np.testing.assert_array_equal(from_sklearn(model, X[:600]).predict(X[600:]), model.predict(X[600:]))


def test_a_faithful_export_with_a_reference_records_the_reference() -> None:
    Xtr, Xte, ytr, _ = IRIS
    model = RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(Xtr, ytr)
    zk = from_onnx(sk_onnx(model, Xtr), Xtr, reference=model)
    assert zk.fidelity == {**zk.fidelity, "against": "RandomForestClassifier.predict (the reference model)",
                           "agreement": 1.0, "passed": True}
    np.testing.assert_array_equal(zk.predict(Xte), model.predict(Xte))
    with pytest.raises(ConversionError, match="reference must be the model the graph was exported from"):
        from_onnx(sk_onnx(model, Xtr), Xtr, reference=42)
    with pytest.raises(ConversionError, match="the reference \\(RandomForestClassifier.predict \\(the reference model\\)\\) "
                       "failed on the calibration rows: ValueError"):
        from_onnx(sk_onnx(model, Xtr), Xtr, reference=RandomForestClassifier().fit(Xtr[:, :2], ytr))
    with pytest.raises(ConversionError, match="answered shape \\(112, 3\\) for 112 rows"):
        from_onnx(sk_onnx(model, Xtr), Xtr, reference=model.predict_proba)


@pytest.mark.prove
def test_onnx_forest_proves_verifies_and_rejects_a_forged_proof(tmp_path: Path) -> None:
    Xtr, Xte, ytr, _ = IRIS
    model = RandomForestClassifier(n_estimators=2, max_depth=3, random_state=0).fit(Xtr, ytr)
    path = tmp_path / "iris.onnx"
    onnx.save(sk_onnx(model, Xtr), path)
    zk = from_onnx(path, Xtr)
    proof = zk.prove(Xte[0])
    assert zk.verify(proof)
    assert proof.constraints <= 16384
    assert zk.decode_proof(proof) == model.predict(Xte[:1])[0]
    data = json.loads(proof.execution)
    out = data["transitions"][0]["outputs"][0]
    other = (int(out["value"].removesuffix("u8")) + 1) % 3
    out["value"] = f"{other}u8"
    forged = type(proof)(proof.program, proof.function, json.dumps(data), proof.verifying_key, proof.constraints)
    assert not zk.verify(forged)


def _torch_fit(net: Any, X: np.ndarray, y: np.ndarray, steps: int) -> Any:
    import torch

    torch.manual_seed(0)
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(Xt), yt).backward()
        opt.step()
    return net.eval()


@pytest.mark.slow
def test_torch_mlp_and_cnn_via_torch_onnx_export_give_torchs_labels(tmp_path: Path) -> None:
    import torch

    torch.set_num_threads(1)
    Xtr, Xte, ytr, _ = IRIS
    torch.manual_seed(0)
    mlp = _torch_fit(torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                         torch.nn.Linear(8, 3)), Xtr, ytr, 300)
    torch.onnx.export(mlp, (torch.zeros(1, 4),), tmp_path / "mlp.onnx", dynamo=True)
    zk = from_onnx(tmp_path / "mlp.onnx", Xtr)
    with torch.no_grad():
        want = mlp(torch.tensor(Xte, dtype=torch.float32)).argmax(1).numpy()
    np.testing.assert_array_equal(zk.predict(Xte), want)

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, _ = train_test_split(X / 16.0, y, random_state=0)
    torch.manual_seed(0)
    cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                              torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(64, 10))
    _torch_fit(cnn, Xtr.reshape(-1, 1, 8, 8), ytr, 60)
    torch.onnx.export(torch.nn.Sequential(cnn, torch.nn.Softmax(dim=1)), (torch.zeros(1, 1, 8, 8),),
                      tmp_path / "cnn.onnx", dynamo=True)
    zk = from_onnx(tmp_path / "cnn.onnx", Xtr, fit=False)   # the semantics at the default resolution
    with torch.no_grad():
        want = cnn(torch.tensor(Xte.reshape(-1, 1, 8, 8), dtype=torch.float32)).argmax(1).numpy()
    np.testing.assert_array_equal(zk.predict(Xte), want)


@pytest.mark.parametrize("dynamo", [False, pytest.param(True, marks=pytest.mark.slow)],
                         ids=["torchscript exporter", "dynamo exporter"])
def test_torch_layers_via_onnx_give_torchs_labels(dynamo: bool, tmp_path: Path) -> None:
    """Strided padded Conv, BatchNorm (moved statistics), ReLU6 (Clip), HardSigmoid, a residual Add, a
    global average (GlobalAveragePool or ReduceMean), AveragePool, Concat, LeakyRelu, BatchNorm1d and
    constant Mul/Sub, with their initial weights: torch's own labels on 100 random samples."""
    import torch

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c1, self.bn = torch.nn.Conv2d(2, 4, 3, stride=2, padding=1), torch.nn.BatchNorm2d(4)
            self.c2, self.pool, self.gap = torch.nn.Conv2d(4, 4, 1), torch.nn.AvgPool2d(2), torch.nn.AdaptiveAvgPool2d(1)
            self.dense, self.bn1 = torch.nn.Linear(20, 5), torch.nn.BatchNorm1d(5)

        def forward(self, x: Any) -> Any:
            h = torch.nn.functional.relu6(self.bn(self.c1(x)))
            h = h + torch.nn.functional.hardsigmoid(self.c2(h))
            z = torch.cat([self.gap(h).flatten(1), self.pool(h).flatten(1)], 1)
            return self.bn1(torch.nn.functional.leaky_relu(self.dense(z), 0.2)) * 2.0 - 1.0

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    net = Net()
    for bn in (net.bn, net.bn1):
        bn.running_mean.data = torch.tensor(rng.normal(size=bn.num_features), dtype=torch.float32)
        bn.running_var.data = torch.tensor(rng.uniform(0.5, 2.0, size=bn.num_features), dtype=torch.float32)
    net.eval()
    X = rng.normal(size=(300, 2, 8, 8))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (torch.zeros(1, 2, 8, 8),), tmp_path / "net.onnx", dynamo=dynamo)
    zk = from_onnx(tmp_path / "net.onnx", X[:200], fit=False)   # its semantics, beyond what proves here
    with torch.no_grad():
        want = net(torch.tensor(X[200:], dtype=torch.float32)).argmax(1).numpy()
    np.testing.assert_array_equal(zk.predict(X[200:].reshape(100, -1)), want)


def _graph(op: str, **attrs: Any) -> Any:
    """A one-node graph: x (1, 4) → op → y."""
    from onnx import TensorProto, helper

    node = helper.make_node(op, ["x"], ["y"], name="the_node", **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_unsupported_operator_is_named_with_its_place_and_what_is_supported() -> None:
    with pytest.raises(ConversionError) as err:
        from_onnx(_graph("Sin"), IRIS[0])
    text = str(err.value)
    assert "'the_node'" in text and "op type Sin" in text and "node 1 of 1" in text
    assert "Gemm" in text and "Conv" in text   # what is supported
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Softmax", ["x"], ["p"], name="probs", axis=1), helper.make_node("Relu", ["p"], ["y"])]
    mid = helper.make_model(helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])]),
                            opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(ConversionError, match="node 'probs' .*op type Softmax.* is supported only as the last operator"):
        from_onnx(mid, IRIS[0])
    # an ai.onnx.ml model that is not linear or a tree ensemble: skl2onnx's SVC → SVMClassifier
    from sklearn.svm import SVC

    Xtr, _, ytr, _ = IRIS
    with pytest.raises(ConversionError) as err:
        from_onnx(sk_onnx(SVC(kernel="rbf").fit(Xtr, ytr), Xtr), Xtr)
    assert "op type ai.onnx.ml.SVMClassifier" in str(err.value) and "TreeEnsembleClassifier" in str(err.value)


def test_malformed_and_missing_files_are_clear_input_errors(tmp_path: Path) -> None:
    Xtr = IRIS[0]
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage that is no protobuf \xff\xff\xff")
    with pytest.raises(ModelInputError, match="not a readable ONNX model|not a valid ONNX model"):
        from_onnx(bad, Xtr)
    good = sk_onnx(make_pipeline(StandardScaler(), LogisticRegression()).fit(Xtr, IRIS[2]), Xtr).SerializeToString()
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(ModelInputError, match="truncated.onnx"):
        from_onnx(truncated, Xtr)
    with pytest.raises(ModelInputError, match="no such ONNX model file"):
        from_onnx(tmp_path / "absent.onnx", Xtr)


def test_missing_onnx_package_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins.__import__

    def no_onnx(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "onnx" or name.startswith("onnx."):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnx)
    with pytest.raises(ConversionError, match=r"install pyleo-zk\[onnx\]"):
        from_onnx("model.onnx", IRIS[0])


def test_importing_stdlib_ml_imports_no_framework() -> None:
    code = ("import sys, stdlib_ml, stdlib_ml.convert; from stdlib_ml import from_onnx, from_keras; "
            "print(sorted(m for m in ('onnx', 'keras', 'torch', 'tensorflow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.slow   # a fresh process importing onnx and scikit-learn: ~3 s of the default suite's budget
def test_cli_imports_an_onnx_file(tmp_path: Path) -> None:
    Xtr, Xte, ytr, _ = IRIS
    model = RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(Xtr, ytr)
    onnx.save(sk_onnx(model, Xtr), tmp_path / "forest.onnx")
    np.save(tmp_path / "X.npy", Xtr)
    out = tmp_path / "model.py"
    result = subprocess.run([sys.executable, "-m", "pyleo_cli.main", "import", str(tmp_path / "forest.onnx"), "--data",
                             str(tmp_path / "X.npy"), "--out", str(out)], capture_output=True, text=True, cwd=ROOT,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "fidelity: agreement 1.0000" in result.stdout
    from stdlib_ml import load

    np.testing.assert_array_equal(load(out).predict(Xte), model.predict(Xte))
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not onnx")
    failed = subprocess.run([sys.executable, "-m", "pyleo_cli.main", "import", str(bad), "--out", str(tmp_path / "b.py")],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert failed.returncode == 1 and "bad.onnx" in failed.stderr and "Traceback" not in failed.stderr
    assert not (tmp_path / "b.py").exists()


@pytest.mark.slow   # fresh processes importing onnx, LightGBM and scikit-learn
def test_cli_import_says_what_an_onnx_file_was_checked_against(tmp_path: Path) -> None:
    import joblib

    model, graph, Xtr, _ = _zero_as_missing_export()
    onnx.save(graph, tmp_path / "lgbm.onnx")
    joblib.dump(model, tmp_path / "lgbm.joblib")
    np.save(tmp_path / "X.npy", Xtr)

    def pyleo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pyleo_cli.main", "import", "lgbm.onnx", "--data", "X.npy", *args],
                              capture_output=True, text=True, cwd=tmp_path, timeout=300,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT)] + sys.path)})

    graph_only = pyleo("--out", "graph.py")
    assert graph_only.returncode == 0, graph_only.stderr
    assert "against the ONNX graph only (onnx.reference), not the model it was exported from" in graph_only.stdout
    checked = pyleo("--reference", "lgbm.joblib", "--out", "checked.py")
    assert checked.returncode == 1 and "the ONNX graph itself disagrees with LGBMClassifier.predict" in checked.stderr
    assert "from_lightgbm" in checked.stderr and not (tmp_path / "checked.py").exists()


@pytest.mark.slow   # imports torch
def test_a_neural_graph_is_checked_against_its_reference_when_given() -> None:
    import io

    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3))
    buf = io.BytesIO()
    torch.onnx.export(net, torch.zeros(1, 4), buf, dynamo=False, input_names=["x"], dynamic_axes={"x": {0: "n"}})
    graph = onnx.load_from_string(buf.getvalue())
    X = np.random.default_rng(0).normal(size=(200, 4))

    def torch_labels(rows: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return net(torch.tensor(rows, dtype=torch.float32)).argmax(1).numpy()

    assert from_onnx(graph, X).fidelity["against"].startswith("the ONNX graph only")
    zk = from_onnx(graph, X, reference=torch_labels)
    assert zk.fidelity["against"] == "torch_labels (the reference callable)" and zk.fidelity["agreement"] == 1.0
    with pytest.raises(ConversionError, match="the ONNX graph itself disagrees with always_0 \\(the reference callable\\)"):
        from_onnx(graph, X, reference=always_0)


def always_0(rows: np.ndarray) -> np.ndarray:
    """A reference that is not the exported model (every row class 0)."""
    return np.zeros(len(rows), dtype=np.int64)
