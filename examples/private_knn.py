"""A private model under a public commitment: a nearest-neighbour classifier whose reference samples stay secret.

    python examples/private_knn.py [--out DIR]   # DIR keeps the files (default: a temporary folder)

A model owner fits a k-nearest-neighbours classifier on a few labelled reference flowers and wants to
sell predictions without revealing them. It converts the model with ``weights="private"``: the
reference points and their labels become private inputs of the circuit, which also outputs a public
Poseidon2 commitment to them. The owner publishes the program and the commitment once (``public.json``,
what ``pyleo commit`` writes); each prediction then comes with a proof that anyone can check against
that commitment, so the owner cannot quietly swap in other reference samples. The steps: load data, fit,
convert, publish the commitment, prove a prediction, verify it as a third party would (with
``public.json`` only), and see a proof made with other weights rejected.

From the command line the same flow is ``pyleo import knn.joblib --data X.npy --weights private``,
``pyleo commit knn_model.py --out public.json``, ``pyleo prove knn_model.py predict "[5.9, 3.0, 5.1, 1.8]"``
and ``pyleo verify predict.proof.json --public-model public.json``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from pyleo import vm
from stdlib_ml import from_sklearn

# 1. Data and a float model, as usual: 8 reference flowers (what fits one local proof), k = 3.
X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
X_ref, _, y_ref, _ = train_test_split(X_train, y_train, train_size=8, random_state=0, stratify=y_train)
knn = KNeighborsClassifier(n_neighbors=3).fit(X_ref, y_ref)

# 2. Convert with private weights. The calibration rows size the circuit's public input range (it must
#    not come from the private points) and the conversion checks itself against knn.predict on them.
zk = from_sklearn(knn, X_ref, weights="private", name="private_knn")


def main(out: Path) -> None:
    circuit = zk.predict(X_test)                           # the circuit's exact semantics (interpreter)
    print(f"float model accuracy (held-out): {knn.score(X_test, y_test):.4f}")
    print(f"circuit accuracy (held-out):     {np.mean(circuit == y_test):.4f}")
    print(f"label agreement with float:      {np.mean(circuit == knn.predict(X_test)):.4f}")

    # 3. Publish: the program, its checksum and the commitment; no reference point, no label.
    public = zk.save_public(out / "public.json")
    owner = zk.save(out / "private_knn_model.py")          # the owner's secret (mode 0600): weights + blinding
    published = json.loads(public.read_text())
    print(f"published {public.name}: checksum {published['checksum']}, commitment {published['commitment']}")
    print(f"owner's model file (keep it secret): {owner}")

    # 4. Prove one prediction; the proof file is what the owner hands out with the answer.
    x = X_test[0]
    proof = zk.prove(x)
    proof.save(out / "predict.proof.json")
    print(f"constraints: {proof.constraints:,}")
    print(f"proved: class {zk.decode_proof(proof)} (float model: {knn.predict(x[None])[0]})")

    # 5. A third party verifies with the published file only: this program, these committed weights.
    received = vm.Proof.load(out / "predict.proof.json")
    ok = vm.verify(received, program=published["program"], commitment=published["commitment"])
    print(f"verified: {ok}")

    # 6. The owner swaps in other weights (the same reference points, the labels rotated): snarkVM accepts
    #    the proof as a proof of the program, but its commitment is not the published one.
    other = {name: np.asarray(v, dtype=object).tolist() for name, v in zk.module.OWNER_WEIGHTS.items()}
    other["LABELS"] = [(label + 1) % 3 for label in other["LABELS"]]
    (encoded,) = zk.encode(x[None])
    forged = zk.program.prove("predict", encoded, zk.opening(other))
    print(f"proof with other weights: class {zk.decode_proof(forged)}, valid for the program: "
          f"{vm.verify(forged, program=published['program'])}, "
          f"accepted against the commitment: {vm.verify(forged, program=published['program'], commitment=published['commitment'])}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, help="folder for public.json, the owner's model file and the proof")
    args = ap.parse_args()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        main(args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
