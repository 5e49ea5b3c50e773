"""Bad input to the converters (issue 21): each kind gets a clear pyleo error saying what is wrong and how
to fix it, raised before anything is computed (no model file is written), from the Python API, from data
files and from `pyleo import`; corrupt model files are refused quickly and without a framework's
traceback."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import pyleo as pl
from stdlib_ml import convert
from stdlib_ml.convert import ConversionError, ModelInputError, from_sklearn

from .test_convert import _cli, _small


@pytest.fixture(scope="module")
def tree() -> tuple[Any, np.ndarray]:
    model, Xtr, _ = _small("decision_tree")
    return model, Xtr


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty model cache: a conversion refused before computing anything writes no model file there."""
    monkeypatch.setenv("PYLEO_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _row(values: list[Any], n: int = 4) -> list[list[Any]]:
    return [values + [1.0] * (n - len(values))]


BAD_ROWS = [
    # text
    (lambda X: [["a", "b", "c", "d"]], r"holds 'a' \(str\) at index \[0, 0\]: feature values must be numbers"),
    (lambda X: X.astype(str), r"holds <U\d+ values, not numbers"),
    (lambda X: [[1.0, "2.5", 3.0, 4.0]], r"holds '2.5' \(str\) at index \[0, 1\]"),
    # booleans (a JSON true is not 1.0 to a model)
    (lambda X: X > 3, r"holds booleans: a feature value must be a number"),
    (lambda X: [[True, 1.0, 2.0, 3.0]], r"holds True \(bool\) at index \[0, 0\]"),
    (lambda X: json.loads("[[1.5, false, 2, 3]]"), r"holds False \(bool\) at index \[0, 1\]"),
    # complex values (numpy would drop the imaginary part)
    (lambda X: X.astype(complex), r"complex numbers: a feature value is real \(the imaginary part"),
    (lambda X: [[1 + 2j, 1.0, 1.0, 1.0]], r"holds \(1\+2j\) \(complex\)"),
    # magnitudes past float32's range (scikit-learn: "Input X contains infinity or a value too large")
    (lambda X: X * 1e300, r"holds \d\.\d+e\+300 at index \[0, 0\]: feature values must lie within ±3\.4e\+38"),
    (lambda X: np.vstack([X, [[0.0, -1e39, 0.0, 0.0]]]), r"holds -1e\+39"),
    (lambda X: np.vstack([X, [[0.0, 0.0, 0.0, 3.5e38]]]), r"holds 3\.5e\+38"),
    # infinities
    (lambda X: np.vstack([X, [[np.inf, 0.0, 0.0, 0.0]]]), r"infinite values"),
    (lambda X: np.vstack([X, [[0.0, 0.0, -np.inf, 0.0]]]), r"infinite values"),
    # no complete row: a range and a self-check need real samples
    (lambda X: np.full((3, 4), np.nan), r"no complete row: each of its 3 row\(s\) has a missing value"),
    (lambda X: np.where(np.eye(4, dtype=bool), np.nan, 1.0), r"no complete row: each of its 4 row"),
    (lambda X: [[None, None, None, None]], r"no complete row"),
    # shapes
    (lambda X: [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0]], r"rows have different lengths"),
    (lambda X: X[0], r"must be a 2-D array of samples .* got shape \(4,\)"),
    (lambda X: X[:0], r"X has no rows"),
    (lambda X: X[:, :3], r"X has 3 features; the model takes 4"),
    # rows of another shape holding 4 values each were flattened silently (scikit-learn refuses a 3-D X)
    (lambda X: X.reshape(-1, 2, 2), r"must be a 2-D array of samples \(n_samples, n_features\), got shape \(\d+, 2, 2\)"),
    (lambda X: {"a": 1}, r"holds \{'a': 1\} \(dict\): feature values must be numbers"),
]


@pytest.mark.parametrize("make, message", BAD_ROWS)
def test_bad_calibration_rows_are_refused_before_anything_is_computed(tree: Any, cache: Path, make: Any,
                                                                      message: str) -> None:
    model, X = tree
    with pytest.raises(ModelInputError, match=message) as info:
        from_sklearn(model, make(X))
    assert info.value.message.startswith("X ")
    assert not (cache / "models").exists()


