"""TensorFlow in every form it saves a model: a SavedModel directory, the object ``tf.saved_model.load``
returns, a TFLite flatbuffer, a legacy ``.h5`` and a ``.keras`` file (``pyleo import`` recognising each),
converted and compared label by label with TensorFlow's own output on held-out rows (the signature run by
TensorFlow, ``tf.lite.Interpreter``). The model is written with TensorFlow's own ops (no Keras: its
backend is the session's), a convolution with an even kernel and 'SAME' padding (asymmetric), a batch
norm, a max pool, a flatten by ``tf.shape`` and a dense layer fitted by least squares on the digits.
TensorFlow is imported once per module (seconds): the fixtures are module-scoped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stdlib_ml import ConversionError, ModelInputError
from stdlib_ml.convert import frontends, from_file

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="module")
def tf() -> Any:
    return pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32).reshape(-1, 8, 8, 1)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def _module(tf: Any, Xtr: np.ndarray, ytr: np.ndarray, dropout: bool = False) -> Any:
    """A tf.Module: conv 2×2 'SAME' → batch norm → ReLU → max pool → flatten → dense (fitted) → softmax."""
    rng = np.random.default_rng(0)
    k = tf.Variable(rng.normal(size=(2, 2, 1, 6)).astype(np.float32))
    b = tf.Variable(rng.normal(size=6).astype(np.float32) * 0.1)
    mean, var = (tf.constant(v.astype(np.float32)) for v in (rng.normal(size=6) * 0.1, rng.uniform(0.5, 2.0, 6)))
    gamma, beta = (tf.Variable(v.astype(np.float32)) for v in (rng.uniform(0.5, 1.5, 6), rng.normal(size=6) * 0.1))

    def features(x: Any) -> Any:
        h = tf.nn.conv2d(x, k, strides=1, padding="SAME") + b
        h = tf.nn.relu(tf.nn.batch_normalization(h, mean, var, beta, gamma, 1e-3))
        if dropout:
            h = tf.nn.dropout(h, 0.5)
        h = tf.nn.max_pool2d(h, 2, 2, "VALID")
        return tf.reshape(h, tf.stack([tf.shape(h)[0], -1]))

    F = features(tf.constant(Xtr)).numpy().astype(np.float64)
    A = np.hstack([F, np.ones((len(F), 1))])
    sol = np.linalg.lstsq(A, np.eye(10)[ytr], rcond=None)[0]
    W, c = tf.Variable(sol[:-1].astype(np.float32)), tf.Variable(sol[-1].astype(np.float32))

    class Net(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.vars = [k, b, gamma, beta, W, c]

        @tf.function(input_signature=[tf.TensorSpec([None, 8, 8, 1], tf.float32)])
        def __call__(self, x: Any) -> Any:
            return tf.nn.softmax(tf.matmul(features(x), W) + c)

    return Net()


@pytest.fixture(scope="module")
def saved(tf: Any, digits: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The module saved as a SavedModel directory."""
    Xtr, _, ytr, _ = digits
    root = tmp_path_factory.mktemp("tf")
    net = _module(tf, Xtr, ytr)
    tf.saved_model.save(net, str(root / "sm"), signatures=net.__call__.get_concrete_function())
    return {"root": root, "net": net, "sm": root / "sm"}


@pytest.fixture(scope="module")
def tflite(tf: Any, saved: dict[str, Any]) -> Path:
    """The SavedModel converted to a float TFLite file (TensorFlow's converter: seconds)."""
    path = saved["root"] / "m.tflite"
    path.write_bytes(tf.lite.TFLiteConverter.from_saved_model(str(saved["sm"])).convert())
    return path


def _tf_labels(tf: Any, net: Any, X: np.ndarray) -> np.ndarray:
    return np.argmax(net(tf.constant(X)).numpy(), axis=1)


def _interpreter_labels(tf: Any, path: Path, X: np.ndarray) -> np.ndarray:
    interpreter = tf.lite.Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    labels = []
    for row in X:
        interpreter.set_tensor(inp["index"], row[None])
        interpreter.invoke()
        labels.append(int(np.argmax(interpreter.get_tensor(out["index"]))))
    return np.asarray(labels)


