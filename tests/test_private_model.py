"""Converted models with private weights under a public commitment (``weights="private"``), on snarkVM.

Oracles: the float model's own ``predict`` (the private-weight circuit computes the same labels),
snarkVM (a proof made with other weights of the same architecture is valid for the program but
rejected against the published commitment), and the text of every file meant for a verifier (no
weight and no blinding value in any encoding).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from pyleo import split, vm
from pyleo.errors import LimitError
from stdlib_ml import ConversionError, ModelInputError, fixed, from_sklearn, from_xgboost, load
from tests.test_privacy import assert_hides, pyleo

pytestmark = pytest.mark.needs_params


@pytest.fixture(scope="module")
def key_cache() -> Path:
    """The run's key cache (``PYLEO_CACHE_DIR``, else the user's), not the suite's fresh one (tests/conftest.py):
    this module damages no key and reads no cached file, and its private-weights logistic regression of iris
    is the program tests/test_forgery.py and tests/test_web.py prove, so its keys are synthesized once a run."""
    return vm.cache_dir()


@pytest.fixture(scope="module")
def iris_lr() -> tuple[object, np.ndarray]:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=1000).fit(X, y), X


def _secrets(zk) -> list[int]:
    """Every private number of a converted model: its weights (signed, offset-encoded, and the words they are
    packed into) and the blinding value."""
    bits = zk.module.PARAM_BITS   # an encoded 0 is the public offset 2**(bits-1) itself: not a secret
    values, encoded = [], []
    for k, p in zk.module.OWNER_WEIGHTS.items():
        flat = [int(v) for v in np.ravel(np.asarray(p, dtype=object))]
        values += [abs(v) for v in flat]
        encoded += [v + 2 ** (bits[k] - 1) for v in flat if v != 0]
    words = [int(w) for k, ws in zk.opening().items() if k != "r" for w in ws]
    r = int(zk.module.OWNER_BLINDING)
    return values + encoded + words + [r, r & (2**64 - 1), r >> 64]


def _owner_weights(zk) -> dict[str, list]:
    """A mutable copy of the owner's signed parameters (to build another model of the same architecture)."""
    return {k: np.asarray(v, dtype=object).tolist() for k, v in zk.module.OWNER_WEIGHTS.items()}


def test_private_weights_agree_with_the_float_model_and_leave_the_program(iris_lr) -> None:
    clf, X = iris_lr
    zk = from_sklearn(clf, X, weights="private")
    assert zk.weights == "private" and zk.fidelity["passed"] and zk.fidelity["rows"] == len(X)
    np.testing.assert_array_equal(zk.predict(X), clf.predict(X))
    aleo = zk.program.aleo()
    for v in _secrets(zk):
        assert str(v) not in aleo
    assert "hash.psd2" in aleo
    public = from_sklearn(clf, X)                      # the same model with public weights: they are in the program
    assert str(abs(int(public.module.W[2][2]))) in public.program.aleo()
    again = from_sklearn(clf, X, weights="private")    # a fresh blinding value: another commitment, same program
    assert again.commitment != zk.commitment and again.program.aleo() == aleo