@pytest.mark.parametrize("make, message", BAD_ROWS[:9])
def test_bad_samples_are_refused_by_a_converted_model(tree: Any, make: Any, message: str) -> None:
    model, X = tree
    zk = from_sklearn(model, X)
    with pytest.raises(ModelInputError, match=message.replace("X ", "")):
        zk.predict(make(X))
    with pytest.raises(ModelInputError):
        zk.encode(make(X))


def test_an_integer_past_float_s_range_is_refused_not_an_internal_error(tree: Any, tmp_path: Path) -> None:
    """A Python integer past float64's range (a 400-digit number on the command line, in a list of rows, in a raw
    row of a model with PREPARE) raised OverflowError from float(): an internal error; each is refused naming it."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import KBinsDiscretizer
    from sklearn.tree import DecisionTreeClassifier

    model, X = tree
    big = 10**400
    with pytest.raises(ModelInputError, match=r"holds an integer of 401 digits at index \[0, 0\]"):
        from_sklearn(model, [[big, 0.0, 0.0, 0.0], *X.tolist()])
    zk = from_sklearn(model, X)
    with pytest.raises(ModelInputError, match=r"integer of 401 digits at index \[0, 1\]"):
        zk.predict([[0.0, -big, 0.0, 0.0]])
    with pytest.raises(ModelInputError, match=r"integer of 401 digits at index \[2\]"):
        convert.parse_sample(f"[1, 2, {big}, 4]")
    binned = from_sklearn(make_pipeline(KBinsDiscretizer(3, encode="ordinal"), DecisionTreeClassifier()).fit(
        X, model.predict(X)), X)
    with pytest.raises(ModelInputError, match=r"sample 0, column 3 holds an integer of 401 digits"):
        binned.predict(np.asarray([[1.0, 2.0, 3.0, big]], dtype=object))


def test_samples_of_another_shape_are_refused_not_flattened(tree: Any) -> None:
    """A converted model took (n, 2, 2) or (n, 1, 4) samples for its 4 features, flattening them silently, in predict,
    encode and prove; the oracle: the fitted model refuses them. A table, one row, or one sample are taken."""
    model, X = tree
    zk = from_sklearn(model, X)
    for shaped in (X[:3].reshape(3, 2, 2), X[:3].reshape(3, 1, 4), X[:1].reshape(1, 2, 2)):
        with pytest.raises(ValueError):
            model.predict(shaped)
        for call in (zk.predict, zk.encode, zk.prove):   # prove: refused before anything is proved
            with pytest.raises(ModelInputError, match=rf"takes samples shaped \(n, 4\), got shape \({len(shaped)}, "):
                call(shaped)
    with pytest.raises(ModelInputError, match="prove takes one sample, got 2"):
        zk.prove(X[:2])
    assert zk.predict(X[:3]).tolist() == model.predict(X[:3]).tolist()
    assert zk.predict(X[0]).tolist() == model.predict(X[:1]).tolist()


def _write(path: Path, data: Any) -> Path:
    if isinstance(data, str):
        path.write_text(data)
    elif isinstance(data, bytes):
        path.write_bytes(data)
    else:
        np.save(path, data, allow_pickle=False)
    return path


def _npy_header(shape: tuple[int, ...]) -> bytes:
    """A .npy file's header alone, claiming an array of ``shape`` (float64) that the file does not hold."""
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return out.getvalue()


BAD_FILES = [
    ("text.csv", "a,b,c,d\nsetosa,virginica,x,y\n", r"text\.csv, line 2, column 1: 'setosa' is not a number"),
    ("one.csv", "1.0,2.0,3.0,4.0\n5.0,abc,7.0,8.0\n", r"one\.csv, line 2, column 2: 'abc' is not a number"),
    ("true.csv", "1,2,3,True\n", r"true\.csv, line 1, column 4: 'True' is not a number"),
    ("nan.csv", "nan,nan,nan,nan\n,,,\nNaN,1,2,3\n", r"nan\.csv has no complete row: each of its 3 row"),
    ("ragged.csv", "1,2,3,4\n1,2,3\n", r"ragged\.csv, line 2: 3 values where the first row has 4"),
    ("header.csv", "a,b,c,d\n", r"header\.csv has no rows of numbers"),
    ("latin.csv", b"1,2,3,\xe9\n", r"latin\.csv is not a text CSV file"),
    ("huge.csv", "1,2,3,4\n1e300,2,3,4\n", r"huge\.csv holds 1e\+300 at index \[1, 0\]"),
    ("complex.npy", (np.arange(8) + 1j).reshape(2, 4), r"complex\.npy holds complex numbers"),
    ("huge.npy", np.full((2, 4), 1e300), r"huge\.npy holds 1e\+300"),
    ("bool.npy", np.ones((2, 4), dtype=bool), r"bool\.npy holds booleans"),
    ("text.npy", np.asarray([["a", "b"]]), r"text\.npy holds <U1 values, not numbers"),
    ("nan.npy", np.full((5, 4), np.nan), r"nan\.npy has no complete row"),
    ("empty.npy", np.zeros((0, 4)), r"empty\.npy has no rows"),
    ("damaged.npy", b"\x93NUMPY garbage", r"damaged\.npy could not be read as rows of numbers"),
    # 128 bytes claiming 10^12 rows: numpy allocated 29 TiB first ("internal error: MemoryError")
    ("lying.npy", _npy_header((10**12, 4)), r"lying\.npy could not be read as rows of numbers"),
    ("rows.txt", "1,2,3,4\n", r"rows\.txt: calibration rows must be a \.npy or \.csv file"),
]


