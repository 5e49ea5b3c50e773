"""Layers people use, against the framework's own output on data of our own: PReLU, ELU / SELU (any alpha;
ELU approximated within its measured bound), convolutions with an even kernel and 'same' padding (padded
unevenly, as each framework does), Conv1D 'causal', Keras Normalization / Rescaling and a layer applied
twice (shared weights), and ONNX graphs of torch.onnx's legacy exporter (a run-time reshape
``x.view(x.size(0), -1)`` by Shape → Gather → Unsqueeze → Concat with a dynamic batch). ONNX
LayerNormalization converts (tests/test_convert_transformer.py has the transformer layers); GroupNorm and
Keras embeddings are refused, naming the layer and the true cause. No proofs: the circuits are the same affine maps and ReLUs as every network's (zk.predict runs the
program itself)."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from stdlib_ml import ConversionError, from_keras, from_onnx, from_torch
from stdlib_ml.convert import nn as cnn

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

torch.set_num_threads(1)
RNG = np.random.default_rng(3)
X_SEQ = (RNG.normal(size=(80, 2, 9)) * 1.5).astype(np.float32)   # (n, channels, length), torch's layout


def test_elu_approximation_bound_holds() -> None:
    ap = cnn.APPROXIMATIONS["elu"]
    x = np.concatenate([np.linspace(-40, 40, 200_001), np.linspace(-3, 3, 60_001)])
    err = np.abs(ap(x) - nn.functional.elu(torch.tensor(x, dtype=torch.float64)).numpy())
    assert np.max(err) <= ap.max_error + 1e-12 and ap.max_error < 0.02


class _Seq(nn.Module):
    """Conv1d with an even kernel and padding='same' → SELU → per-channel PReLU → view(x.size(0), -1) →
    ELU(alpha 0.5) → Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(2, 3, 4, padding="same")
        self.selu = nn.SELU()
        self.prelu = nn.PReLU(3)
        self.elu = nn.ELU(alpha=0.5)
        self.fc = nn.Linear(27, 3)

    def forward(self, x):
        h = self.prelu(self.selu(self.conv(x)))
        return self.fc(self.elu(h.view(h.size(0), -1)))


@pytest.fixture(scope="module")
def seq() -> nn.Module:
    torch.manual_seed(0)
    net = _Seq()
    with torch.no_grad():
        net.prelu.weight.copy_(torch.tensor([0.3, -0.2, 0.6]))
    return net.eval()