def test_every_private_family_agrees_with_its_float_model(iris_lr) -> None:
    import xgboost
    from sklearn.cluster import KMeans
    from sklearn.ensemble import AdaBoostClassifier, GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import Ridge
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    from tests.test_convert_fidelity import _with_gaps
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    _, X = iris_lr
    y = (X[:, 2] > 2.5).astype(int) + (X[:, 3] > 1.7).astype(int)
    for model in (KMeans(3, n_init=3, random_state=0).fit(X), GaussianNB().fit(X, y),
                  make_pipeline(StandardScaler(), MLPClassifier((5,), max_iter=3000, random_state=0)).fit(X, y)):
        zk = from_sklearn(model, X, weights="private")
        assert zk.fidelity["agreement"] == 1.0 and zk.commitment.endswith("field")
        np.testing.assert_array_equal(zk.predict(X), model.predict(X))
        aleo, big = zk.program.aleo(), [v for v in _secrets(zk) if v >= 10**5]   # (small ones occur anyway)
        assert big and not any(str(v) in aleo for v in big)
    trees = (DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y),
             GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, y),
             xgboost.XGBClassifier(n_estimators=3, max_depth=2, n_jobs=1).fit(X, y))
    for model in trees:   # thresholds and leaf values private: none of them in the program
        zk = (from_xgboost if isinstance(model, xgboost.XGBClassifier) else from_sklearn)(model, X, weights="private")
        assert zk.fidelity["agreement"] == 1.0 and set(zk.module.OWNER_WEIGHTS) >= {"THRESHOLDS", "LEAVES"}
        np.testing.assert_array_equal(zk.predict(X), model.predict(X))
        aleo, big = zk.program.aleo(), [v for v in _secrets(zk) if v >= 10**5]
        assert big and not any(str(v) in aleo for v in big)
    Xg, yg = _with_gaps(3)   # missing values sent both ways: the copies' check and private thresholds together
    rf = RandomForestClassifier(4, max_depth=3, random_state=0).fit(Xg, yg)
    zk = from_sklearn(rf, Xg, weights="private")
    assert len(zk.columns) > zk.n_features and zk.fidelity["agreement"] == 1.0
    Xn, _ = _with_gaps(4)
    np.testing.assert_array_equal(zk.predict(Xn), rf.predict(Xn))
    for model in (SVC(kernel="linear").fit(X, y), AdaBoostClassifier(n_estimators=4, random_state=0).fit(X, y)):
        zk = from_sklearn(model, X, weights="private")   # one-vs-one votes; weighted stumps
        np.testing.assert_array_equal(zk.predict(X), model.predict(X))
    for model in (Ridge().fit(X[:, :3], X[:, 3]), MLPRegressor(hidden_layer_sizes=(4,), max_iter=3000, random_state=0).fit(X[:, :3], X[:, 3])):
        zk = from_sklearn(model, X[:, :3], weights="private")
        want = model.predict(X[:, :3])
        assert np.max(np.abs(zk.predict(X[:, :3]) - want)) <= 1e-3 * np.ptp(want)


def _iris_knn(points: int, k: int = 3, seed: int = 0):
    """A KNN fitted on ``points`` random iris rows; the other rows held out."""
    from sklearn.datasets import load_iris
    from sklearn.neighbors import KNeighborsClassifier

    X, y = load_iris(return_X_y=True)
    idx = np.random.RandomState(seed).permutation(len(X))
    train, test = idx[:points], idx[points:]
    return KNeighborsClassifier(k).fit(X[train], y[train]), X[train], X[test]


def test_private_knn_votes_over_private_labels_as_scikit_learn() -> None:
    """Training points, labels (and a scaler's factors) private: the held-out labels are the float
    model's, vote ties included (even k: the smallest class), and none of them is in the program."""
    from sklearn.datasets import load_wine
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    for points, k in ((8, 3), (12, 4), (30, 5)):
        knn, Xtr, Xte = _iris_knn(points, k)
        zk = from_sklearn(knn, Xtr, weights="private")
        assert set(zk.module.OWNER_WEIGHTS) == {"POINTS", "LABELS"} and zk.fidelity["agreement"] == 1.0
        np.testing.assert_array_equal(zk.predict(Xte), knn.predict(Xte))
        public = {abs(int(v)) for v in zk.module.INPUT_ZERO}   # the input encoding's offsets are public constants
        aleo, big = zk.program.aleo(), [v for v in _secrets(zk) if v >= 1000 and v not in public]
        assert big and not any(re.search(rf"(?<!\w){v}(?!\d)", aleo) for v in big)   # (not register r2048)
        if k == 4:   # the vote ties on some held-out rows: scikit-learn takes the smallest class, so must the circuit
            top2 = np.sort(knn.predict_proba(Xte), axis=1)[:, -2:]
            assert (top2[:, 0] == top2[:, 1]).any()
    X, y = load_wine(return_X_y=True)
    idx = np.random.RandomState(1).permutation(len(X))
    pipe = make_pipeline(StandardScaler(), KNeighborsClassifier(4)).fit(X[idx[:20]], y[idx[:20]])
    zk = from_sklearn(pipe, X[idx[:20]], weights="private")
    assert set(zk.module.OWNER_WEIGHTS) == {"POINTS", "SCALE", "LABELS"}   # the scaler's factors are private too
    np.testing.assert_array_equal(zk.predict(X[idx[20:]]), pipe.predict(X[idx[20:]]))
    with pytest.raises(ConversionError, match="needs calibration rows X"):
        from_sklearn(knn, weights="private")
    with pytest.raises(ConversionError, match="weights must be one of 'public', 'private', got 'secret'"):
        from_sklearn(knn, Xtr, weights="secret")