@pytest.mark.parametrize("name, data, message", BAD_FILES, ids=[f[0] for f in BAD_FILES])
def test_bad_data_files_are_refused_naming_the_place(tmp_path: Path, name: str, data: Any, message: str) -> None:
    with pytest.raises(ModelInputError, match=message):
        convert.load_rows(_write(tmp_path / name, data))


def test_good_data_files_still_read(tmp_path: Path) -> None:
    X = convert.load_rows(_write(tmp_path / "h.csv", "sepal length,sepal width\n1.5,\n2,3.25\n"))
    assert np.array_equal(X, [[1.5, np.nan], [2.0, 3.25]], equal_nan=True)
    assert convert.load_rows(_write(tmp_path / "n.csv", "nan,1\n-2e3,\"4\"\n")).tolist()[1] == [-2000.0, 4.0]
    images = np.arange(24, dtype=np.float32).reshape(2, 1, 3, 4)
    # images stay as they are: the model they go to takes them only when its input has their shape, never flattened
    assert convert.load_rows(_write(tmp_path / "i.npy", images)).shape == (2, 1, 3, 4)


def test_a_csv_header_names_the_columns_of_a_model_that_knows_its_names(tmp_path: Path) -> None:
    """A CSV whose header line names its columns in another order than the model's features was read position by
    position (prove-batch, execute --rows, import --data and the web upload proved or calibrated other samples):
    with the model's names, load_rows takes the columns by name; a header naming no column of a feature, naming
    one twice or of another width than the rows is refused; without names or a header, columns stay in order."""
    text = "petal,sepal,extra\n1,2,3\n4,5,6\n"
    assert convert.load_rows(_write(tmp_path / "r.csv", text), names=["sepal", "petal"]).tolist() == [[2, 1], [5, 4]]
    assert convert.load_rows(_write(tmp_path / "r.csv", text)).tolist() == [[1, 2, 3], [4, 5, 6]]
    assert convert.load_rows(_write(tmp_path / "n.csv", "1,2\n3,4\n"), names=["b", "a"]).tolist() == [[1, 2], [3, 4]]
    for bad, said in [("petal,width\n1,2\n", "names no column 'sepal'"), ("sepal,sepal\n1,2\n", "'sepal' twice"),
                      ("sepal,petal,x\n1,2\n", "names 3 columns, its rows have 2")]:
        with pytest.raises(ModelInputError, match=said):
            convert.load_rows(_write(tmp_path / "b.csv", bad), names=["sepal", "petal"])
    assert convert.csv_header('"a", b\n1,2') == ["a", "b"] and convert.csv_header("1,nan,\n") is None


@pytest.mark.slow   # three fresh processes importing scikit-learn (~5 s each)
def test_cli_import_refuses_bad_data_with_a_clear_error(tree: Any, tmp_path: Path) -> None:
    import joblib

    model, X = tree
    joblib.dump(model, tmp_path / "tree.joblib")
    for name, data, message in [("X_huge.npy", X * 1e300, "feature values must lie within"),
                                ("strings.csv", "a,b,c,d\nx,y,z,w\n", "'x' is not a number"),
                                ("gaps.csv", "nan,nan,nan,nan\nnan,nan,nan,nan\n", "no complete row")]:
        r = _cli("import", str(tmp_path / "tree.joblib"), "--data", str(_write(tmp_path / name, data)), "--out",
                 str(tmp_path / "tree.py"), cwd=tmp_path)
        assert r.returncode == 1 and r.stderr.startswith("error: ") and message in r.stderr, r.stderr
        assert "internal error" not in r.stderr and "Traceback" not in r.stderr
        assert not (tmp_path / "tree.py").exists()


