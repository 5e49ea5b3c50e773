"""Models not wholly in inference mode are refused, naming the layer and the cause: a submodule left in
training mode after ``model.eval()``, a functional dropout on its default ``training=True``, a batch norm
without running statistics, exported programs and ``.pt2`` files of train-mode modules, Keras layers
called with ``training=True``, ONNX graphs with training-mode Dropout / BatchNormalization. The oracle
that the refusals are due: the framework's own model gives different outputs on the same rows (random
masks) or outputs that depend on the rows batched together. The same models in inference mode convert
and agree with the framework's own labels."""

from __future__ import annotations

import os

import numpy as np
import pytest

from stdlib_ml import ConversionError, from_keras, from_onnx, from_torch

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

torch.set_num_threads(1)

RNG = np.random.default_rng(7)
X = RNG.normal(size=(48, 4)).astype(np.float32)


class _Mlp(nn.Module):
    def __init__(self, track: bool = True) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 8)
        self.bn = nn.BatchNorm1d(8, track_running_stats=track)
        self.drop = nn.Dropout(0.5)
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        return self.out(self.drop(torch.relu(self.bn(self.fc(x)))))


class _Noisy(nn.Module):
    """A custom layer with train-time behaviour of its own (noise while training)."""

    def forward(self, x):
        return x + torch.randn_like(x) if self.training else x