def test_owner_file_with_unpacked_weights_is_refused(tmp_path: Path) -> None:
    """A model file written before the weights were packed (no PARAM_PACKING) gets a clear error, not a
    type error from the circuit."""
    knn, Xtr, _ = _iris_knn(6)
    old = tmp_path / "old.py"
    old.write_text(from_sklearn(knn, Xtr, weights="private").source.replace("PARAM_PACKING = ", "_UNUSED = "))
    with pytest.raises(ModelInputError, match="carries its private weights unpacked"):
        load(old).commitment


@pytest.mark.slow
@pytest.mark.prove
def test_private_knn_proves_and_only_the_committed_points_pass(key_cache: Path, tmp_path: Path) -> None:
    """8 iris points, k = 3 (16,367 constraints): the proof's label is the float model's; the same points
    with other labels give a valid proof of the program that the commitment rejects; the proof file
    holds neither the words the points and labels travel in nor the blinding value."""
    knn, Xtr, Xte = _iris_knn(8)
    zk = from_sklearn(knn, Xtr, weights="private")
    x = Xte[3]
    proof = zk.prove(x)
    assert zk.decode_proof(proof) == knn.predict(x[None])[0] and zk.verify(proof)
    w = _owner_weights(zk)
    w["LABELS"] = [(v + 1) % 3 for v in w["LABELS"]]
    (enc,) = zk.encode(x[None])
    forged = zk.program.prove("predict", enc, zk.opening(w))
    assert forged.outputs[0] != proof.outputs[0] and vm.verify(forged, program=zk.program.aleo())
    assert not zk.verify(forged)
    path = tmp_path / "knn.proof.json"
    proof.save(path)
    # the words the points and labels are packed into, and r (a 16-bit point's short hex occurs by chance)
    assert_hides(path, *[v for v in _secrets(zk) if v >= 10**5])
    bigger, Xb, _ = _iris_knn(12)   # beyond one local circuit: the error names the model's size
    with pytest.raises(LimitError, match=r"KNeighborsClassifier \(k=3, 12 training points, 4 features\), with private "
                                         r"weights: the circuit of `predict` is too large"):
        from_sklearn(bigger, Xb, weights="private").prove(Xb[0])