def test_saved_model_directory_and_loaded_object_give_tensorflows_labels(tf, saved, digits) -> None:
    from stdlib_ml.convert.tensorflow import saved_model_network

    Xtr, Xte, _, yte = digits
    want = _tf_labels(tf, saved["net"], Xte)
    assert np.mean(want == yte) > 0.8   # a real classifier, not a constant
    assert frontends.for_path(saved["sm"]).name == "tensorflow"
    zk = from_file(saved["sm"], Xtr[:200], fit=False)   # what `pyleo import DIR` runs
    assert zk.fidelity["agreement"] == 1.0
    np.testing.assert_array_equal(zk.predict(Xte), want)
    net, float_model = saved_model_network(tf.saved_model.load(str(saved["sm"])), None)
    np.testing.assert_array_equal(net.predict(Xte), want)   # the loaded object's description, in float64
    np.testing.assert_array_equal(float_model.predict(Xte), want)


@pytest.mark.slow
def test_tflite_file_gives_the_interpreters_labels(tf, tflite, digits) -> None:
    from stdlib_ml import from_tflite

    Xtr, Xte, _, _ = digits
    zk = from_tflite(tflite, Xtr[:200], fit=False)
    assert zk.fidelity["agreement"] == 1.0
    np.testing.assert_array_equal(zk.predict(Xte), _interpreter_labels(tf, tflite, Xte))
    assert frontends.for_path(tflite).name == "tflite"
    assert from_file(tflite, Xtr[:100], fit=False).fidelity["agreement"] == 1.0


def test_pyleo_import_recognises_each_form(saved, tmp_path) -> None:
    (tmp_path / "m.tflite").write_bytes(b"\0\0\0\0TFL3")
    for path, name in ((saved["sm"], "tensorflow"), (tmp_path / "m.tflite", "tflite"), (tmp_path / "m.h5", "keras"),
                       (tmp_path / "m.hdf5", "keras"), (tmp_path / "m.keras", "keras")):
        path.touch()
        assert frontends.for_path(path).name == name


@pytest.mark.slow
def test_legacy_h5_file_gives_keras_labels(digits, tmp_path) -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    Xtr, Xte, _, _ = digits
    inp = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(3, 2, padding="same", activation="relu")(inp)
    model = keras.Model(inp, keras.layers.Dense(10)(keras.layers.Flatten()(h)))
    model.save(tmp_path / "m.h5")
    zk = from_file(tmp_path / "m.h5", Xtr[:100], fit=False)
    np.testing.assert_array_equal(zk.predict(Xte), np.argmax(model.predict(Xte, verbose=0), axis=1))