def test_bad_options_raise_pyleo_errors_naming_the_valid_values(tree: Any, cache: Path) -> None:
    model, X = tree
    cases = [
        (dict(weights="secret"), r"weights must be one of 'public', 'private', got 'secret'"),
        (dict(inputs=1), r"inputs must be one of 'private', 'public', got 1"),
        (dict(output=["public"]), r"output must be one of 'public', 'private', 'commitment'"),
        (dict(check_rows="all"), r"check_rows must be a positive number of rows or None"),
        (dict(check_rows=0), r"check_rows must be a positive number"),
        (dict(min_agreement="high"), r"min_agreement and max_error must be numbers"),
        (dict(max_error=None), r"min_agreement and max_error must be numbers"),
        (dict(min_agreement=1.5), r"min_agreement must lie in \[0, 1\]"),
        (dict(strict="no"), r"strict must be True or False"),
        (dict(name=5), r"name must be a string"),
        (dict(name="Bad-Name"), r"invalid program name 'Bad-Name'"),
        (dict(name="program"), r"invalid program name 'program': `program` is a word snarkVM reserves"),   # snarkVM refused it later
        (dict(name="record"), r"invalid program name 'record': `record` is a word snarkVM reserves"),
        (dict(missing_values="yes"), r"missing_values must be True, False or None"),
        (dict(input_range="abc"), r"input_range must be a bound r"),
        (dict(input_range=(5, 1)), r"input_range must be finite with low < high"),
        (dict(input_bits="abc"), r"input_bits must be an int or one int per feature"),
        (dict(input_bits=99), r"input_bits must lie in \[0, 60\]"),
    ]
    for options, message in cases:
        with pytest.raises(ConversionError, match=message):
            from_sklearn(model, X, **options)
    for model_arg, message in [(None, "NoneType is not a scikit-learn estimator"),
                               ("model.joblib", "str is not a scikit-learn estimator"),
                               (object(), "object is not a scikit-learn estimator")]:
        with pytest.raises(ConversionError, match=message) as info:
            from_sklearn(model_arg, X)
        assert "supported: " in (info.value.hint or "")
    assert not (cache / "models").exists()


def test_bad_options_of_files_and_other_frontends(tree: Any, tmp_path: Path) -> None:
    import joblib

    model, X = tree
    joblib.dump(model, tmp_path / "m.joblib")
    with pytest.raises(ConversionError, match=r"'bogus' is not an option of from_sklearn") as info:
        convert.from_file(tmp_path / "m.joblib", X, bogus=1)
    assert "input_range" in (info.value.hint or "")
    with pytest.raises(ConversionError, match="resolution applies to neural networks"):
        convert.from_file(tmp_path / "m.joblib", X, resolution=8)
    with pytest.raises(ModelInputError, match="no such model file"):
        convert.from_file(tmp_path / "missing.joblib", X)
    with pytest.raises(ConversionError, match="int is not an XGBoost model"):
        convert.from_xgboost(5, X)
    with pytest.raises(ModelInputError, match="expected an ONNX file path or an onnx.ModelProto, got int"):
        convert.from_onnx(5, X)
    with pytest.raises(ConversionError, match=r"'bogus': not options of from_onnx"):
        convert.from_onnx(tmp_path / "x.onnx", X, bogus=1)


def test_bad_arguments_to_a_converted_model_raise_pyleo_errors(tree: Any, tmp_path: Path) -> None:
    model, X = tree
    zk = from_sklearn(model, X)
    for call, message in [
        (lambda: zk.prove("abc"), r"the sample holds <U3 values, not numbers"),
        (lambda: zk.prove([True, 1, 2, 3]), r"the sample holds True \(bool\)"),
        (lambda: zk.predict(None), r"takes samples shaped \(n, 4\), got shape \(\)"),
        (lambda: zk.predict(X[:1], backend=3), r"unknown backend 3; use one of 'interpreter', 'vm'"),
        (lambda: zk.encode([[1, 2, 3, 4], [1]]), r"rows have different lengths"),
        (lambda: zk.codes("x"), r"holds <U1 values"),
        (lambda: zk.label_commitment("a", 1), r"label_commitment takes two integers"),
        (lambda: zk.opening({"a": 1}), r"has public weights"),
        (lambda: zk.decode(["x"]), r"outputs are integers"),
        (lambda: zk.save(5), r"save takes a file path, got int"),
    ]:
        with pytest.raises(pl.InputError, match=message):
            call()


