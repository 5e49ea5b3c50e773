"""from_keras: Keras 3 models on the torch backend, trained here (seeded, CPU, seconds) or with their
initial weights (layouts), converted, and compared label by label with Keras' own ``predict`` on
held-out rows; one proved and verified; unsupported layers, damaged files and a missing Keras fail
with one clear sentence."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")   # before Keras is imported: no TensorFlow
import keras  # noqa: E402  (the [keras] extra; dev installs it, pyproject.toml)
import torch  # noqa: E402

from sklearn.datasets import load_digits, load_iris  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from stdlib_ml import ConversionError, ModelInputError, from_keras  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """Tiny models train fastest on one thread (several oversubscribe a shared machine's cores)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def iris_mlp() -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0, stratify=y)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dropout(0.1),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    model.fit(Xtr, ytr, epochs=60, batch_size=len(Xtr), verbose=0)
    return model, Xtr, Xte, yte


def labels(model: Any, X: np.ndarray) -> np.ndarray:
    return model.predict(X, verbose=0).argmax(axis=1)


def test_keras_iris_mlp_gives_keras_labels() -> None:
    model, Xtr, Xte, yte = iris_mlp()
    zk = from_keras(model, Xtr)
    want = labels(model, Xte)
    assert (want == yte).mean() >= 0.9   # the model learned something
    np.testing.assert_array_equal(zk.predict(Xte), want)


@pytest.mark.slow   # a Keras network becomes the description a torch one does: test_convert_torch proves that by default
@pytest.mark.prove
def test_keras_iris_mlp_proves_and_verifies() -> None:
    model, Xtr, Xte, _ = iris_mlp()
    zk = from_keras(model, Xtr)
    want = labels(model, Xte)
    proof = zk.prove(Xte[0])
    assert zk.verify(proof) and proof.constraints <= 16384
    assert zk.decode_proof(proof) == want[0]


@pytest.mark.slow
def test_keras_digits_cnn_gives_keras_labels() -> None:
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split((X / 16.0).reshape(-1, 8, 8, 1), y, random_state=0)
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Flatten()(h)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    model.fit(Xtr, ytr, epochs=15, batch_size=128, verbose=0)
    zk = from_keras(model, Xtr, fit=False)   # the semantics at the default resolution, beyond what proves here
    want = labels(model, Xte)
    assert (want == yte).mean() >= 0.8   # the model learned something
    np.testing.assert_array_equal(zk.predict(Xte.reshape(len(Xte), -1)), want)


def test_functional_layers_and_channels_last_layout_match_keras() -> None:
    """A functional model with two branches (Conv1D, Add, Concatenate, BatchNormalization with moved
    statistics, pooling, Reshape, LeakyReLU, ReLU6): its initial weights, Keras' own labels."""
    keras.utils.set_random_seed(1)
    inputs = keras.Input((6, 2))
    a = keras.layers.Conv1D(3, 3, padding="same", activation="relu")(inputs)
    b = keras.layers.Conv1D(3, 1)(inputs)
    h = keras.layers.Add()([a, b])
    bn = keras.layers.BatchNormalization()
    h = bn(h)
    h = keras.layers.Concatenate()([h, keras.layers.LeakyReLU(0.1)(b)])
    h = keras.layers.AveragePooling1D(2)(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(5)(h)
    h = keras.layers.ReLU(max_value=6.0)(h)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(h))
    rng = np.random.default_rng(0)
    bn.moving_mean.assign(rng.normal(size=3).astype("float32"))
    bn.moving_variance.assign(rng.uniform(0.5, 2.0, size=3).astype("float32"))
    X = rng.normal(size=(200, 6, 2))
    zk = from_keras(model, X[:150])
    np.testing.assert_array_equal(zk.predict(X[150:].reshape(50, -1)), labels(model, X[150:]))


def test_image_layers_match_keras() -> None:
    """Strided Conv2D with relu6, GlobalAveragePooling2D and AveragePooling2D joined, hard_sigmoid,
    Reshape back to a sequence for a Conv1D with leaky_relu, Subtract, a Softmax layer: initial weights,
    Keras' own labels."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 2))
    h = keras.layers.Conv2D(4, 3, strides=2, activation="relu6")(inputs)
    pooled = keras.layers.Flatten()(keras.layers.AveragePooling2D(2)(h))
    z = keras.layers.Concatenate()([keras.layers.GlobalAveragePooling2D()(h), pooled])
    z = keras.layers.Reshape((3, 4))(keras.layers.Dense(12, activation="hard_sigmoid")(z))
    z = keras.layers.Flatten()(keras.layers.Conv1D(2, 2, activation="leaky_relu")(z))
    z = keras.layers.Subtract()([keras.layers.Dense(3)(z), keras.layers.Dense(3)(z)])
    model = keras.Model(inputs, keras.layers.Activation("softmax")(z))
    X = np.random.default_rng(0).normal(size=(300, 8, 8, 2))
    zk = from_keras(model, X[:200], fit=False)   # the layers as asked (~19,300 constraints: evaluated, not proved)
    np.testing.assert_array_equal(zk.predict(X[200:].reshape(100, -1)), labels(model, X[200:]))


def test_unsupported_layer_is_named_with_its_place_and_what_is_supported() -> None:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Lambda(lambda x: x * x, name="square"), keras.layers.Dense(3)])
    with pytest.raises(ConversionError) as err:
        from_keras(model, np.zeros((4, 4)))
    text = str(err.value)
    assert "layer 'square' (Lambda, layer 2 of 3)" in text and "Conv2D" in text
    softmax_inside = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax"),
                                       keras.layers.Dense(2)])
    with pytest.raises(ConversionError, match="softmax, which is supported only on the last layer"):
        from_keras(softmax_inside, np.zeros((4, 4)))


def test_damaged_and_missing_keras_files_are_clear_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelInputError, match="bad.keras is not a readable Keras model"):
        from_keras(bad, np.zeros((2, 4)))
    with pytest.raises(ModelInputError, match="no such Keras model file"):
        from_keras(tmp_path / "absent.keras", np.zeros((2, 4)))


def test_missing_keras_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins.__import__

    def no_keras(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "keras" or name.startswith("keras."):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_keras)
    with pytest.raises(ConversionError, match=r"install pyleo-zk\[keras\]"):
        from_keras("model.keras", np.zeros((2, 4)))


@pytest.mark.slow
def test_cli_imports_a_keras_file(tmp_path: Path) -> None:
    model, Xtr, Xte, _ = iris_mlp()
    model.save(tmp_path / "iris.keras")
    np.save(tmp_path / "X.npy", Xtr)
    out = tmp_path / "model.py"
    result = subprocess.run([sys.executable, "-m", "pyleo_cli.main", "import", str(tmp_path / "iris.keras"), "--data",
                             str(tmp_path / "X.npy"), "--out", str(out)], capture_output=True, text=True, cwd=ROOT,
                            timeout=300, env={**os.environ, "KERAS_BACKEND": "torch"})
    assert result.returncode == 0, result.stderr
    assert "fidelity: agreement 1.0000" in result.stdout
    from stdlib_ml import load

    np.testing.assert_array_equal(load(out).predict(Xte), labels(model, Xte))