class _Cnn(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(1, 4, 3, padding=1)
        self.norm = nn.BatchNorm1d(4)
        self.noise = _Noisy()
        self.head = nn.Linear(16, 2)

    def forward(self, x):
        h = self.noise(torch.relu(self.norm(self.conv(x.view(x.size(0), 1, 4)))))
        return self.head(h.flatten(1))


class _FunctionalDropout(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.out = nn.Linear(4, 8), nn.Linear(8, 3)

    def forward(self, x):
        return self.out(nn.functional.dropout(torch.relu(self.fc(x)), 0.5))   # training=True by default


def _seeded(model: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    for m in model.modules():
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    for m in model.modules():   # running statistics away from (0, 1), as after training
        if isinstance(m, nn.BatchNorm1d) and m.track_running_stats:
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return model.eval()


def _runs_differ(model: nn.Module) -> bool:
    """Whether two runs of the module on the same rows give different outputs (random train-time behaviour)."""
    xt = torch.tensor(X)
    with torch.no_grad():
        return not torch.equal(model(xt), model(xt))


@pytest.mark.parametrize(("make", "sub", "kind"), [
    (lambda: _Mlp(), "drop", "Dropout"),
    (lambda: _Mlp(), "bn", "BatchNorm1d"),
    (lambda: _Cnn(), "norm", "BatchNorm1d"),
    (lambda: _Cnn(), "noise", "_Noisy"),
])
def test_submodule_left_in_training_mode_is_refused_naming_it(make, sub, kind) -> None:
    model = _seeded(make())
    zk = from_torch(model, X)   # wholly in eval mode: converts, and agrees with the module's labels
    with torch.no_grad():
        want = model(torch.tensor(X)).argmax(1).numpy()
    assert zk.fidelity["agreement"] == 1.0 and np.array_equal(zk.predict(X), want)
    getattr(model, sub).train()   # after model.eval(): the silent case
    if sub in ("drop", "noise"):
        assert _runs_differ(model)   # the module itself no longer computes one function
    with pytest.raises(ConversionError, match="in training mode") as e:
        from_torch(model, X)
    assert f"'{sub}' ({kind})" in str(e.value) and "is in eval mode, but" in str(e.value)
    assert "call model.eval()" not in str(e.value)   # it was called


def test_model_in_training_mode_is_told_to_call_eval() -> None:
    with pytest.raises(ConversionError, match=r"_Mlp is in training mode") as e:
        from_torch(_seeded(_Mlp()).train(), X)
    assert "model.eval()" in str(e.value)


def test_functional_dropout_on_its_default_is_refused() -> None:
    model = _seeded(_FunctionalDropout())
    assert _runs_differ(model)   # eval mode, and still random
    with pytest.raises(ConversionError, match="applies dropout in training mode"):
        from_torch(model, X)


@pytest.mark.parametrize("sub", ["drop", "bn"])
def test_exported_programs_and_pt2_files_of_train_mode_modules_are_refused(sub, tmp_path) -> None:
    model = _seeded(_Mlp())
    getattr(model, sub).train()
    ep = torch.export.export(model, (torch.tensor(X[:2]),))
    path = tmp_path / "m.pt2"
    torch.export.save(ep, path)
    for source in (ep, path):
        with pytest.raises(ConversionError, match="training mode") as e:
            from_torch(source, X)
        assert f"layer '{sub}'" in str(e.value)


def test_batch_norm_without_running_statistics_is_refused_with_that_reason() -> None:
    model = _seeded(_Mlp(track=False))
    with torch.no_grad():   # the oracle: a row's output depends on the rows batched with it
        alone = model(torch.tensor(X[:2]))
        batched = model(torch.tensor(X))[:2]
    assert not torch.allclose(alone, batched)
    for source in (model, torch.export.export(model, (torch.tensor(X[:2]),))):
        with pytest.raises(ConversionError, match="track_running_stats=False") as e:
            from_torch(source, X)
        assert "layer 'bn' (BatchNorm1d)" in str(e.value) and "call model.eval()" not in str(e.value)


def test_keras_layer_called_with_training_true_is_refused() -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")   # before Keras is imported
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    for training, layer in ((True, keras.layers.Dropout(0.5)), (True, keras.layers.BatchNormalization()),
                            (False, keras.layers.Dropout(0.5))):
        inp = keras.Input((4,))
        h = layer(keras.layers.Dense(8, activation="relu")(inp), training=training)
        model = keras.Model(inp, keras.layers.Dense(3)(h))
        if not training:
            zk = from_keras(model, X)
            assert np.array_equal(zk.predict(X), model.predict(X, verbose=0).argmax(1))
            continue
        with pytest.raises(ConversionError, match="called with training=True") as e:
            from_keras(model, X)
        assert f"layer {layer.name!r} ({type(layer).__name__}" in str(e.value)


def _onnx_graph(train_dropout: bool, train_bn: bool):
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(1)
    consts = {"W": rng.normal(size=(4, 6)), "W2": rng.normal(size=(6, 3)), "s": np.ones(6), "b": np.zeros(6),
              "m": rng.normal(size=6) * 0.1, "v": np.ones(6), "r": np.asarray(0.5)}
    init = [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in consts.items()]
    init.append(numpy_helper.from_array(np.asarray(train_dropout), "t"))
    nodes = [helper.make_node("MatMul", ["x", "W"], ["a"], name="fc"),
             helper.make_node("BatchNormalization", ["a", "s", "b", "m", "v"], ["n", "rm", "rv"][:3 if train_bn else 1],
                              name="bn", training_mode=int(train_bn)),
             helper.make_node("Dropout", ["n", "r", "t"], ["d"], name="drop"),
             helper.make_node("MatMul", ["d", "W2"], ["y"], name="out")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])], init)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_onnx_training_mode_dropout_and_batch_norm_are_refused() -> None:
    pytest.importorskip("onnx")
    assert from_onnx(_onnx_graph(False, False), X).fidelity["agreement"] == 1.0
    with pytest.raises(ConversionError, match=r"node 'drop' \(op type Dropout.*training mode"):
        from_onnx(_onnx_graph(True, False), X)
    with pytest.raises(ConversionError, match=r"node 'bn' \(op type BatchNormalization.*training_mode=1"):
        from_onnx(_onnx_graph(False, True), X)


def test_in_place_ops_on_computed_tensors_are_not_state_updates() -> None:
    class InPlace(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc, self.act, self.out = nn.Linear(4, 6), nn.ReLU(inplace=True), nn.Linear(6, 3)

        def forward(self, x):
            h = self.act(self.fc(x))
            h.mul_(2.0).add_(0.5)
            return self.out(h)

    model = _seeded(InPlace())
    zk = from_torch(model, X)
    with torch.no_grad():
        want = model(torch.tensor(X)).argmax(1).numpy()
    assert zk.fidelity["agreement"] == 1.0 and np.array_equal(zk.predict(X), want)
