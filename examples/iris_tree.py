"""A decision tree on iris, trained by scikit-learn, converted by stdlib_ml, proved on Aleo.

    python examples/iris_tree.py         # accuracy of the float model and of the circuit, a proof, the model file
    pyleo run examples/iris_tree.py predict '[5.1, 3.5, 1.4, 0.2]'    # every pyleo command takes this file

Load data, fit, convert (one call), predict with the circuit's semantics and with snarkVM, prove one
prediction, verify it, and save the generated pyleo source to the temporary folder (a model file: build
it with `pyleo build`, or run, prove and cost it as this file).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

from stdlib_ml import from_sklearn

# 1. Data and a float model, as usual.
X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
clf = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X_train, y_train)

# 2. Convert: thresholds quantized at the inputs' scale; one sign test per node, as narrow (u8 … u64) as
#    that node's feature range allows (the model file's WIDTHS).
zk = from_sklearn(clf, name="iris_tree_model")

if __name__ == "__main__":
    circuit = zk.predict(X_test)                           # the circuit's exact semantics (interpreter)
    print(f"float model accuracy (held-out): {clf.score(X_test, y_test):.4f}")
    print(f"circuit accuracy (held-out):     {np.mean(circuit == y_test):.4f}")
    print(f"label agreement with float:      {np.mean(circuit == clf.predict(X_test)):.4f}")
    print(f"snarkVM on 5 samples:            {zk.predict(X_test[:5], backend='vm')} (float: {clf.predict(X_test[:5])})")
    print(f"constraints: {zk.cost():,}")
    proof = zk.prove(X_test[0])
    print(f"proved: class {zk.decode_proof(proof)} (float model: {clf.predict(X_test[:1])[0]}); "
          f"verified: {zk.verify(proof)}")
    out = zk.save(Path(tempfile.gettempdir()) / "iris_tree_model.py")
    print(f"model source written to {out} (pyleo build {out})")
