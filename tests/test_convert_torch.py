"""from_torch: small seeded networks trained here on CPU, converted, and checked against torch's own
float output on held-out rows (the oracle), plus the errors a user meets."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from stdlib_ml import ConversionError, ModelInputError, from_torch
from stdlib_ml.convert import nn as cnn

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

torch.set_num_threads(1)   # small models: threads only contend


def _data(name: str, image: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    X, y = {"iris": datasets.load_iris, "digits": datasets.load_digits}[name](return_X_y=True)
    X = X.astype(np.float32)
    if image:
        X = X.reshape(-1, 1, 8, 8)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def _train(net: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int = 30, lr: float = 0.01,
           loss: str = "ce") -> nn.Module:
    torch.manual_seed(0)
    for m in net.modules():
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    xt = torch.tensor(X, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.long if loss == "ce" else torch.float32)
    g = torch.Generator().manual_seed(0)
    net.train()
    for _ in range(epochs):
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            out = net(xt[idx])
            if loss == "ce":
                err = nn.functional.cross_entropy(out, yt[idx])
            elif loss == "bce":
                err = nn.functional.binary_cross_entropy(out[:, 0], yt[idx])
            else:
                err = nn.functional.mse_loss(out[:, 0], yt[idx])
            err.backward()
            opt.step()
    return net.eval()


def _torch_labels(net: nn.Module, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return net(torch.tensor(X, dtype=torch.float32)).argmax(1).numpy()


# ---- agreement with the float network on held-out rows ---------------------------------------------
@pytest.mark.prove
def test_iris_mlp_agrees_and_proves() -> None:
    Xtr, Xte, ytr, yte = _data("iris")
    net = _train(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)), Xtr, ytr, epochs=60)
    zk = from_torch(net, Xtr)
    assert zk.fidelity["passed"] and zk.fidelity["agreement"] == 1.0
    want = _torch_labels(net, Xte)
    assert np.array_equal(zk.predict(Xte), want)
    assert np.mean(want == yte) > 0.9   # a real model, not a constant
    proof = zk.prove(Xte[0])
    assert zk.verify(proof)
    assert zk.decode_proof(proof) == want[0]


@pytest.mark.slow
def test_digits_cnn_agrees_on_held_out_rows() -> None:
    Xtr, Xte, ytr, yte = _data("digits", image=True)
    net = _train(nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                               nn.Linear(36, 10)), Xtr, ytr, epochs=15)
    zk = from_torch(net, Xtr, input_range=(0, 16), input_bits=0, resolution=8)
    want = _torch_labels(net, Xte)
    assert np.mean(want == yte) > 0.9
    assert np.array_equal(zk.predict(Xte), want)                       # samples shaped (n, 1, 8, 8)
    assert np.array_equal(zk.predict(Xte.reshape(len(Xte), -1)), want)  # or flattened
    assert "linalg.sparse_matvec" in zk.source   # the convolution holds only its taps


@pytest.mark.slow
def test_batchnorm_is_folded_into_the_layers() -> None:
    Xtr, Xte, ytr, yte = _data("digits")
    net = _train(nn.Sequential(nn.Linear(64, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 10)),
                 Xtr, ytr, epochs=10)
    assert not np.allclose(net[1].running_mean.numpy(), 0)   # BatchNorm learned something to fold
    zk = from_torch(net, Xtr)
    assert np.array_equal(zk.predict(Xte), _torch_labels(net, Xte))
    assert zk.source.count("activations.relu_vec") == 1   # BatchNorm and Dropout cost nothing


class _Residual(nn.Module):
    """Residual add, concat, and every exact piecewise-linear activation."""

    def __init__(self) -> None:
        super().__init__()
        self.inp = nn.Linear(4, 8)
        self.block = nn.Sequential(nn.Linear(8, 8), nn.LeakyReLU(0.1), nn.Linear(8, 8))
        self.side = nn.Sequential(nn.Linear(8, 4), nn.ReLU6(), nn.Hardtanh(-0.5, 0.5), nn.Hardsigmoid())
        self.out = nn.Linear(12, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.inp(x))
        h = torch.relu(h + self.block(h))
        return torch.log_softmax(self.out(torch.cat([h, self.side(h)], dim=1)), dim=1)


@pytest.mark.slow
def test_residual_add_concat_and_clips_agree() -> None:
    Xtr, Xte, ytr, yte = _data("iris")
    net = _train(_Residual(), Xtr, ytr, epochs=40)
    zk = from_torch(net, Xtr)
    assert np.array_equal(zk.predict(Xte), _torch_labels(net, Xte))


@pytest.mark.slow
def test_cnn_with_padding_avgpool_and_residual_agrees() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c1 = nn.Conv2d(1, 3, 3, padding=1)
            self.c2 = nn.Conv2d(3, 3, 3, padding="same")
            self.pool = nn.AvgPool2d(2)
            self.fc = nn.Linear(48, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = torch.relu(self.c1(x.permute(0, 1, 3, 2)))   # images transposed: a permutation
            h = torch.relu(h + self.c2(h))
            return self.fc(self.pool(h).flatten(1))

    Xtr, Xte, ytr, yte = _data("digits", image=True)
    net = _train(Net(), Xtr, ytr, epochs=8)
    zk = from_torch(net, Xtr, input_range=(0, 16), input_bits=0, fit=False)
    assert np.array_equal(zk.predict(Xte), _torch_labels(net, Xte))


@pytest.mark.slow
def test_global_average_pooling_by_mean_and_adaptive_pool() -> None:
    class Net(nn.Module):
        def __init__(self, adaptive: bool) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3)
            self.gap = nn.AdaptiveAvgPool2d(1) if adaptive else None
            self.fc = nn.Linear(4, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = torch.relu(self.conv(x))
            return self.fc(self.gap(h).flatten(1) if self.gap is not None else h.mean(dim=(2, 3)))

    Xtr, Xte, ytr, yte = _data("digits", image=True)
    for adaptive in (False, True):
        net = _train(Net(adaptive), Xtr, ytr, epochs=5)
        zk = from_torch(net, Xtr, input_range=(0, 16), input_bits=0, fit=False)
        assert np.array_equal(zk.predict(Xte), _torch_labels(net, Xte))


@pytest.mark.slow
def test_binary_sigmoid_head_and_regression() -> None:
    Xtr, Xte, ytr, yte = _data("iris")
    binary = _train(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 1), nn.Sigmoid()), Xtr, (ytr == 2) * 1.0,
                    epochs=60, loss="bce")
    zk = from_torch(binary, Xtr, classes=["other", "virginica"])
    with torch.no_grad():
        p = binary(torch.tensor(Xte)).numpy()[:, 0]
    assert zk.predict(Xte).tolist() == np.where(p > 0.5, "virginica", "other").tolist()
    regressor = _train(nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1)), Xtr[:, :3], Xtr[:, 3], epochs=40,
                       loss="mse")
    zk = from_torch(regressor, Xtr[:, :3])
    with torch.no_grad():
        want = regressor(torch.tensor(Xte[:, :3])).numpy()[:, 0]
    assert zk.kind == "regressor"
    assert np.max(np.abs(zk.predict(Xte[:, :3]) - want)) < 1e-3 * np.ptp(want)


@pytest.mark.slow
def test_exported_program_and_pt2_file(tmp_path) -> None:
    Xtr, Xte, ytr, yte = _data("iris")
    net = _train(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3), nn.Softmax(dim=1)), Xtr, ytr, epochs=40)
    ep = torch.export.export(net, (torch.tensor(Xtr[:2]),))
    path = tmp_path / "net.pt2"
    torch.export.save(ep, path)
    want = _torch_labels(net, Xte)
    for source in (ep, path, str(path)):
        assert np.array_equal(from_torch(source, Xtr).predict(Xte), want)
    zk = from_torch(ep)   # no calibration rows: input shape from the program, range by default, unchecked
    assert zk.fidelity is None and zk.n_features == 4


def test_the_import_report_shows_an_image_row_as_the_flat_sample_run_takes(tmp_path, capsys) -> None:
    """`pyleo import --data` of images (n, C, H, W) prints its next-step sample as the first image's values in C order,
    the flat JSON list `pyleo run` reads (it printed nothing but an internal error once rows kept their shape)."""
    import json
    import re

    from pyleo_cli import report

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3)).eval()
    X = np.random.default_rng(0).integers(0, 8, (20, 1, 3, 3)).astype(np.float32)
    zk = from_torch(net, X, input_range=(0, 8), input_bits=0, fit=False)
    report.show_converted(zk, tmp_path / "net.py", X)
    sample = re.search(r"predict '(\[[^']*\])'", capsys.readouterr().out)
    assert sample is not None and json.loads(sample.group(1)) == X[0].ravel().tolist()


@pytest.mark.slow
def test_cli_imports_a_pt2_file(tmp_path) -> None:
    from typer.testing import CliRunner

    from pyleo_cli.main import app
    from stdlib_ml import load

    Xtr, Xte, ytr, yte = _data("digits", image=True)
    net = _train(nn.Sequential(nn.Conv2d(1, 2, 3, stride=2), nn.ReLU(), nn.Flatten(), nn.Linear(18, 10)), Xtr, ytr,
                 epochs=5)
    torch.export.save(torch.export.export(net, (torch.tensor(Xtr[:2]),)), tmp_path / "cnn.pt2")
    np.save(tmp_path / "X.npy", Xtr)   # shaped (n, 1, 8, 8), as the network takes them
    result = CliRunner().invoke(app, ["import", str(tmp_path / "cnn.pt2"), "--data", str(tmp_path / "X.npy"),
                                      "--out", str(tmp_path / "cnn.py"), "--resolution", "10"])
    assert result.exit_code == 0, result.output
    assert "agreement 1.0000" in result.output
    assert np.array_equal(load(tmp_path / "cnn.py").predict(Xte), _torch_labels(net, Xte))
    bad = CliRunner().invoke(app, ["import", str(tmp_path / "X.npy"), "--out", str(tmp_path / "m.py"),
                                   "--resolution", "8"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output


# ---- approximations -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, reference", [("sigmoid", torch.sigmoid), ("tanh", torch.tanh),
                                             ("gelu", nn.functional.gelu), ("silu", nn.functional.silu)])
def test_approximation_error_bounds_hold(kind, reference) -> None:
    ap = cnn.APPROXIMATIONS[kind]
    x = np.concatenate([np.linspace(-40, 40, 200_001), np.linspace(-3, 3, 60_001)])
    err = np.abs(ap(x) - reference(torch.tensor(x, dtype=torch.float64)).numpy())
    assert np.max(err) <= ap.max_error + 1e-12
    assert ap.max_error < 0.03   # documented bounds: small enough to be useful


@pytest.mark.slow
def test_tanh_network_within_its_bound_and_refused_without_approximation() -> None:
    Xtr, Xte, ytr, yte = _data("iris")
    net = _train(nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3)), Xtr, ytr, epochs=60)
    zk = from_torch(net, Xtr, min_agreement=0.9)
    assert np.mean(zk.predict(Xte) == _torch_labels(net, Xte)) >= 0.9
    assert "tanh (6 values) is approximated" in zk.source
    with pytest.raises(ConversionError, match=r"layer '1' \(Tanh\): tanh has no exact circuit"):
        from_torch(net, Xtr, approximate=False)


# ---- errors ---------------------------------------------------------------------------------------
def test_unsupported_layer_is_named_with_its_place() -> None:
    Xtr, _, ytr, _ = _data("iris")
    net = nn.Sequential(nn.Linear(4, 4), nn.Softplus(), nn.Linear(4, 3)).eval()
    with pytest.raises(ConversionError, match=r"layer '1' \(Softplus\): softplus .* is not supported; supported: Linear"):
        from_torch(net, Xtr)
    mid = nn.Sequential(nn.Linear(4, 4), nn.LogSoftmax(dim=1), nn.Linear(4, 3)).eval()   # a Softmax converts (exp approximated)
    with pytest.raises(ConversionError, match=r"layer '1' \(LogSoftmax\): _?log_softmax is supported only as the model's last"):
        from_torch(mid, Xtr)
    with pytest.raises(ConversionError, match="training mode"):
        from_torch(nn.Sequential(nn.Linear(4, 3)), Xtr)
    with pytest.raises(ModelInputError, match="needs calibration rows"):
        from_torch(nn.Sequential(nn.Linear(4, 3)).eval())
    with pytest.raises(ModelInputError, match="no such model file"):
        from_torch("missing.pt2", Xtr)


def test_missing_torch_says_which_extra_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)   # `import torch` now raises ImportError
    with pytest.raises(ConversionError, match=r"install pyleo-zk\[torch\]") as info:
        from_torch(object(), np.zeros((2, 4)))
    assert not isinstance(info.value, ImportError)


def test_importing_stdlib_ml_does_not_import_torch() -> None:
    import subprocess

    code = "import sys, stdlib_ml, stdlib_ml.convert; print('torch' in sys.modules, stdlib_ml.from_torch.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "stdlib_ml.convert.torch"]
