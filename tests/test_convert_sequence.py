"""Sequence layers against PyTorch's own outputs: GRU / LSTM / RNN unrolled over a fixed length (the
float description exactly, the circuit within the approximations' bounds), products of two computed
tensors (floored to a fixed scale: the interpreter and snarkVM's circuit execution agree with
floor(a·b / 2**k) on negative and positive values), refusals naming the layer and the cause, and the
example's GRU classifier agreeing with PyTorch's labels on held-out rows (``-m slow``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from pyleo import split
from stdlib_ml import ConversionError, from_torch
from stdlib_ml.convert import nn as cnn
from tests.split_forgeries import assert_forgeries_rejected, cli

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

torch.set_num_threads(1)
RNG = np.random.default_rng(5)
X = RNG.normal(size=(160, 5, 2)).astype(np.float32)   # (n, T, F): batch_first sequences


class _Recurrent(nn.Module):
    """One recurrent layer (batch_first) → its last state (h_n[0], or the outputs' last step) → Linear."""

    def __init__(self, kind: str, out: int = 1, last: str = "h") -> None:
        super().__init__()
        self.rnn = getattr(nn, kind)(2, 3, batch_first=True)
        self.fc = nn.Linear(3, out)
        self.last = last

    def forward(self, x):
        o, h = self.rnn(x)
        h = h[0] if isinstance(h, tuple) else h
        return self.fc(h[-1] if self.last == "h" else o[:, -1])


def _model(kind: str, **kw) -> nn.Module:
    torch.manual_seed(1)
    return _Recurrent(kind, **kw).eval()


@pytest.mark.parametrize("kind", ["GRU", "LSTM", "RNN"])
def test_unrolled_description_is_torch(kind: str) -> None:
    """Network.gru / lstm / rnn with torch's weights compute torch's outputs at every step (float64)."""
    m = _model(kind).double()
    r = m.rnn
    net = cnn.Network((5, 2))
    build = {"GRU": net.gru, "LSTM": net.lstm, "RNN": net.rnn}[kind]
    seq, _ = build(net.input, *(getattr(r, n).detach().numpy() for n in
                                ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")))
    net.output(net.flatten(seq), "argmax")
    with torch.no_grad():
        want = r(torch.tensor(X, dtype=torch.float64))[0].numpy().reshape(len(X), -1)
    assert np.max(np.abs(net.forward(X) - want)) < 1e-9


@pytest.mark.parametrize("kind,last", [("GRU", "h"), ("LSTM", "o"), ("RNN", "h")])
def test_recurrent_circuit_tracks_torch(kind: str, last: str) -> None:
    """A regression head: the circuit's value (the interpreter) against torch's on held-out rows, within
    the sigmoid / tanh approximations' propagated error (measured: < 0.02 here)."""
    m = _model(kind, last=last)
    zk = from_torch(m, X[:120], strict=False, fit=False)
    with torch.no_grad():
        want = m(torch.tensor(X[120:]))[:, 0].numpy()
    got = zk.predict(X[120:])
    assert np.max(np.abs(got - want)) < 0.05
    assert 0 < np.max(np.abs(got - want))   # the approximations are not exact: the bound is what is checked


def test_gru_classifier_labels_agree() -> None:
    """A 3-class GRU (random weights: rows near the boundaries): the circuit's labels equal torch's on
    at least 95% of held-out rows, as the conversion measured."""
    m = _model("GRU", out=3)
    zk = from_torch(m, X[:120], min_agreement=0.95, strict=False, fit=False)
    with torch.no_grad():
        want = m(torch.tensor(X[120:])).argmax(1).numpy()
    assert np.mean(zk.predict(X[120:]) == want) >= 0.95


def test_gru_gates_sign_tests_are_16_bit_and_the_state_bound_holds() -> None:
    """Each gate's knot sign tests are 16-bit casts (its input floored to 2**-ACTIVATION_SCALE, within ±32 here);
    the state's bound (GRU_STATE_BOUND, which sizes the casts downstream) is not too tight: on sequences at the
    corners of the input box, where interval arithmetic is loosest, the circuit (whose checked casts would halt
    on a value outside) computes torch's value within the approximations' error."""
    m = _model("GRU")
    with torch.no_grad():   # larger recurrent weights: states driven to the corners
        m.rnn.weight_hh_l0.mul_(3.0)
    zk = from_torch(m, X[:40].clip(-3.0, 3.0), input_range=(-3.0, 3.0), strict=False, fit=False)
    knots = len(cnn.APPROXIMATIONS["sigmoid"].knots)
    assert zk.program.aleo().count(" as u16;") >= knots * 3 * 3 * X.shape[1]   # 3 gates × H=3 × T steps
    corners = np.where(np.random.default_rng(7).random((40, *X.shape[1:])) < 0.5, -3.0, 3.0).astype(np.float32)
    with torch.no_grad():
        h = m.rnn(torch.tensor(corners))[1].numpy()
        want = m(torch.tensor(corners))[:, 0].numpy()
    assert np.max(np.abs(zk.predict(corners) - want)) < 0.1
    assert np.max(np.abs(h)) <= 1.0 < cnn.GRU_STATE_BOUND   # the theorem the bound widens


def _product_model(bits: int) -> tuple[cnn.Network, object]:
    net = cnn.Network((2,), name=f"prod{bits}")
    a, b = net.select(net.input, 0, [0]), net.select(net.input, 0, [1])
    net.output(net.mul(a, b), "regression")
    return net, cnn.convert(net, np.asarray([[-3.0, 3.0], [3.0, -3.0]]), input_bits=bits, max_error=1e-2)


PTS = np.asarray([[1.5, -2.25], [-0.7, -1.3], [2.9, 0.001], [-2.0, 0.3]])


def _floored(bits: int) -> list[int]:
    """floor(a·b) at 2**20 of PTS' integers at 2**bits: operands finer than 2**20 floored to it first."""
    q = [[int(v) for v in row] for row in np.round(PTS * 2**bits).astype(np.int64)]
    k = max(bits - 20, 0)
    return [((a >> k) * (b >> k)) >> (2 * (bits - k) - 20) for a, b in q]


@pytest.mark.parametrize("bits", [12, 22])
def test_product_floors_exactly(bits: int) -> None:
    """a·b of two inputs at scale 2**bits, the product at 2**20: operands finer than that floored first
    (bits 22: by 2**2 each), the product floored back; the interpreter's integers are exactly that,
    negative and positive."""
    _, zk = _product_model(bits)
    want = _floored(bits)
    assert [int(r) for r in zk.predict_raw(PTS)] == want and any(w < 0 for w in want)
    assert ("products.floor_shift_vec(2, " in zk.source) == (bits == 22)


@pytest.mark.prove
def test_product_floors_on_snarkvm() -> None:
    """snarkVM's circuit execution (a stand-in key: no synthesis of the program's own) gives the same
    floored products, operands floored too."""
    _, zk = _product_model(22)
    for x, w in zip(zk.encode(PTS), _floored(22)):
        assert int(zk.program.evaluate("predict", *zk.circuit_args(x), keys=False)) == w


class _SelfProduct(nn.Module):
    """A sample (5, 2) times its ReLU transposed: (5, 2) @ (2, 5) → Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(25, 1)

    def forward(self, x):
        return self.fc(torch.matmul(x, torch.relu(x).permute(0, 2, 1)).flatten(1))


def test_matmul_of_two_computed_tensors() -> None:
    """torch.matmul of two computed matrices (attention's scores): the circuit's value tracks torch's
    within the products' flooring (steps of 2**-20, measured < 1e-3 here)."""
    torch.manual_seed(2)
    m = _SelfProduct().eval()
    zk = from_torch(m, X[:120], max_error=1e-2, fit=False)
    with torch.no_grad():
        want = m(torch.tensor(X[120:]))[:, 0].numpy()
    assert np.max(np.abs(zk.predict(X[120:]) - want)) < 1e-3


@pytest.mark.parametrize("kw,message", [
    (dict(num_layers=2), r"layer 'rnn' \(GRU\).*num_layers=2.*not supported"),
    (dict(bidirectional=True), r"layer 'rnn' \(GRU\).*bidirectional=True"),
    (dict(batch_first=False), r"layer 'rnn' \(GRU\).*batch_first=False takes the sequence first"),
])
def test_recurrent_refusals_name_layer_and_cause(kw: dict, message: str) -> None:
    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = nn.GRU(2, 3, **{"batch_first": True, **kw})
            self.fc = nn.Linear(3 * (2 if kw.get("bidirectional") else 1), 2)

        def forward(self, x):
            return self.fc(self.rnn(x)[0][:, -1])

    with pytest.raises(ConversionError, match=message):
        from_torch(M().eval(), X[:20])


def test_lstm_cell_state_refused() -> None:
    class Cell(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = nn.LSTM(2, 3, batch_first=True)
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return self.fc(self.rnn(x)[1][1][0])

    with pytest.raises(ConversionError, match=r"the LSTM's cell state, which the circuit does not compute"):
        from_torch(Cell().eval(), X[:20])


@pytest.fixture(scope="module")
def example():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
    import sequence_gru

    X_train, y_train = sequence_gru.make_data(1200, 0)
    X_test, _ = sequence_gru.make_data(400, 1)
    net = sequence_gru.train(X_train, y_train)
    zk = sequence_gru.convert(net, X_train)
    with torch.no_grad():
        labels = net(torch.tensor(X_test)).argmax(1).numpy()
    return zk, X_test, labels


@pytest.mark.slow
def test_example_gru_agrees_with_torch(example) -> None:
    zk, X_test, labels = example
    assert np.mean(zk.predict(X_test.reshape(len(X_test), -1)) == labels) >= 0.99


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
def test_example_gru_proves_in_linked_parts_and_pyleo_verify_takes_it(example, key_cache, tmp_path) -> None:
    """The example's GRU, over one local circuit, split at the local budget, proved with the CLI (every part);
    the proved label is PyTorch's, `pyleo verify` says valid; a file with two parts swapped, one with the last part
    dropped and one with a part proved in another run are INVALID, each for its reason."""
    zk, X_test, labels = example
    plan = split.plan(zk.program.code, "predict")
    assert plan.whole > split.LOCAL_BUDGET and 2 <= len(plan.parts) <= 31
    model = zk.save(tmp_path / "sequence_gru.py")
    out = tmp_path / "gru.proof.json"
    row = X_test[0].ravel()
    proved = cli("prove", str(model), "predict", json.dumps([float(v) for v in row]), "--out", str(out))
    assert proved.returncode == 0, proved.stderr
    sp = split.SplitProof.load(out)
    assert len(sp.parts) == len(plan.parts) and all(p.constraints <= split.LOCAL_BUDGET for p in sp.parts)
    assert zk.decode_proof(sp) == labels[0] == zk.predict(row[None])[0]
    ok = cli("verify", str(out), "--model", str(model))
    assert ok.returncode == 0 and f"split in {len(plan.parts)} parts" in ok.stdout, ok.stderr
    assert_forgeries_rejected(out, model, plan, zk.program.inputs("predict", zk.circuit_args(zk.encode(row[None])[0])),
                              tmp_path)


def test_onnx_products_of_computed_tensors() -> None:
    """ONNX Mul and MatMul with two computed operands: x (5, 2) ⊙ relu(x), then x @ relu(x)ᵀ, flattened
    into a MatMul; the circuit tracks onnx's reference evaluator within 1e-3 of the outputs' range (the
    inputs' rounding at 2**-11 or so dominates; the products' flooring is at 2**-20)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    from stdlib_ml import from_onnx

    W = numpy_helper.from_array(np.random.default_rng(0).normal(size=(35, 1)).astype(np.float32), "W")
    shape = numpy_helper.from_array(np.asarray([-1, 25], dtype=np.int64), "shape")
    shape2 = numpy_helper.from_array(np.asarray([-1, 10], dtype=np.int64), "shape2")
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Mul", ["x", "r"], ["m"]),
             helper.make_node("Transpose", ["r"], ["rt"], perm=[0, 2, 1]), helper.make_node("MatMul", ["x", "rt"], ["s"]),
             helper.make_node("Reshape", ["s", "shape"], ["sf"]), helper.make_node("Reshape", ["m", "shape2"], ["mf"]),
             helper.make_node("Concat", ["sf", "mf"], ["c"], axis=1), helper.make_node("MatMul", ["c", "W"], ["y"])]
    graph = helper.make_graph(nodes, "prod", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 5, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 1])], [W, shape, shape2])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    zk = from_onnx(model, X[:120], max_error=1e-2, fit=False)
    want = ReferenceEvaluator(model).run(None, {"x": X[120:]})[0][:, 0]
    assert np.max(np.abs(zk.predict(X[120:]) - want)) < 1e-3 * np.ptp(want)