def test_damaged_and_misnamed_tensorflow_files_are_clear_errors(tf, saved, tmp_path) -> None:
    from stdlib_ml import from_tensorflow, from_tflite

    cut = tmp_path / "cut.tflite"
    cut.write_bytes(b"\x1c\0\0\0TFL3" + bytes(range(40)))
    with pytest.raises(ModelInputError, match="not a readable TFLite model"):
        from_tflite(cut)
    (tmp_path / "other.tflite").write_bytes(b"not a flatbuffer at all")
    with pytest.raises(ModelInputError, match="no TFL3"):
        from_file(tmp_path / "other.tflite")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelInputError, match="no saved_model.pb"):
        from_file(tmp_path / "empty")
    with pytest.raises(ModelInputError, match="no saved_model.pb"):
        from_tensorflow(tmp_path / "empty")
    (tmp_path / "w.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(ModelInputError, match="not a readable Keras model"):
        from_file(tmp_path / "w.h5")


def test_saved_model_with_a_training_mode_dropout_is_refused(tf, digits, tmp_path) -> None:
    from stdlib_ml import from_tensorflow

    Xtr, _, ytr, _ = digits
    net = _module(tf, Xtr, ytr, dropout=True)
    x = tf.constant(Xtr[:20])
    assert not np.array_equal(net(x).numpy(), net(x).numpy())   # the oracle: it is random
    tf.saved_model.save(net, str(tmp_path / "drop"), signatures=net.__call__.get_concrete_function())
    with pytest.raises(ConversionError, match="draws random values"):
        from_tensorflow(tmp_path / "drop", Xtr)


def test_keras_backend_that_is_not_installed_says_what_to_set(tmp_path) -> None:
    code = ("from stdlib_ml.convert.keras import load_keras\n"
            "from stdlib_ml import ConversionError\n"
            "try:\n    load_keras('m.keras')\nexcept ConversionError as e:\n    print(e)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                            env={**os.environ, "KERAS_BACKEND": "no_such_backend", "PYTHONPATH": os.pathsep.join(sys.path)})
    assert "KERAS_BACKEND=no_such_backend is set, but Keras cannot load that backend" in result.stdout, result.stderr
    assert "KERAS_BACKEND=torch (or unset it)" in result.stdout


@pytest.mark.slow
def test_cli_imports_a_keras_file_on_the_tensorflow_backend(saved, digits, tmp_path) -> None:
    Xtr, Xte, _, _ = digits
    np.save(tmp_path / "X.npy", Xtr)
    script = ("import keras, numpy as np\n"
              "keras.utils.set_random_seed(0)\n"   # its untrained weights: no near-tie left to chance
              "inp = keras.Input((8, 8, 1))\n"
              "h = keras.layers.Conv1D(4, 2, padding='same', activation='relu')(keras.layers.Reshape((64, 1))(inp))\n"
              "m = keras.Model(inp, keras.layers.Dense(10, activation='softmax')(keras.layers.Flatten()(h)))\n"
              f"m.save({str(tmp_path / 'm.keras')!r})\n"
              f"np.save({str(tmp_path / 'want.npy')!r}, m.predict(np.load({str(tmp_path / 'X.npy')!r}), verbose=0))\n")
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    assert subprocess.run([sys.executable, "-c", script], env=env, timeout=300, cwd=ROOT).returncode == 0
    for model, out in ((tmp_path / "m.keras", tmp_path / "k.py"), (saved["sm"], tmp_path / "s.py")):
        result = subprocess.run([sys.executable, "-m", "pyleo_cli.main", "import", str(model), "--data",
                                 str(tmp_path / "X.npy"), "--out", str(out), "--no-fit"], capture_output=True, text=True, cwd=ROOT,
                                timeout=300, env=env)
        assert result.returncode == 0, result.stderr
        assert "fidelity: agreement 1.0000" in result.stdout
    from stdlib_ml import load

    np.testing.assert_array_equal(load(tmp_path / "k.py").predict(Xtr), np.argmax(np.load(tmp_path / "want.npy"), 1))


@pytest.mark.slow
def test_quantized_tflite_is_refused_naming_a_quantized_tensor(tf, saved, digits, tmp_path) -> None:
    from stdlib_ml import from_tflite

    Xtr = digits[0]
    conv = tf.lite.TFLiteConverter.from_saved_model(str(saved["sm"]))
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([Xtr[i:i + 1]] for i in range(50))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    (tmp_path / "q.tflite").write_bytes(conv.convert())
    with pytest.raises(ConversionError, match="quantized"):
        from_tflite(tmp_path / "q.tflite", Xtr)


@pytest.mark.slow
@pytest.mark.prove
def test_saved_model_conversion_proves_and_verifies(tf, tmp_path) -> None:
    from sklearn.datasets import load_iris

    from stdlib_ml import from_tensorflow

    X, y = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    rng = np.random.default_rng(0)
    W1, b1 = rng.normal(size=(4, 6)).astype(np.float32), rng.normal(size=6).astype(np.float32)
    H = np.maximum(X @ W1 + b1, 0)
    sol = np.linalg.lstsq(np.hstack([H, np.ones((len(H), 1))]), np.eye(3)[y], rcond=None)[0].astype(np.float32)

    class Mlp(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
        def __call__(self, x: Any) -> Any:
            return tf.matmul(tf.nn.relu(tf.matmul(x, W1) + b1), sol[:-1]) + sol[-1]

    net = Mlp()
    tf.saved_model.save(net, str(tmp_path / "mlp"), signatures=net.__call__.get_concrete_function())
    want = np.argmax(net(tf.constant(X)).numpy(), axis=1)
    assert np.mean(want == y) > 0.8
    zk = from_tensorflow(tmp_path / "mlp", X)
    proof = zk.prove(X[100])
    assert zk.verify(proof)
    assert zk.decode_proof(proof) == want[100]


def test_saved_model_that_updates_its_variables_is_refused(tf, tmp_path) -> None:
    from stdlib_ml import from_tensorflow

    class Counting(tf.Module):   # as a batch norm in training mode updates its moving statistics
        def __init__(self) -> None:
            super().__init__()
            self.W, self.seen = tf.Variable(np.eye(4, 3, dtype=np.float32)), tf.Variable(0.0)

        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
        def __call__(self, x: Any) -> Any:
            self.seen.assign_add(1.0)
            return tf.matmul(x, self.W) * self.seen

    net = Counting()
    x = tf.constant(np.ones((2, 4), np.float32))
    assert not np.array_equal(net(x).numpy(), net(x).numpy())   # the oracle: each run differs
    tf.saved_model.save(net, str(tmp_path / "count"), signatures=net.__call__.get_concrete_function())
    with pytest.raises(ConversionError, match="updates a variable when the model runs"):
        from_tensorflow(tmp_path / "count", np.ones((4, 4), np.float32))