@pytest.mark.prove
def test_only_the_committed_weights_pass(iris_lr, key_cache: Path, tmp_path: Path) -> None:
    """Private weights and a public sample: the proof shows the sample, the label and the commitment."""
    clf, X = iris_lr
    zk = from_sklearn(clf, X, weights="private", inputs="public")
    x = X[120]
    proof = zk.prove(x)
    assert proof.public_outputs[1] == zk.commitment and zk.decode_proof(proof) == clf.predict(x[None])[0]
    (enc,) = zk.encode(x[None])
    assert proof.inputs == [f"[{', '.join(f'{v}u{zk.input_word_bits}' for v in enc)}]", None]  # x public; the weights private
    assert zk.verify(proof)

    # Another model of the same architecture: the committed weights with the classes' rows rotated.
    w = _owner_weights(zk)
    w["W"], w["B"] = w["W"][1:] + w["W"][:1], w["B"][1:] + w["B"][:1]
    forged = zk.program.prove("predict", enc, zk.opening(w))
    assert forged.outputs[0] != proof.outputs[0]                        # it answers differently …
    assert vm.verify(forged, program=zk.program.aleo())                 # … a valid proof of the program …
    assert not zk.verify(forged)                                        # … not of the committed model
    assert "not the published" in (vm.explain(forged, program=zk.program.aleo(), commitment=zk.commitment) or "")

    # The owner's file holds the weights; the proof and the verifier's file hold none of them.
    owner = zk.save(tmp_path / "owner.py")
    assert "MODEL OWNER'S SECRET" in owner.read_text()
    assert (owner.stat().st_mode & 0o077) == 0 and (zk.path.stat().st_mode & 0o077) == 0  # also the cached copy
    assert load(owner).commitment == zk.commitment
    proof_path, forged_path = tmp_path / "p.proof.json", tmp_path / "forged.proof.json"
    proof.save(proof_path)
    forged.save(forged_path)
    public = zk.save_public(tmp_path / "public.json")
    for path in (proof_path, public):
        assert_hides(path, *_secrets(zk))
    doc = json.loads(public.read_text())
    assert doc["commitment"] == zk.commitment and doc["checksum"] == zk.program.checksum()

    # The CLI: commit prints the same commitment; verify binds to the checksum and the commitment.
    c = pyleo("commit", str(owner), "--out", str(tmp_path / "c.json"), cache=key_cache)
    assert c.returncode == 0 and f"commitment: {zk.commitment}" in c.stdout, c.stderr
    assert json.loads((tmp_path / "c.json").read_text())["commitment"] == zk.commitment
    args = ["--checksum", doc["checksum"], "--commitment", doc["commitment"]]
    ok = pyleo("verify", str(proof_path), *args, cache=key_cache)
    assert ok.returncode == 0 and "the weights committed to" in ok.stdout, ok.stderr
    bad = pyleo("verify", str(forged_path), *args, cache=key_cache)
    assert bad.returncode == 1 and "INVALID" in bad.stderr and "Traceback" not in bad.stderr
    # … or to the verifier's file itself; one whose program was altered is refused before any check.
    ok = pyleo("verify", str(proof_path), "--public-model", str(public), cache=key_cache)
    assert ok.returncode == 0 and "the weights committed to" in ok.stdout, ok.stderr
    bad = pyleo("verify", str(forged_path), "--public-model", str(public), cache=key_cache)
    assert bad.returncode == 1 and "INVALID" in bad.stderr and "Traceback" not in bad.stderr
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps({**doc, "program": doc["program"].replace("predict", "predict ", 1)}))
    refused = pyleo("verify", str(proof_path), "--public-model", str(altered), cache=key_cache)
    assert refused.returncode == 1 and "was altered" in refused.stderr and "Traceback" not in refused.stderr
    other = pyleo("verify", str(proof_path), "--public-model", str(public), "--commitment", "1field", cache=key_cache)
    assert other.returncode == 1 and "differs" in other.stderr and "Traceback" not in other.stderr
    none = pyleo("commit", str(tmp_path / "p.proof.json"), cache=key_cache)
    assert none.returncode == 1 and "not a converted model file" in none.stderr and "Traceback" not in none.stderr


@pytest.mark.slow   # a key synthesis; the commitment's binding is proved by default with the logistic regression above
@pytest.mark.prove
def test_private_tree_thresholds_are_bound_by_the_commitment(iris_lr, key_cache: Path, tmp_path: Path) -> None:
    """A decision tree with private thresholds and leaves: its label on snarkVM is the float tree's; a
    proof with one threshold moved (same shape, another label) is rejected against the commitment."""
    from sklearn.tree import DecisionTreeClassifier

    _, X = iris_lr
    y = (X[:, 2] > 2.5).astype(int) + (X[:, 3] > 1.7).astype(int)
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    zk = from_sklearn(tree, X, weights="private")
    x = X[100]
    proof = zk.prove(x)
    assert zk.decode_proof(proof) == tree.predict(x[None])[0] and zk.verify(proof)
    (enc,) = zk.encode(x[None])
    w = _owner_weights(zk)
    f, top = zk.module.FOREST.feature[0], fixed.quantize(zk.input_high, zk.in_bits)   # the root's feature, range
    w["THRESHOLDS"][0] = int(top[f])   # every sample goes left
    forged = zk.program.prove("predict", enc, zk.opening(w))
    assert forged.outputs[0] != proof.outputs[0] and vm.verify(forged, program=zk.program.aleo())
    assert not zk.verify(forged)
    path = tmp_path / "tree.proof.json"
    proof.save(path)
    assert_hides(path, *[v for v in _secrets(zk) if v >= 10**5])   # the thresholds (leaves: class indices 0-2)


