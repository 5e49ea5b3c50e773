"""Quantized models proved bit-exactly: TFLite int8 models (full-integer post-training quantization by
``tf.lite.TFLiteConverter``: a Keras MLP on iris, a small CNN on the digits 8×8), onnxruntime's
``quantize_static`` graphs (QOperator format: an MLP with scikit-learn's weights, a CNN from PyTorch) and PyTorch
modules quantized by ``torch.ao.quantization`` (eager and FX graph mode; fbgemm, x86 and qnnpack engines),
converted by ``from_tflite`` / ``from_onnx`` / ``from_torch``; the circuit's int8 outputs, read from the circuit itself (the reference interpreter of the
rendered program), equal the runtime's (``tf.lite.Interpreter`` with TFLite's reference kernels; onnxruntime;
the torch module itself)
element by element on every held-out row, and the labels equal. TensorFlow is imported once per module, and
only by ``-m slow`` tests (its import alone is beyond the default suite's budget); the default suite checks
the TFLite arithmetic without it and onnxruntime's graphs end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stdlib_ml import ConversionError, ModelInputError
from stdlib_ml.convert import nn
from stdlib_ml.convert.nn.integer import Requantization, quantize_multiplier

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="module")
def tf() -> Any:
    return pytest.importorskip("tensorflow")


CONVERT = r"""
import sys
import numpy as np
import tensorflow as tf
source, epochs, data, out = sys.argv[1], int(sys.argv[2]), np.load(sys.argv[3]), sys.argv[4]
L = tf.keras.layers
tf.keras.utils.set_random_seed(0)
X, y, rep = data["X"], data["y"], data["rep"]
model = eval(source)
if epochs:
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(X, y, epochs=epochs, batch_size=32, verbose=0)
conv = tf.lite.TFLiteConverter.from_keras_model(model)
conv.optimizations = [tf.lite.Optimize.DEFAULT]
conv.representative_dataset = lambda: ([rep[i:i + 1]] for i in range(len(rep)))
conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
conv.inference_input_type = conv.inference_output_type = tf.int8
open(out, "wb").write(conv.convert())
"""
"""Fits (``epochs`` > 0) and full-integer quantizes the Keras model that ``source`` builds, in a process of its own
on Keras's TensorFlow backend: other test modules set ``KERAS_BACKEND=torch`` when they are collected, and Keras
keeps the backend it was first imported with, on which ``TFLiteConverter.from_keras_model`` fails."""


def tflite_int8(source: str, X: np.ndarray, y: np.ndarray, rep: np.ndarray, epochs: int, tmp: Path) -> bytes:
    """The TFLite flatbuffer of :data:`CONVERT` (``source``: a Python expression of ``tf``, ``L`` and ``X``)."""
    np.savez(tmp / "data.npz", X=X, y=y, rep=rep)
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run([sys.executable, "-c", CONVERT, source, str(epochs), str(tmp / "data.npz"), str(tmp / "m.tflite")],
                          capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return (tmp / "m.tflite").read_bytes()


def _quantized(tf: Any, layers: str, X: np.ndarray, y: np.ndarray, epochs: int, tmp: Path) -> tuple[bytes, np.ndarray]:
    """A Keras model (``layers``: the source of its layers' list) fitted on (X, y), full-integer quantized; returns
    the flatbuffer and held-out int8 rows."""
    from sklearn.model_selection import train_test_split

    Xtr, Xte, ytr, _ = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    data = tflite_int8(f"tf.keras.Sequential([tf.keras.Input(X.shape[1:]), *{layers}])", Xtr, ytr, Xtr[:100], epochs, tmp)
    it = tf.lite.Interpreter(model_content=data)
    scale, zero = it.get_input_details()[0]["quantization"]
    Q = np.clip(np.round(Xte / scale) + zero, -128, 127).astype(np.int8)
    return data, Q.reshape(len(Q), -1)


@pytest.fixture(scope="module")
def iris_mlp(tf: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, np.ndarray]:
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    return _quantized(tf, "[L.Dense(16, activation='relu'), L.Dense(3)]", X.astype(np.float32), y, 30,
                      tmp_path_factory.mktemp("iris_mlp"))


@pytest.fixture(scope="module")
def digits_cnn(tf: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    layers = "[L.Conv2D(4, 3, activation='relu'), L.MaxPooling2D(2), L.Flatten(), L.Dense(10)]"
    return _quantized(tf, layers, (X / 16.0).astype(np.float32).reshape(-1, 8, 8, 1), y, 4,
                      tmp_path_factory.mktemp("digits_cnn"))


def _interpreter(data: bytes, Q: np.ndarray) -> np.ndarray:
    """The int8 output tensor per row by TFLite's reference kernels (the oracle)."""
    from stdlib_ml.convert.tflite import TfliteModel

    return TfliteModel(data, "argmax", reference=True).outputs(Q).astype(np.int64)


def _circuit_outputs(build: Any, Q: np.ndarray, low: int = -128, backend: str = "interpreter") -> np.ndarray:
    """The circuit's quantized outputs, run in the rendered program of ``build()`` (a fresh integer Network) by
    ``backend`` (pyleo's reference interpreter, or "vm": snarkVM's circuit execution): the outputs packed into
    one regression value Σ_k (q_k − low)·256**k (a constant affine map, 0 constraints), read back per row (≤ 6
    outputs a program: the packed value stays below 2**53, exact in float64). ``low``: the type's least value
    (int8 −128, quint8 0), also the input's."""
    n_out = build().out.size
    cols = []
    for start in range(0, n_out, 6):
        net = build()
        ks = range(start, min(start + 6, n_out))
        W = np.zeros((1, n_out))
        for j, k in enumerate(ks):
            W[0, k] = 256.0**j
        net.output(net.dense(net.out, W, [sum(-low * 256**j for j in range(len(ks)))]), "regression")
        zk = nn.convert(net, Q, input_range=(low, low + 255), input_bits=0, resolution=60, max_error=0.5, fit=False)
        packed = np.asarray(zk.predict(Q, backend=backend), np.float64).round().astype(np.int64)
        cols += [(packed >> (8 * j)) % 256 + low for j in range(len(ks))]
    return np.stack(cols, axis=1)


@pytest.mark.slow   # TensorFlow's import alone (~10 s cold) is beyond the default suite's budget
@pytest.mark.parametrize("model", ["iris_mlp", "digits_cnn"])
def test_int8_circuit_outputs_equal_the_interpreters_element_by_element(model, request) -> None:
    from stdlib_ml import from_tflite

    data, Q = request.getfixturevalue(model)
    theirs = _interpreter(data, Q)
    zk = from_tflite(data, Q)
    assert zk.fidelity["agreement"] == 1.0 and zk.fidelity["rows"] == min(len(Q), 256)
    rows = Q if model == "iris_mlp" else Q[:60]
    from stdlib_ml.convert import tflite

    np.testing.assert_array_equal(_circuit_outputs(lambda: tflite.network(data), rows), theirs[:len(rows)])
    np.testing.assert_array_equal(zk.predict(rows), theirs[:len(rows)].argmax(axis=1))


def test_int8_requantization_matches_tflites_rounding_at_ties() -> None:
    """Hand-computed TFLite values: MultiplyByQuantizedMultiplier rounds h = x·M/2**31 half up, then
    RoundingDivideByPOT half away from zero (double); the int64 overload once, half up (single)."""
    M, shift = quantize_multiplier(0.75 / 2**3)          # 0.75 = M/2**31 · 2**0 → M = 3·2**29, shift −3
    assert (M, shift) == (3 * 2**29, -3)
    double = Requantization(np.asarray([M] * 4), np.asarray([3] * 4), np.zeros(4, np.int64),
                            np.full(4, -128), np.full(4, 127))
    single = Requantization(double.multiplier, double.shift, double.zero_point, double.low, double.high, "single")
    x = np.asarray([4, -4, 12, -12])                     # x·0.75 = 3, −3, 9, −9: h exact; h/8 = ±0.375, ±1.125
    np.testing.assert_array_equal(double(x), [0, 0, 1, -1])
    x = np.asarray([16, -16, 5, -5])                     # x·0.75/8 = 1.5, −1.5 (ties), 0.46875, −0.46875
    np.testing.assert_array_equal(double(x), [2, -2, 1, -1])  # ties away from zero; h = ±4 (3.75 rounded): 4/8 a tie
    np.testing.assert_array_equal(single(x), [2, -1, 0, 0])   # half up, of the exact product


def _tflite_requantize(x: np.ndarray, M: int, shift: int) -> np.ndarray:
    """TFLite's int32 MultiplyByQuantizedMultiplier transliterated from common.h (the test's oracle):
    SaturatingRoundingDoublingHighMul (nudge by sign, C division truncating toward zero), then
    RoundingDivideByPOT (mask, threshold raised by one for negatives)."""
    ab = x.astype(np.int64) * M
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    high = np.trunc((ab + nudge) / 2.0**31).astype(np.int64)   # |ab| < 2**52 here: exact in float64
    exponent = -shift
    mask = (1 << exponent) - 1
    threshold = (mask >> 1) + (high < 0)
    return (high >> exponent) + ((high & mask) > threshold)


def test_double_rounding_circuit_equals_tflites_code_on_every_input() -> None:
    """One requantized value (acc = 3·x + 1, x in [-128, 127], scale 0.1 = M·2**-34: accumulators of both
    signs, ties of the second rounding among them): the circuit, run, equals the transliterated C++ on
    every input."""
    M, shift = quantize_multiplier(0.1)
    rq = Requantization(np.asarray([M]), np.asarray([-shift]), np.asarray([-5]), np.asarray([-128]),
                        np.asarray([127]))
    net = nn.Network((1,), name="rq")
    net.output(net.requantize(net.dense(net.input, [[3.0]], [1.0]), rq), "regression")
    x = np.arange(-128, 128, dtype=np.float64)[:, None]
    zk = nn.convert(net, x, input_range=(-128, 127), input_bits=0, resolution=60, max_error=0.5, fit=False)
    acc = 3 * x[:, 0].astype(np.int64) + 1
    theirs = np.clip(_tflite_requantize(acc, M, shift) - 5, -128, 127)
    np.testing.assert_array_equal(np.asarray(zk.predict(x), np.float64), theirs)
    high = (acc * M + (1 << 30)) >> 31
    ties = (high & ((1 << -shift) - 1)) == 1 << (-shift - 1)
    assert np.sum(ties & (high < 0)) >= 5 and np.sum(ties & (high > 0)) >= 5   # both signs' ties are checked


@pytest.mark.slow
def test_int8_model_refusals_name_the_operator_and_the_cause(iris_mlp, tmp_path: Path) -> None:
    from stdlib_ml import from_tflite

    data, Q = iris_mlp
    with pytest.raises(ModelInputError, match="integers"):
        from_tflite(data, Q.astype(np.float64) + 0.5)
    rep = np.stack([np.random.default_rng(i).normal(size=4) for i in range(20)]).astype(np.float32)
    added = tflite_int8("(lambda inp: tf.keras.Model(inp, L.Add()([L.Dense(4)(inp), L.Dense(4)(inp)])))(tf.keras.Input((4,)))",
                        rep, np.zeros(len(rep)), rep, 0, tmp_path)
    with pytest.raises(ConversionError, match=r"TFLite operator \d of \d \(ADD .*not supported in an int8 model"):
        from_tflite(added, Q)


# ---- onnxruntime ----------------------------------------------------------------------------------------
def _ort_quantized(write_float: Any, X: np.ndarray, y: np.ndarray, tmp: Any) -> tuple[Any, np.ndarray]:
    """A network fitted on (X, y) by ``write_float(Xtr, ytr, path)`` (which writes its float ONNX graph,
    input "x"), quantized by onnxruntime (QOperator, int8, per channel); returns the graph and held-out
    int8 rows (the first QuantizeLinear's output)."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from sklearn.model_selection import train_test_split

    Xtr, Xte, ytr, _ = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    write_float(Xtr, ytr, tmp / "f.onnx")

    class Rows(CalibrationDataReader):
        def __init__(self) -> None:
            self.rows = iter([{"x": Xtr[i:i + 1]} for i in range(100)])

        def get_next(self) -> Any:
            return next(self.rows, None)

    quantize_static(str(tmp / "f.onnx"), str(tmp / "q.onnx"), Rows(), quant_format=QuantFormat.QOperator,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8, per_channel=True)
    proto = onnx.load(tmp / "q.onnx")
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in proto.graph.initializer}
    first = proto.graph.node[0]
    Q = np.clip(np.rint(Xte / inits[first.input[1]]) + inits[first.input[2]], -128, 127).astype(np.int8)
    return proto, Q.reshape(len(Q), -1)


def _sklearn_mlp_graph(Xtr: np.ndarray, ytr: np.ndarray, path: Any) -> None:
    """scikit-learn's MLPClassifier (4-16-3, ReLU) fitted, written as ONNX Gemm → Relu → Gemm by hand."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from sklearn.neural_network import MLPClassifier

    mlp = MLPClassifier((16,), solver="lbfgs", max_iter=500, random_state=0).fit(Xtr, ytr)
    inits = [numpy_helper.from_array(np.asarray(a, np.float32), name) for name, a in
             (("W1", mlp.coefs_[0].T), ("b1", mlp.intercepts_[0]), ("W2", mlp.coefs_[1].T), ("b2", mlp.intercepts_[1]))]
    nodes = [helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], transB=1), helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("Gemm", ["r", "W2", "b2"], ["y"], transB=1)]
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def _torch_cnn_graph(Xtr: np.ndarray, ytr: np.ndarray, path: Any) -> None:
    """A PyTorch CNN (Conv2d 4×3×3, ReLU, MaxPool 2, Linear 10) fitted and exported to ONNX."""
    import torch

    torch.manual_seed(0)
    nn_ = torch.nn
    module = nn_.Sequential(nn_.Conv2d(1, 4, 3), nn_.ReLU(), nn_.MaxPool2d(2), nn_.Flatten(), nn_.Linear(36, 10))
    opt = torch.optim.Adam(module.parameters(), 0.01)
    for _ in range(40):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(module(torch.tensor(Xtr)), torch.tensor(ytr)).backward()
        opt.step()
    torch.onnx.export(module.eval(), torch.tensor(Xtr[:1]), path, input_names=["x"], output_names=["y"],
                      dynamo=False)


