"""Classify iris flowers with a Keras MLP, then prove a prediction with zero knowledge.

    python examples/keras_iris.py [--out DIR]   # DIR keeps the model files and the proof (default: a temporary folder)

Load the data, build a small Sequential model, train it with ``fit``, convert it with ``from_keras``
(Keras 3 on the torch backend: no TensorFlow needed), compare the circuit's labels with the model's own
``predict``, then prove one prediction on snarkVM and verify the proof. From the command line the same
conversion is ``pyleo import iris.keras --data X_train.npy --out iris_model.py``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")   # before Keras is imported

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from pyleo import vm  # noqa: E402
from stdlib_ml import from_keras  # noqa: E402


def main(out: Path) -> None:
    torch.set_num_threads(1)          # a tiny model trains fastest on one thread
    keras.utils.set_random_seed(0)

    # 1. The data: 150 flowers, 4 measurements each, 3 species.
    x, y = load_iris(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)

    # 2. The model: a small Sequential network, trained as usual.
    model = keras.Sequential([
        keras.Input(shape=(4,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=60, batch_size=len(x_train), verbose=0)
    model.save(out / "iris.keras")

    # 3. Convert: the training rows size the circuit's input range, and the conversion checks itself
    #    against model.predict on them (every label must agree).
    zk = from_keras(out / "iris.keras", x_train, name="keras_iris")
    zk.save(out / "iris_model.py")    # the program's readable source: `pyleo build / run / prove` it

    float_labels = model.predict(x_test, verbose=0).argmax(axis=1)
    circuit_labels = zk.predict(x_test)   # the circuit's exact semantics (reference interpreter)
    print(f"float model accuracy (held-out): {np.mean(float_labels == y_test):.4f}")
    print(f"circuit accuracy (held-out):     {np.mean(circuit_labels == y_test):.4f}")
    print(f"label agreement with float:      {np.mean(circuit_labels == float_labels):.4f}")

    # 4. Prove one prediction and verify the proof as a third party would, from the saved file.
    proof = zk.prove(x_test[0])
    proof.save(out / "predict.proof.json")
    print(f"constraints: {proof.constraints:,}")
    print(f"proved: class {zk.decode_proof(proof)} (float model: {float_labels[0]})")
    print(f"verified: {zk.verify(vm.Proof.load(out / 'predict.proof.json'))}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, help="folder for iris.keras, iris_model.py and the proof")
    args = ap.parse_args()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        main(args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
