"""TFLite int8 models (full-integer post-training quantization) proved bit-exactly: a Keras MLP on iris and a
small CNN on the digits (8×8), quantized by ``tf.lite.TFLiteConverter`` with a representative data set and int8
input and output, converted by ``from_tflite``; the circuit's int8 outputs, read from the circuit itself (the
reference interpreter of the rendered program), equal ``tf.lite.Interpreter``'s (TFLite's reference kernels)
element by element on every held-out row, and the labels equal. TensorFlow is imported once per module."""

from __future__ import annotations

import os
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


def _quantized(tf: Any, layers: list[Any], X: np.ndarray, y: np.ndarray, epochs: int) -> tuple[bytes, np.ndarray]:
    """A Keras model fitted on (X, y), full-integer quantized; returns the flatbuffer and held-out int8 rows."""
    from sklearn.model_selection import train_test_split

    tf.keras.utils.set_random_seed(0)
    Xtr, Xte, ytr, _ = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    model = tf.keras.Sequential([tf.keras.Input(X.shape[1:]), *layers])
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(Xtr, ytr, epochs=epochs, batch_size=32, verbose=0)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([Xtr[i:i + 1]] for i in range(min(100, len(Xtr))))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = conv.inference_output_type = tf.int8
    data = conv.convert()
    it = tf.lite.Interpreter(model_content=data)
    scale, zero = it.get_input_details()[0]["quantization"]
    Q = np.clip(np.round(Xte / scale) + zero, -128, 127).astype(np.int8)
    return data, Q.reshape(len(Q), -1)


@pytest.fixture(scope="module")
def iris_mlp(tf: Any) -> tuple[bytes, np.ndarray]:
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    L = tf.keras.layers
    return _quantized(tf, [L.Dense(16, activation="relu"), L.Dense(3)], X.astype(np.float32), y, 30)


@pytest.fixture(scope="module")
def digits_cnn(tf: Any) -> tuple[bytes, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    L = tf.keras.layers
    layers = [L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(), L.Dense(10)]
    return _quantized(tf, layers, (X / 16.0).astype(np.float32).reshape(-1, 8, 8, 1), y, 4)


def _interpreter(data: bytes, Q: np.ndarray) -> np.ndarray:
    """The int8 output tensor per row by TFLite's reference kernels (the oracle)."""
    from stdlib_ml.convert.tflite import TfliteModel

    return TfliteModel(data, "argmax", reference=True).outputs(Q).astype(np.int64)


def _circuit_outputs(data: bytes, Q: np.ndarray) -> np.ndarray:
    """The circuit's int8 outputs, run in the rendered program: the outputs packed into one regression value
    Σ_k (q_k + 128)·256**k (a constant affine map, 0 constraints), read back per row (≤ 6 outputs a program: the packed value stays below 2**53, exact in float64)."""
    from stdlib_ml.convert import tflite

    n_out = tflite.network(data).out.size
    cols = []
    for start in range(0, n_out, 6):
        net = tflite.network(data)
        ks = range(start, min(start + 6, n_out))
        W = np.zeros((1, n_out))
        for j, k in enumerate(ks):
            W[0, k] = 256.0**j
        net.output(net.dense(net.out, W, [sum(128 * 256**j for j in range(len(ks)))]), "regression")
        zk = nn.convert(net, Q, input_range=(-128, 127), input_bits=0, resolution=60, max_error=0.5, fit=False)
        packed = np.asarray(zk.predict(Q), np.float64).round().astype(np.int64)
        cols += [(packed >> (8 * j)) % 256 - 128 for j in range(len(ks))]
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("model", ["iris_mlp", pytest.param("digits_cnn", marks=pytest.mark.slow)])
def test_int8_circuit_outputs_equal_the_interpreters_element_by_element(model, request) -> None:
    from stdlib_ml import from_tflite

    data, Q = request.getfixturevalue(model)
    theirs = _interpreter(data, Q)
    zk = from_tflite(data, Q)
    assert zk.fidelity["agreement"] == 1.0 and zk.fidelity["rows"] == min(len(Q), 256)
    rows = Q if model == "iris_mlp" else Q[:60]
    np.testing.assert_array_equal(_circuit_outputs(data, rows), theirs[:len(rows)])
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


def test_int8_model_refusals_name_the_operator_and_the_cause(tf, iris_mlp) -> None:
    from stdlib_ml import from_tflite

    data, Q = iris_mlp
    with pytest.raises(ModelInputError, match="integers"):
        from_tflite(data, Q.astype(np.float64) + 0.5)
    L = tf.keras.layers
    inp = tf.keras.Input((4,))
    h = L.Dense(4)(inp)
    model = tf.keras.Model(inp, L.Add()([h, L.Dense(4)(inp)]))
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([np.random.default_rng(i).normal(size=(1, 4)).astype(np.float32)]
                                           for i in range(20))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = conv.inference_output_type = tf.int8
    with pytest.raises(ConversionError, match=r"TFLite operator \d of \d \(ADD .*not supported in an int8 model"):
        from_tflite(conv.convert(), Q)


@pytest.mark.slow
@pytest.mark.prove
def test_int8_mlp_proves_and_verifies(iris_mlp) -> None:
    from stdlib_ml import from_tflite

    data, Q = iris_mlp
    zk = from_tflite(data, Q)
    proof = zk.prove(Q[0])
    assert zk.verify(proof)
    assert proof.prediction == _interpreter(data, Q[:1]).argmax()
