"""An MLP 4→16→3 with ReLU on iris, trained by scikit-learn, written with stdlib_ml, proved on Aleo.

    python examples/iris_mlp.py          # accuracy of the float model and of the circuit, then a proof

Load data, fit, quantize, write the model as a pyleo function, prove one prediction, verify it.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import pyleo as pl
from stdlib_ml import activations, fixed, linalg, reduce

# 1. Data and a float model, as usual.
X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=3000, random_state=0).fit(X_train, y_train)

# 2. Fixed point: inputs and weights at 2^8; layer 1 at 2^16, layer 2 at 2^24 (scales grow, no division).
IN_BITS, W_BITS = fixed.DEFAULT_INPUT_BITS, fixed.DEFAULT_WEIGHT_BITS
W1 = fixed.quantize(mlp.coefs_[0].T, W_BITS)                      # 16×4
B1 = fixed.quantize(mlp.intercepts_[0], IN_BITS + W_BITS)          # at the scale of W1·x
W2 = fixed.quantize(mlp.coefs_[1].T, W_BITS)                      # 3×16
B2 = fixed.quantize(mlp.intercepts_[1], IN_BITS + 2 * W_BITS)

# 3. Widths of the sign tests from worst-case bounds over the input range seen in training (+ margin).
IN_BOUND = int(np.abs(X).max() * 2 * 2**IN_BITS)
H_BOUND = fixed.dense_bound(W1, B1, IN_BOUND)
OUT_BOUND = fixed.dense_bound(W2, B2, H_BOUND)
relu = activations.relu_vec(fixed.sign_bits(H_BOUND))
argmax = reduce.argmax(fixed.sign_bits(2 * OUT_BOUND))


@pl.function
def predict(x: pl.Array[pl.U64, 4]) -> pl.Public[pl.U8]:
    """Class of one iris flower (x: 4 features, fixed.encode'd)."""
    h = relu(linalg.dense(W1, linalg.from_offset(x), B1))
    return argmax(linalg.dense(W2, h, B2))


prog = pl.Program("iris_mlp_model", [predict])


def circuit_predictions(samples: np.ndarray) -> np.ndarray:
    """Labels computed with the circuit's exact semantics (reference interpreter)."""
    return np.array([predict(fixed.encode(s, IN_BITS)) for s in samples])


if __name__ == "__main__":
    float_acc = mlp.score(X_test, y_test)
    circuit = circuit_predictions(X_test)
    print(f"float model accuracy (held-out): {float_acc:.4f}")
    print(f"circuit accuracy (held-out):     {np.mean(circuit == y_test):.4f}")
    print(f"label agreement with float:      {np.mean(circuit == mlp.predict(X_test)):.4f}")
    print(f"constraints: {prog.cost('predict'):,}")
    proof = prog.prove("predict", fixed.encode(X_test[0], IN_BITS))
    label = int(proof.outputs[0].removesuffix("u8"))   # the circuit's output: the class index, a u8 literal
    print(f"proved: class {label} (float model: {mlp.predict(X_test[:1])[0]}); verified: {prog.verify(proof)}")