def _labels(net: nn.Module, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return net(torch.tensor(X)).argmax(1).numpy()


def test_torch_prelu_elu_selu_and_even_same_padding_match_torch(seq) -> None:
    want = _labels(seq, X_SEQ)
    assert len(set(want)) > 1
    zk = from_torch(seq, X_SEQ, min_agreement=0.97, fit=False)   # ELU and SELU are approximated
    assert np.mean(zk.predict(X_SEQ[:40]) == want[:40]) >= 0.95


@pytest.mark.slow
def test_torch_prelu_and_even_same_padding_give_every_label() -> None:
    torch.manual_seed(1)
    exact = nn.Sequential(nn.Conv1d(2, 3, 2, padding="same"), nn.PReLU(), nn.Flatten(), nn.Linear(27, 3)).eval()
    zk = from_torch(exact, X_SEQ, fit=False)   # no approximation: every label
    np.testing.assert_array_equal(zk.predict(X_SEQ), _labels(exact, X_SEQ))


@pytest.mark.parametrize("dynamo", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_onnx_run_time_reshape_prelu_selu_and_uneven_pads_match(seq, dynamo, tmp_path) -> None:
    pytest.importorskip("onnx")
    path = tmp_path / "seq.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            torch.onnx.export(seq, (torch.tensor(X_SEQ[:2]),), str(path), dynamo=True, input_names=["x"],
                              dynamic_shapes=({0: torch.export.Dim("batch")},), verbose=False)
        else:
            torch.onnx.export(seq, (torch.tensor(X_SEQ[:2]),), str(path), dynamo=False, input_names=["x"],
                              dynamic_axes={"x": {0: "batch"}})
    import onnx

    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    if not dynamo:
        assert "Shape" in ops and "Gather" in ops   # the run-time reshape this test is about
    zk = from_onnx(path, X_SEQ.reshape(len(X_SEQ), -1), min_agreement=0.97, fit=False)
    assert np.mean(zk.predict(X_SEQ[:40].reshape(40, -1)) == _labels(seq, X_SEQ[:40])) >= 0.95


def test_layer_norm_converts_in_onnx_and_group_norm_is_refused_with_the_cause(tmp_path) -> None:
    """LayerNorm (torch, and ONNX LayerNormalization as torch exports it) converts, its labels torch's
    (tests/test_convert_transformer.py measures its values); GroupNorm is still refused, naming the cause."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 6), nn.LayerNorm(6), nn.Linear(6, 2)).eval()
    X = RNG.normal(size=(60, 4)).astype(np.float32)
    pytest.importorskip("onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (torch.tensor(X[:2]),), str(tmp_path / "ln.onnx"), dynamo=False, input_names=["x"])
    zk = from_onnx(tmp_path / "ln.onnx", X, min_agreement=0.97, fit=False)
    assert np.mean(zk.predict(X) == _labels(net, X)) >= 0.97
    grouped = nn.Sequential(nn.Linear(4, 6), nn.Unflatten(1, (6, 1)), nn.GroupNorm(2, 6), nn.Flatten(),
                            nn.Linear(6, 2)).eval()
    with pytest.raises(ConversionError, match=r"layer '2' \(GroupNorm\): group_norm normalizes each sample by its "
                                              r"own mean"):
        from_torch(grouped, X)


def test_keras_normalization_rescaling_prelu_elu_shared_layer_and_padding_modes() -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    X = (RNG.normal(size=(80, 6, 2)) * 3 + 1).astype(np.float32)   # (n, length, channels), Keras' layout
    norm = keras.layers.Normalization(mean=X.mean(axis=(0, 1)), variance=X.var(axis=(0, 1)))   # as adapt(X) sets
    shared = keras.layers.Dense(6)
    inp = keras.Input((6, 2))
    h = keras.layers.Rescaling(0.5, offset=0.1)(norm(inp))
    a = keras.layers.Conv1D(4, 2, padding="same")(h)                  # even kernel: one more zero after
    b = keras.layers.Conv1D(4, 3, padding="causal", dilation_rate=2)(h)
    h = keras.layers.PReLU()(keras.layers.Concatenate()([a, b]))
    h = keras.layers.ELU(alpha=0.7)(keras.layers.MaxPooling1D(2, padding="same")(h))
    h = keras.layers.Dense(6, activation="selu")(keras.layers.Flatten()(h))
    out = keras.layers.Dense(3)(shared(shared(h)))                    # one layer applied twice
    model = keras.Model(inp, out)
    prelu = next(layer for layer in model.layers if type(layer).__name__ == "PReLU")
    prelu.alpha.assign(RNG.uniform(-0.5, 0.5, size=tuple(prelu.alpha.shape)).astype(np.float32))
    want = np.argmax(model.predict(X, verbose=0), axis=1)
    assert len(set(want)) > 1
    zk = from_keras(model, X, min_agreement=0.97, fit=False)
    assert np.mean(zk.predict(X[:40]) == want[:40]) >= 0.95
    for layer in (keras.layers.GroupNormalization(2), keras.layers.Embedding(10, 2)):
        i = keras.Input((4,))
        m = keras.Model(i, keras.layers.Dense(2)(keras.layers.Flatten()(layer(i))))
        with pytest.raises(ConversionError, match=rf"layer '{layer.name}' \({type(layer).__name__}.*(own values|"
                                                  "integer index)"):
            from_keras(m, RNG.integers(0, 10, (10, 4)).astype(np.float32))


def test_onnx_conv1d_as_tf2onnx_writes_it() -> None:
    """Channels-last input → Transpose → Unsqueeze → Conv (1×k kernel, SAME_UPPER) → Squeeze → Transpose →
    Flatten → Gemm: the Conv1D graphs tf2onnx writes, checked against onnx's reference evaluator."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    rng = np.random.default_rng(5)
    W, b = rng.normal(size=(3, 2, 1, 4)), rng.normal(size=3)
    G, c = rng.normal(size=(24, 3)), rng.normal(size=3)
    init = [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in
            (("W", W), ("b", b), ("G", G), ("c", c))] + [numpy_helper.from_array(np.asarray([2], np.int64), "ax")]
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 1], name="to_ncl"),
             helper.make_node("Unsqueeze", ["t", "ax"], ["u"], name="expand"),
             helper.make_node("Conv", ["u", "W", "b"], ["v"], auto_pad="SAME_UPPER", kernel_shape=[1, 4], name="conv1d"),
             helper.make_node("Squeeze", ["v", "ax"], ["s"], name="squeeze"),
             helper.make_node("Transpose", ["s"], ["r"], perm=[0, 2, 1], name="to_nlc"),
             helper.make_node("Flatten", ["r"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "G", "c"], ["y"], name="dense")]
    graph = helper.make_graph(nodes, "tf2onnx_conv1d", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 8, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    X = rng.normal(size=(60, 8, 2)).astype(np.float32)
    want = np.argmax(ReferenceEvaluator(model).run(None, {"x": X})[0], axis=1)
    zk = from_onnx(model, X.reshape(60, -1), fit=False)
    np.testing.assert_array_equal(zk.predict(X.reshape(60, -1)[:30]), want[:30])