def _ort(kind: str, tmp_path_factory: Any) -> tuple[Any, np.ndarray]:
    """The iris MLP (scikit-learn's weights) or the digits CNN (PyTorch), quantized by onnxruntime."""
    pytest.importorskip("onnxruntime")
    from sklearn.datasets import load_digits, load_iris

    if kind == "iris":
        X, y = load_iris(return_X_y=True)
        return _ort_quantized(_sklearn_mlp_graph, X.astype(np.float32), y, tmp_path_factory.mktemp(kind))
    pytest.importorskip("torch")
    X, y = load_digits(return_X_y=True)
    return _ort_quantized(_torch_cnn_graph, (X / 16.0).astype(np.float32).reshape(-1, 1, 8, 8), y,
                          tmp_path_factory.mktemp(kind))


@pytest.fixture(scope="module")
def ort_iris(tmp_path_factory) -> tuple[Any, np.ndarray]:
    return _ort("iris", tmp_path_factory)


@pytest.fixture(scope="module")
def ort_digits(tmp_path_factory) -> tuple[Any, np.ndarray]:
    return _ort("digits", tmp_path_factory)


@pytest.mark.parametrize("model", ["ort_iris", pytest.param("ort_digits", marks=pytest.mark.slow)])
def test_onnx_int8_circuit_outputs_equal_onnxruntimes_element_by_element(model, request) -> None:
    from stdlib_ml import from_onnx
    from stdlib_ml.convert import onnx_int8
    from stdlib_ml.convert.onnx import Graph, OrtInt8

    proto, Q = request.getfixturevalue(model)
    assert [n.op_type for n in proto.graph.node if n.op_type in onnx_int8.QLINEAR_OPS]
    theirs = OrtInt8(Graph.read(proto)).outputs(Q)
    zk = from_onnx(proto, Q)
    assert zk.fidelity["agreement"] == 1.0 and "onnxruntime" in zk.fidelity["against"]
    rows = Q if model == "ort_iris" else Q[:60]
    np.testing.assert_array_equal(_circuit_outputs(lambda: onnx_int8.network(Graph.read(proto)), rows),
                                  theirs[:len(rows)])
    np.testing.assert_array_equal(zk.predict(rows), theirs[:len(rows)].argmax(axis=1))