def test_private_weights_opening_refuses_other_shapes(tree: Any) -> None:
    model, X = tree
    zk = from_sklearn(model, X, weights="private")
    for weights, message in [({"a": 1}, r"weights must be a dict of .*'LEAVES'"), (5, r"got int"),
                             ({n: [[1.5]] for n in zk.module.PARAM_BITS}, r"is not an integer")]:
        with pytest.raises(ModelInputError, match=message):
            zk.opening(weights)


def _keras_files(d: Path) -> list[tuple[Path, str]]:
    (d / "random.keras").write_bytes(os.urandom(4096))
    (d / "header.keras").write_bytes(b"PK\x03\x04" + os.urandom(4096))
    with zipfile.ZipFile(d / "noconfig.keras", "w") as z:
        z.writestr("model.weights.h5", b"weights")
    with zipfile.ZipFile(d / "badjson.keras", "w") as z:
        z.writestr("config.json", "{not json")
        z.writestr("model.weights.h5", b"weights")
    with zipfile.ZipFile(d / "noweights.keras", "w") as z:
        z.writestr("config.json", json.dumps({"class_name": "Sequential", "config": {}}))
    with zipfile.ZipFile(d / "list.keras", "w") as z:
        z.writestr("config.json", "[1, 2]")
        z.writestr("model.weights.h5", b"weights")
    return [(d / "random.keras", "not a zip archive"), (d / "header.keras", "not a zip archive"),
            (d / "noconfig.keras", "has no config.json"), (d / "badjson.keras", "config.json is not JSON"),
            (d / "noweights.keras", "holds no weights"), (d / "list.keras", "does not describe a model")]


def test_corrupt_keras_files_are_refused_in_milliseconds(tmp_path: Path) -> None:
    for path, message in _keras_files(tmp_path):
        start = time.perf_counter()
        with pytest.raises(ModelInputError, match=rf"{path.name} is not a readable Keras model: the file is damaged, "
                                                  rf"truncated or of another format \(.*{message}"):
            convert.from_keras(path)
        assert time.perf_counter() - start < 1.0   # the archive is checked before Keras is imported


def test_corrupt_pt2_files_are_refused_without_torch_output(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    (tmp_path / "random.pt2").write_bytes(os.urandom(4096))
    with zipfile.ZipFile(tmp_path / "zip.pt2", "w") as z:
        z.writestr("archive/data.pkl", b"not a pickle")
        z.writestr("archive/version", b"garbage")
    for name in ("random.pt2", "zip.pt2"):
        with pytest.raises(ModelInputError, match=rf"{name} is not a readable torch.export program \(\.pt2\): the file "
                                                  "is damaged, truncated or of another format"):
            convert.from_torch(tmp_path / name)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_cli_errors_about_data_rows_name_the_file_not_x(tmp_path: Path) -> None:
    """The library names calibration rows after its argument ``X``; `pyleo import --data FILE` says FILE (rows of
    another width, of another shape, and a NaN where the model has no missing-value semantics)."""
    import joblib
    from sklearn.linear_model import LogisticRegression
    from typer.testing import CliRunner

    from pyleo_cli.main import app

    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 4))
    joblib.dump(LogisticRegression().fit(X, X[:, 0] > 0), tmp_path / "lr.joblib")
    gaps = X.copy()
    gaps[:3, 1] = np.nan
    for name, rows, says in [("narrow.npy", X[:, :3], "has 3 features; the model takes 4"),
                             ("cubes.npy", X.reshape(-1, 2, 2), "must be a 2-D array of samples"),
                             ("gaps.npy", gaps, "has missing values (NaN)")]:
        np.save(tmp_path / name, rows)
        done = CliRunner().invoke(app, ["import", str(tmp_path / "lr.joblib"), "--data", str(tmp_path / name),
                                        "--out", str(tmp_path / "lr.py")])
        assert done.exit_code == 1 and f"error: {tmp_path / name} {says}" in done.output, done.output
        assert not (tmp_path / "lr.py").exists()