@pytest.mark.slow   # a key synthesis; a converted model's label commitment is proved by default in test_batch_forgery
@pytest.mark.prove
def test_label_published_as_a_commitment_by_the_cli(iris_lr, key_cache: Path, tmp_path: Path) -> None:
    """`pyleo import --output commitment`, then `pyleo prove`: the proof file holds the commitment to the
    label, not the label, the sample or r; (label, r) revealed later checks against it."""
    import joblib

    clf, X = iris_lr
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.save(tmp_path / "X.npy", X)
    imp = pyleo("import", str(tmp_path / "clf.joblib"), "--data", str(tmp_path / "X.npy"), "--output", "commitment",
                "--out", str(tmp_path / "clf.py"), cache=key_cache)
    assert imp.returncode == 0, imp.stderr
    zk = load(tmp_path / "clf.py")
    assert zk.output == "commitment"
    sample = "[" + ", ".join(f"{v}" for v in X[77]) + "]"
    out = pyleo("prove", str(tmp_path / "clf.py"), "predict", sample, "--out", str(tmp_path / "p.json"), cache=key_cache)
    assert out.returncode == 0, out.stderr
    r = int(out.stdout.split("label blinding r: ")[1].split("scalar")[0])
    proof = vm.Proof.load(tmp_path / "p.json")
    assert proof.inputs == [None, None] and zk.program.verify(proof)     # x and r private
    (enc,) = zk.encode(X[77:78])
    (label,) = zk.predict_raw(X[77:78])                                   # the circuit's label (interpreter)
    assert zk.decode([label])[0] == clf.predict(X[77:78])[0]
    assert zk.predict(X[76:79], backend="vm").tolist() == clf.predict(X[76:79]).tolist()  # snarkVM's commitments
    assert proof.public_outputs == [zk.label_commitment(label, r)]       # the reveal (label, r) checks out …
    assert all(proof.public_outputs[0] != zk.label_commitment(k, r) for k in range(3) if k != label)  # … no other
    assert_hides(tmp_path / "p.json", r, *map(int, enc))


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.parametrize("weights", ["public", "private"])
@pytest.mark.parametrize("inputs", ["private", "public"])
@pytest.mark.parametrize("output", ["public", "private", "commitment"])
def test_every_visibility_combination_on_snarkvm(key_cache: Path, weights: str, inputs: str, output: str) -> None:
    """Each combination of a binary 2-feature logistic regression proved and verified; the label (or
    its commitment) is the float model's. Private weights with a committed label need two hashes
    beside the transition: over the local 16,384-constraint bound for any model, which is named."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    X, y = X[:, 2:], (y == 2).astype(int)
    clf = LogisticRegression().fit(X, y)
    zk = from_sklearn(clf, X, weights=weights, inputs=inputs, output=output)
    np.testing.assert_array_equal(zk.predict(X), clf.predict(X))
    r = 987654321 if output == "commitment" else None
    if weights == "private" and output == "commitment":
        with pytest.raises(LimitError, match="the circuit of `predict` is too large for one circuit here"):
            zk.prove(X[60], label_blinding=r)
        return
    proof = zk.prove(X[60], label_blinding=r)
    assert zk.verify(proof) and (proof.inputs[0] is None) == (inputs == "private")
    want = int(clf.predict(X[60:61])[0])
    if output == "commitment":
        assert proof.public_outputs[0] == zk.label_commitment(want, r)
    else:
        assert zk.decode_proof(proof) == want and (proof.public_outputs[0] is None) == (output == "private")
    if weights == "private":
        assert proof.public_outputs[-1] == zk.commitment


def test_cli_refuses_bad_visibility_options(iris_lr, key_cache: Path, tmp_path: Path) -> None:
    """Unknown modes, private weights without calibration rows, and committing to public weights: exit 1
    with the reason, no traceback, no file written."""
    import joblib
    from sklearn.neighbors import KNeighborsClassifier

    clf, X = iris_lr
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.save(tmp_path / "X.npy", X)
    knn = KNeighborsClassifier(3).fit(X[:30], clf.predict(X[:30]))
    joblib.dump(knn, tmp_path / "knn.joblib")
    out = tmp_path / "m.py"
    for model, opts, message in (("clf", ["--output", "hidden"], "output must be one of 'public', 'private', "
                                  "'commitment', got 'hidden'"),
                                 ("clf", ["--weights", "secret"], "weights must be one of 'public', 'private'"),
                                 ("knn", ["--weights", "private"], "KNeighborsClassifier with private weights needs "
                                  "calibration rows X")):
        data = [] if model == "knn" else ["--data", str(tmp_path / "X.npy")]
        res = pyleo("import", str(tmp_path / f"{model}.joblib"), *data, *opts, "--out", str(out), cache=key_cache)
        assert res.returncode == 1 and message in res.stderr and "Traceback" not in res.stderr, res.stderr
        assert not out.exists()
    from_sklearn(clf, X).save(out)
    res = pyleo("commit", str(out), cache=key_cache)
    assert res.returncode == 1 and "has public weights" in res.stderr and "Traceback" not in res.stderr


def test_cli_imports_a_private_knn(key_cache: Path, tmp_path: Path) -> None:
    """`pyleo import --weights private` writes the owner's file (mode 0600, the float model's labels on
    held-out rows, private weights under a commitment); `pyleo commit` is tested with the logistic
    regression above."""
    import joblib

    knn, Xtr, Xte = _iris_knn(8)
    joblib.dump(knn, tmp_path / "knn.joblib")
    np.save(tmp_path / "X.npy", Xtr)
    out = tmp_path / "knn.py"
    res = pyleo("import", str(tmp_path / "knn.joblib"), "--data", str(tmp_path / "X.npy"), "--weights", "private",
                "--out", str(out), cache=key_cache)
    assert res.returncode == 0, res.stderr
    assert (out.stat().st_mode & 0o077) == 0
    zk = load(out)
    assert zk.weights == "private"
    np.testing.assert_array_equal(zk.predict(Xte), knn.predict(Xte))
    assert zk.commitment.endswith("field") and "OWNER_WEIGHTS" in out.read_text()


FITS = ["LogisticRegression (4 features, 3 classes)", "LinearRegression (3 features)",
        "LogisticRegression (2 features, binary)", "SVC linear (4 features, 3 classes, one-vs-one)",
        "KMeans (4 features, 3 clusters)", "GaussianNB (2 features, binary)", "MLPClassifier 2-2-1 (relu, binary)",
        "DecisionTreeClassifier (depth 3)", "DecisionTreeClassifier (depth 2)",
        "RandomForestClassifier (binary, 2 stumps)", "GradientBoostingClassifier (binary, 2 stumps)",
        "AdaBoostClassifier (binary, 2 stumps)", "XGBClassifier (binary, 2 trees of depth 1)",
        "KNeighborsClassifier (k=3, 6 points)", "KNeighborsClassifier (k=3, 8 points)",
        "MLPClassifier 4-4-3 (relu)", "AdaBoostClassifier (binary, 3 stumps)"]   # these two fit since inputs are packed
"""The models of benchmarks/privacy_costs.py whose private-weight circuit fits 16,384 constraints (one
per family at least; benchmarks/results/privacy_costs.md)."""

TOO_LARGE = ["GaussianNB (4 features, 3 classes)",
             "RandomForestClassifier (3 trees, depth 3)", "GradientBoostingClassifier (binary, 3 trees of depth 2)",
             "XGBClassifier (binary, 3 trees of depth 2)",
             "KNeighborsClassifier (k=3, 12 points)"]


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.parametrize("label", FITS + TOO_LARGE)
def test_each_family_proves_with_private_weights_or_names_its_size(key_cache: Path, label: str) -> None:
    """Each family's small model with private weights: proved and verified against its commitment with
    the float model's label where it fits one local circuit; otherwise refused, naming the model."""
    from benchmarks.privacy_costs import family_models
    from stdlib_ml import from_xgboost

    models = {name: (model, X) for name, model, X in family_models()}
    assert set(models) == set(FITS + TOO_LARGE)
    model, X = models[label]
    convert = from_xgboost if type(model).__module__.startswith("xgboost") else from_sklearn
    zk = convert(model, X, weights="private")
    x = X[len(X) // 2]
    if label in TOO_LARGE:   # more than one circuit: proved split (parts linked by commitments), or refused naming it
        try:
            proof = zk.prove(x)
        except LimitError as e:
            assert re.search("with private weights: the circuit of `predict` is too large", e.message), e.message
            return
        assert isinstance(proof, split.SplitProof) and len(proof.parts) > 1
    else:
        proof = zk.prove(x)
    assert zk.verify(proof) and proof.public_outputs[-1] == zk.commitment
    want = model.predict(x[None])[0]
    if zk.kind == "regressor":
        assert abs(zk.decode_proof(proof) - want) <= 1e-3 * np.ptp(model.predict(X))
    else:
        assert zk.decode_proof(proof) == want