def test_onnxruntimes_float32_rounding_is_corrected_where_it_differs() -> None:
    """Scale float32(0.0031): its product rounds onto ties at accumulators ±15000, ±35000 (x·s = ±46.5,
    ±108.5), where onnxruntime rounds half to even; the circuit of one requantized value (acc = 200·x)
    equals numpy's float32 arithmetic (as MLAS) on every input."""
    from stdlib_ml.convert.onnx_int8 import float_requantization

    s = np.float32(0.0031)
    rq = float_requantization(s, 0, 1, -40000.0, 40000.0, "test")
    assert sorted(a for _, a, _ in rq.exceptions) == [-35000, -15000, 15000, 35000]
    net = nn.Network((1,), name="rq")
    net.output(net.requantize(net.dense(net.input, [[200.0]]), rq), "regression")
    x = np.arange(-200, 201, dtype=np.float64)[:, None]
    zk = nn.convert(net, x, input_range=(-200, 200), input_bits=0, resolution=60, max_error=0.5, fit=False)
    theirs = np.clip(np.rint(np.clip((200 * x[:, 0]).astype(np.float32) * s, -128, 127)), -128, 127)
    np.testing.assert_array_equal(np.asarray(zk.predict(x), np.float64), theirs)
    assert theirs[[125, 275]].tolist() == [-46, 46] and theirs[[25, 375]].tolist() == [-108, 108]


def _int8_pool_graph(**pool: Any) -> Any:
    """QuantizeLinear → QLinearConv (1×1, two channels, int32 bias) → MaxPool(**pool) → DequantizeLinear on a
    (1, 4, 4) input, written by hand."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits = [numpy_helper.from_array(np.asarray(a), name) for name, a in (
        ("xs", np.float32(0.05)), ("xz", np.int8(0)), ("W", np.array([[[[3]]], [[[-2]]]], np.int8)),
        ("ws", np.array([0.02, 0.03], np.float32)), ("wz", np.array([0, 0], np.int8)), ("ys", np.float32(0.04)),
        ("yz", np.int8(1)), ("B", np.array([5, -7], np.int32)))]
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["q"]),
             helper.make_node("QLinearConv", ["q", "xs", "xz", "W", "ws", "wz", "ys", "yz", "B"], ["c"]),
             helper.make_node("MaxPool", ["c"], ["p"], **pool),
             helper.make_node("DequantizeLinear", ["p", "ys", "yz"], ["y"])]
    graph = helper.make_graph(nodes, "pool", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, None, None])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def test_onnx_int8_max_pool_default_stride_is_one() -> None:
    """An int8 MaxPool without ``strides`` strides by 1 (ONNX's default; the conversion took the kernel size, and the
    check against onnxruntime then died in a numpy reshape): the integer description's outputs equal onnxruntime's
    value by value, the circuit's labels their argmax; an
    ``auto_pad`` SAME is refused naming it."""
    pytest.importorskip("onnxruntime")
    from stdlib_ml import from_onnx
    from stdlib_ml.convert import onnx_int8
    from stdlib_ml.convert.onnx import Graph, OrtInt8

    proto = _int8_pool_graph(kernel_shape=[2, 2])
    Q = np.random.default_rng(0).integers(-128, 128, size=(20, 16)).astype(np.float64)
    theirs = OrtInt8(Graph.read(proto)).outputs(Q)
    assert theirs.shape == (20, 2 * 3 * 3)
    np.testing.assert_array_equal(onnx_int8.network(Graph.read(proto)).forward(Q), theirs)   # the integer description
    zk = from_onnx(proto, Q.reshape(20, 1, 4, 4))   # checks it value by value too, and renders the circuit
    np.testing.assert_array_equal(zk.predict(Q), theirs.argmax(axis=1))
    with pytest.raises(ConversionError, match="auto_pad=SAME_UPPER is not supported"):
        from_onnx(_int8_pool_graph(kernel_shape=[2, 2], auto_pad="SAME_UPPER"), Q.reshape(20, 1, 4, 4))



def test_elementwise_check_names_a_runtime_that_outputs_another_size() -> None:
    """The value-by-value check of a quantized model against its runtime when the runtime's output tensor has
    another number of values than the converted description's (a layer read otherwise than it runs): a
    ConversionError saying so (it was numpy's reshape ValueError, a traceback from the CLI); equal outputs pass."""
    from stdlib_ml.convert.nn.integer import check_elementwise

    net = nn.Network((4,), name="pairs")
    net.output(net.dense(net.input, np.eye(4)[:2]), "argmax")
    Q = np.arange(12, dtype=np.float64).reshape(3, 4)
    assert "equal value by value on 3 rows" in check_elementwise(net, Q, lambda A: A[:, :2], None, "the runtime")
    with pytest.raises(ConversionError, match="the runtime outputs 3 values per row, the circuit 2"):
        check_elementwise(net, Q, lambda A: A[:, :3], None, "the runtime")


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.parametrize("model", ["iris_mlp", "ort_iris"])
def test_int8_mlp_proves_and_verifies(model, request) -> None:
    """One proof per family: the TFLite int8 MLP and the onnxruntime int8 MLP, each label the runtime's."""
    from stdlib_ml import from_onnx, from_tflite
    from stdlib_ml.convert.onnx import Graph, OrtInt8

    graph, Q = request.getfixturevalue(model)
    tflite = model == "iris_mlp"
    zk = (from_tflite if tflite else from_onnx)(graph, Q)
    proof = zk.prove(Q[0])
    assert zk.verify(proof)
    label = _interpreter(graph, Q[:1]).argmax() if tflite else OrtInt8(Graph.read(graph)).predict(Q[:1])[0]
    assert proof.prediction == label


# ---- PyTorch (torch.ao.quantization, fbgemm) -------------------------------------------------------------
@pytest.fixture(scope="module")
def qtorch() -> Any:
    """torch with the fbgemm quantized engine and one thread for the module's tests (restored after)."""
    torch = pytest.importorskip("torch")
    before = torch.backends.quantized.engine, torch.get_num_threads()
    torch.backends.quantized.engine = "fbgemm"
    torch.set_num_threads(1)   # two cores shared: torch's thread pool only spins
    yield torch
    torch.backends.quantized.engine = before[0]
    torch.set_num_threads(before[1])


_FITTED: dict[bool, tuple[Any, np.ndarray, np.ndarray]] = {}
"""Per kind (CNN or not), the float network fitted once, its calibration rows and its 300 test rows."""


def _fitted(torch: Any, cnn: bool) -> tuple[Any, np.ndarray, np.ndarray]:
    """A float network fitted on data of its own (the iris MLP 4-16-3, or a digits CNN Conv2d 4×3×3, ReLU, MaxPool
    2, Linear 10), its calibration rows and 300 test rows (held-out rows and scaled copies: values beyond the
    calibration range, clamped ones among them)."""
    from sklearn.datasets import load_digits, load_iris
    from torch import nn as tnn

    if cnn not in _FITTED:
        torch.manual_seed(0)
        X, y = load_digits(return_X_y=True) if cnn else load_iris(return_X_y=True)
        X = (X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32) if cnn else X.astype(np.float32)
        net = tnn.Sequential(*([tnn.Conv2d(1, 4, 3), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(), tnn.Linear(36, 10)]
                               if cnn else [tnn.Linear(4, 16), tnn.ReLU(), tnn.Linear(16, 3)]))
        opt = torch.optim.Adam(net.parameters(), 0.02)
        for _ in range(40 if cnn else 100):
            opt.zero_grad()
            tnn.functional.cross_entropy(net(torch.tensor(X)), torch.tensor(y)).backward()
            opt.step()
        held = X[1::2][:150]
        rng = np.random.default_rng(0)
        rows = np.concatenate([held] + [held * rng.uniform(0.6, 1.4, held.shape).astype(np.float32)
                                        for _ in range(3)])[:300]
        _FITTED[cnn] = net.eval(), X[::2], rows
    return _FITTED[cnn]


def _torch_quantized(torch: Any, kind: str) -> tuple[Any, np.ndarray]:
    """The fitted network (:func:`_fitted`) quantized post-training with the engine's default qconfig
    (fbgemm: per-channel symmetric qint8 weights, quint8 activations), eager mode ("mlp", "cnn"; "mlp_per_tensor":
    per-tensor weights) or FX graph mode ("fx_mlp"); returns the quantized module and its 300 test rows as its
    quint8 input tensor."""
    import copy
    import warnings

    from torch import nn as tnn
    from torch.ao import quantization as tq

    warnings.filterwarnings("ignore", module="torch.ao")
    fitted, calibration_rows, rows = _fitted(torch, kind == "cnn")
    net, calibration = copy.deepcopy(fitted), torch.tensor(calibration_rows)
    engine = torch.backends.quantized.engine
    if kind == "fx_mlp":
        from torch.ao.quantization import quantize_fx

        prepared = quantize_fx.prepare_fx(net, tq.get_default_qconfig_mapping(engine), (calibration[:2],))
        with torch.no_grad():
            prepared(calibration)
        model = quantize_fx.convert_fx(prepared)
        scale, zero = _input_qparams(model)
        Q = torch.quantize_per_tensor(torch.tensor(rows), scale, zero, torch.quint8).int_repr()
        return model, Q.numpy().astype(np.float64)
    model = tnn.Sequential(tq.QuantStub(), *net, tq.DeQuantStub()).eval()
    model.qconfig = tq.get_default_qconfig(engine) if kind != "mlp_per_tensor" else tq.QConfig(
        activation=tq.HistogramObserver.with_args(reduce_range=True), weight=tq.default_weight_observer)
    tq.fuse_modules(model, [["1", "2"]], inplace=True)
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        model(calibration)
    tq.convert(model, inplace=True)
    return model, model[0](torch.tensor(rows)).int_repr().numpy().astype(np.float64)


@pytest.fixture(scope="module")
def torch_mlp(qtorch) -> tuple[Any, np.ndarray]:
    return _torch_quantized(qtorch, "mlp")


def _input_qparams(model: Any) -> tuple[float, int]:
    """The input quantization's (scale, zero point): eager mode's Quantize module, or the get_attr arguments of
    the FX graph's ``torch.quantize_per_tensor``."""
    import torch

    first = next((m for m in model.modules() if type(m).__name__ == "Quantize"), None)
    if first is not None:
        return float(first.scale), int(first.zero_point)
    node = next(n for n in model.graph.nodes if n.target is torch.quantize_per_tensor)
    return float(getattr(model, node.args[1].target)), int(getattr(model, node.args[2].target))


def _torch_int8_outputs(model: Any, Q: np.ndarray) -> np.ndarray:
    """The oracle: the quantized module's own output, row by row, from a float input that quantizes to exactly
    ``Q`` ((q − zero)·scale, checked), its dequantized floats read back as the quint8 tensor
    (out / scale + zero: exact, the floats are (q − zero)·scale)."""
    import torch

    last = [m for m in model.modules() if hasattr(m, "scale") and hasattr(m, "weight")][-1]
    scale, zero = _input_qparams(model)
    outs = []
    with torch.no_grad():
        for q in Q:
            x = torch.tensor(((q - zero) * scale)[None], dtype=torch.float32)
            assert np.array_equal(torch.quantize_per_tensor(x, scale, zero, torch.quint8).int_repr().numpy()[0], q)
            out = model(x).numpy().ravel()
            outs.append(np.rint(out / last.scale + last.zero_point).astype(np.int64))
    return np.stack(outs)


@pytest.mark.parametrize("kind", ["mlp", "fx_mlp", *(pytest.param(k, marks=pytest.mark.slow) for k in ("mlp_per_tensor", "cnn"))])
def test_torch_quantized_circuit_outputs_equal_torchs_element_by_element(qtorch, torch_mlp, kind) -> None:
    """fbgemm's quint8 outputs, every value of 300 rows: the integer description (the conversion's own check,
    on all rows) and the rendered circuit (its outputs read from the program) equal the module's own."""
    from stdlib_ml import from_torch
    from stdlib_ml.convert import torch_quantized

    model, Q = torch_mlp if kind == "mlp" else _torch_quantized(qtorch, kind)
    theirs = _torch_int8_outputs(model, Q)
    zk = from_torch(model, Q, check_rows=None)
    f = zk.fidelity
    assert f["agreement"] == 1.0 and f["rows"] == len(Q) == 300
    assert "equal value by value on 300 rows" in f["against"] and "fbgemm engine" in f["against"]
    rows = Q if kind != "cnn" else Q[:60]
    np.testing.assert_array_equal(_circuit_outputs(lambda: torch_quantized.network(model, Q)[0], rows, low=0),
                                  theirs[:len(rows)])
    np.testing.assert_array_equal(zk.predict(rows), theirs[:len(rows)].argmax(axis=1))


@pytest.mark.prove
@pytest.mark.usefixtures("stand_in_keys")
def test_torch_quantized_circuit_on_snarkvm_equals_torch(qtorch, torch_mlp) -> None:
    """snarkVM's own circuit execution (stand-in keys: no key synthesized) of the rendered program gives
    torch's quint8 outputs on held-out rows and on scaled copies."""
    from stdlib_ml.convert import torch_quantized

    model, Q = torch_mlp
    rows = Q[[0, 299]]
    theirs = _torch_int8_outputs(model, rows)
    vm = _circuit_outputs(lambda: torch_quantized.network(model, Q)[0], rows, low=0, backend="vm")
    np.testing.assert_array_equal(vm, theirs)


def test_torch_quantized_refusals_name_the_module_and_the_cause(qtorch, torch_mlp) -> None:
    import torch
    from torch import nn as tnn
    from torch.ao import quantization as tq

    from stdlib_ml import from_torch

    model, Q = torch_mlp
    with pytest.raises(ModelInputError, match=r"integers in \[0, 255\]"):
        from_torch(model, Q + 0.5)
    float_net = tnn.Sequential(tnn.Linear(4, 16), tnn.ReLU(), tnn.Linear(16, 3)).eval()
    X = np.random.default_rng(0).uniform(0, 5, (20, 4)).astype(np.float32)
    dynamic = tq.quantize_dynamic(float_net, {tnn.Linear}, dtype=torch.qint8)
    with pytest.raises(ConversionError, match=r"layer '0' \(Linear, torch.ao.nn.quantized.dynamic.*dynamically quantized.*batch"):
        from_torch(dynamic, Q)

    def prepared(qat: bool, qconfig: Any = None) -> Any:
        torch.manual_seed(0)
        m = tnn.Sequential(tq.QuantStub(), tnn.Linear(4, 16), tnn.ReLU(), tnn.Linear(16, 3), tq.DeQuantStub())
        m.qconfig = qconfig or (tq.get_default_qat_qconfig("fbgemm") if qat else tq.get_default_qconfig("fbgemm"))
        if qat:
            return tq.prepare_qat(m.train(), inplace=False).eval()
        m = tq.prepare(m.eval(), inplace=False)
        m(torch.tensor(X))
        return m

    with pytest.raises(ConversionError, match=r"layer '1' \(Linear, torch.ao.nn.qat.*quantization-aware training"):
        from_torch(prepared(True), Q)
    with pytest.raises(ConversionError, match=r"observer: the model is prepared for quantization but not converted"):
        from_torch(prepared(False), Q)
    from torch.ao.quantization import quantize_fx

    fx_prepared = quantize_fx.prepare_fx(float_net, tq.get_default_qconfig_mapping("fbgemm"), (torch.tensor(X[:2]),))
    fx_prepared(torch.tensor(X))
    with pytest.raises(ConversionError, match=r"layer '0.0' \(Linear, torch.ao.nn.quantized.reference.*reference quantized"):
        from_torch(quantize_fx.convert_to_reference_fx(fx_prepared), Q)
    affine = tq.QConfig(activation=tq.HistogramObserver.with_args(reduce_range=True),
                        weight=tq.MinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_tensor_affine))
    with pytest.raises(ConversionError, match=r"layer '[13]' \(torch.ao.nn.quantized.Linear\) has weights with a non-zero zero point"):
        from_torch(tq.convert(prepared(False, affine)), Q)

    class Residual(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.quant, self.fc, self.dequant = tq.QuantStub(), tnn.Linear(4, 4), tq.DeQuantStub()
            self.add = tnn.quantized.FloatFunctional()

        def forward(self, x: Any) -> Any:
            x = self.quant(x)
            return self.dequant(self.add.add(self.fc(x), x))

    dropped = tnn.Sequential(tq.QuantStub(), tnn.Linear(4, 16), tnn.Dropout(0.5), tnn.Linear(16, 3),
                             tq.DeQuantStub()).eval()
    dropped.qconfig = tq.get_default_qconfig("fbgemm")
    tq.prepare(dropped, inplace=True)
    dropped(torch.tensor(X))
    tq.convert(dropped, inplace=True)
    dropped[2] = tnn.Dropout(0.5).train()   # torch's quantized Dropout is the identity; a float one in train mode
    with pytest.raises(ConversionError, match=r"layer '2' \(Dropout\) is in training mode"):
        from_torch(dropped, Q)
    res = Residual().eval()
    res.qconfig = tq.get_default_qconfig("fbgemm")
    tq.prepare(res, inplace=True)
    res(torch.tensor(X))
    with pytest.raises(ConversionError, match=r"node 'add' \(call_function add\): a quantized add .*not supported"):
        from_torch(tq.convert(res), Q)
    torch.backends.quantized.engine = "onednn"
    try:
        with pytest.raises(ConversionError, match=r"engine is 'onednn'"):
            from_torch(model, Q)
    finally:
        torch.backends.quantized.engine = "fbgemm"


def test_saved_quantized_module_file_converts_and_torchscript_is_refused(qtorch, torch_mlp, tmp_path) -> None:
    """``pyleo import model.pt`` (from_file): a torch.save'd quantized module is read and converts (its labels
    torch's); a TorchScript archive, a state dict and a damaged file are refused, saying what each is."""
    import torch

    from stdlib_ml.convert import from_file

    model, Q = torch_mlp
    torch.save(model, tmp_path / "q.pt")
    zk = from_file(tmp_path / "q.pt", Q[:40])
    np.testing.assert_array_equal(zk.predict(Q[:40]), _torch_int8_outputs(model, Q[:40]).argmax(axis=1))
    assert "equal value by value on 40 rows" in zk.fidelity["against"]
    torch.jit.save(torch.jit.trace(model, torch.zeros(1, 4)), tmp_path / "script.pt")
    with pytest.raises(ConversionError, match="TorchScript archive"):
        from_file(tmp_path / "script.pt", Q)
    torch.save(model.state_dict(), tmp_path / "weights.pth")
    with pytest.raises(ModelInputError, match="state dict"):
        from_file(tmp_path / "weights.pth", Q)
    import sys
    import types

    from torch import nn as tnn

    elsewhere = types.ModuleType("pyleo_test_saving_script")   # a class of the script that saved the file
    sys.modules[elsewhere.__name__] = elsewhere
    elsewhere.Net = type("Net", (tnn.Sequential,), {"__module__": elsewhere.__name__})
    torch.save(elsewhere.Net(*model), tmp_path / "script_class.pt")
    del sys.modules[elsewhere.__name__]
    with pytest.raises(ModelInputError, match="holds a module whose class is not importable here"):
        from_file(tmp_path / "script_class.pt", Q)
    (tmp_path / "bad.pt").write_bytes(b"not a zip")
    with pytest.raises(ModelInputError, match="not a readable torch.save file"):
        from_file(tmp_path / "bad.pt", Q)


@pytest.mark.slow
@pytest.mark.prove
def test_torch_quantized_mlp_proves_and_verifies(torch_mlp) -> None:
    """One proof of the family: the fbgemm-quantized iris MLP, its proved label torch's."""
    from stdlib_ml import from_torch

    model, Q = torch_mlp
    zk = from_torch(model, Q)
    proof = zk.prove(Q[0])
    assert zk.verify(proof)
    assert proof.prediction == _torch_int8_outputs(model, Q[:1]).argmax()


@pytest.mark.slow
def test_pyleo_import_reads_a_saved_quantized_module(torch_mlp, tmp_path) -> None:
    """The CLI: ``pyleo import q.pt --data Q.npy`` writes the model file, checked value by value; ``pyleo run``
    of it gives torch's label."""
    import subprocess
    import sys

    import torch

    model, Q = torch_mlp
    torch.save(model, tmp_path / "q.pt")
    np.save(tmp_path / "Q.npy", Q)
    cli = [sys.executable, "-m", "pyleo_cli.main"]
    done = subprocess.run([*cli, "import", "q.pt", "--data", "Q.npy", "--out", "q.py"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "equal value by value on 256 rows (768 values)" in done.stdout
    row = "[" + ", ".join(str(int(v)) for v in Q[7]) + "]"
    ran = subprocess.run([*cli, "run", "q.py", "predict", row], cwd=tmp_path, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split()[-1].strip("'\"") == str(_torch_int8_outputs(model, Q[7:8]).argmax())


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["x86", "qnnpack"])
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_torch_quantized_engines_each_reproduced(qtorch, engine, kind) -> None:
    """The x86 engine (fbgemm's kernels; oneDNN's convolutions on AVX512-VNNI CPUs) and QNNPACK (an int32 bias,
    then the float32 product): the integer description equals the module's own outputs on every value."""
    from stdlib_ml import from_torch
    from stdlib_ml.convert import torch_quantized

    qtorch.backends.quantized.engine = engine
    try:
        model, Q = _torch_quantized(qtorch, kind)
        theirs = _torch_int8_outputs(model, Q)
        net = torch_quantized.network(model, Q)[0]
        np.testing.assert_array_equal(net.forward(Q.reshape(len(Q), -1)), theirs)
        assert f"({engine} engine): its output tensor equal value by value" in from_torch(model, Q).fidelity["against"]
    finally:
        qtorch.backends.quantized.engine = "fbgemm"


@pytest.mark.slow
def test_torch_quantized_conv1d_padding_and_functional_ops(qtorch) -> None:
    """Conv1d (stride 2, padding 1: padded taps at the zero point add nothing), F.relu, x.view(x.size(0), -1),
    and Conv2d (padding 1), torch.relu, F.max_pool2d, torch.flatten, in modules of their own classes (traced by
    torch.fx): every value of 200 rows equals torch's, through the rendered circuit on 50, and flattened rows
    (a .npy of ``pyleo import``) give the input's shape."""
    import torch.nn.functional as F
    from torch import nn as tnn
    from torch.ao import quantization as tq

    from stdlib_ml import from_torch
    from stdlib_ml.convert import torch_quantized

    class Conv1(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.quant, self.conv, self.dequant = tq.QuantStub(), tnn.Conv1d(2, 3, 3, stride=2, padding=1), tq.DeQuantStub()
            self.fc = tnn.Linear(24, 4)

        def forward(self, x: Any) -> Any:
            h = F.relu(self.conv(self.quant(x)))
            return self.dequant(self.fc(h.view(h.size(0), -1)))

    class Conv2(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.quant, self.conv, self.dequant = tq.QuantStub(), tnn.Conv2d(1, 3, 3, padding=1), tq.DeQuantStub()
            self.fc = tnn.Linear(48, 5)

        def forward(self, x: Any) -> Any:
            h = F.max_pool2d(qtorch.relu(self.conv(self.quant(x))), 2)
            return self.dequant(self.fc(qtorch.flatten(h, 1)))

    rng = np.random.default_rng(0)
    qtorch.manual_seed(0)
    for module, shape in ((Conv1(), (2, 16)), (Conv2(), (1, 8, 8))):
        X = rng.normal(size=(200, *shape)).astype(np.float32)
        model = module.eval()
        model.qconfig = tq.get_default_qconfig("fbgemm")
        tq.prepare(model, inplace=True)
        model(qtorch.tensor(X[:100]))
        tq.convert(model, inplace=True)
        Q = model.quant(qtorch.tensor(X)).int_repr().numpy().astype(np.float64)
        theirs = _torch_int8_outputs(model, Q)
        zk = from_torch(model, Q, check_rows=None)
        assert "equal value by value on 200 rows" in zk.fidelity["against"]
        np.testing.assert_array_equal(_circuit_outputs(lambda: torch_quantized.network(model, Q)[0], Q[:50], low=0),
                                      theirs[:50])
        np.testing.assert_array_equal(from_torch(model, Q.reshape(len(Q), -1)[:20]).predict(Q[:20]),
                                      theirs[:20].argmax(axis=1))
