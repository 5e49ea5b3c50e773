"""Forged batches (issue 21): every field of a batch manifest is bound to what the verified proofs prove or
declared "not reported" (:data:`pyleo.trust.batch.MANIFEST_FIELDS` …), each row's identity and the batch's
size are inside its proof, and bad input to ``prove-batch`` fails at once, leaving nothing behind.

The oracle: the float model's ``predict`` (each proved row's prediction), snarkVM (a proof whose row input
was edited no longer verifies), and the honest batch's own verdict (an unreported field changes nothing).
The proofs are few and shared: one depth-2 tree on iris, 4 rows, proved once with 1 and once with 3 rows
per proof (the last proof of 3 holds 1 row)."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier

from pyleo.trust import batch
from stdlib_ml.convert import from_sklearn, prove_rows
from stdlib_ml.convert import load as load_model
from typer.testing import CliRunner

from pyleo_cli.main import app
from tests.test_cli import pyleo

pytestmark = [pytest.mark.needs_params, pytest.mark.prove]

ROWS = [0, 60, 120, 30]
"""Iris rows of classes 0, 1, 2, 0."""


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[DecisionTreeClassifier, np.ndarray, Path]:
    """A depth-2 tree on iris, its model file, and the rows proved."""
    X, y = load_iris(return_X_y=True)
    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    path = tmp_path_factory.mktemp("tree") / "tree.py"
    from_sklearn(model, X).save(path)
    return model, X[ROWS], path


@pytest.fixture(scope="module")
def batches(tree: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """The honest batch folders of the rows, with 1 and 3 rows per proof (proved in this process)."""
    _, rows, path = tree
    zk = load_model(path)
    folders = {}
    for k in (1, 3):
        folders[k] = tmp_path_factory.mktemp(f"batch-k{k}") / "batch"
        result = prove_rows.prove_many(zk, rows, folders[k], workers=1, progress=False, rows_per_proof=k)
        assert (result.proved, result.failed) == (len(rows), 0)
    return folders


def _copy(folder: Path, tmp_path: Path, edit: Callable[[dict[str, Any]], Any] | None = None) -> Path:
    """A copy of a batch folder, its manifest changed by ``edit`` (in place)."""
    out = tmp_path / f"forged-{folder.parent.name}"
    shutil.copytree(folder, out)
    if edit is not None:
        manifest = json.loads((out / batch.MANIFEST).read_text())
        edit(manifest)
        (out / batch.MANIFEST).write_text(json.dumps(manifest))
    return out


def _fields(verdict: batch.BatchVerdict) -> set[tuple[int | None, str]]:
    return {(row, name) for row, name, _ in verdict.problems}


def _label(k: int) -> str:
    return {1: "predict", 3: "predict_rows"}[k]


def _set(path: tuple[Any, ...], value: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        *parents, last = path
        target = manifest
        for p in parents:
            target = target[p]
        target[last] = value(target.get(last))
    return edit


# how each bound field is forged: field → (edit of the manifest, the field the verdict must name); row 1
MANIFEST_MUTATIONS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "format": (_set(("format",), lambda v: "pyleo-batch/1"), "format"),
    "program_id": (_set(("program_id",), lambda v: "other_rows1.aleo"), "program_id"),
    "program_checksum": (_set(("program_checksum",), lambda v: "0" * 64), "program_checksum"),
    "function": (_set(("function",), lambda v: "predict_rows" if v == "predict" else "predict"), "function"),
    "model": (_set(("model",), lambda v: "other"), "model"),
    "rows_total": (_set(("rows_total",), lambda v: v + 1), "rows_total"),
    "rows_per_proof": (_set(("rows_per_proof",), lambda v: v + 1), "rows_per_proof"),
    "rows": (_set(("rows",), lambda v: v[:-1]), "row"),
}
ROW_MUTATIONS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "row": (_set(("rows", 1, "row"), lambda v: 0), "row"),
    "proof": (_set(("rows", 1, "proof"), lambda v: batch.proof_name(2)), "proof"),
    "slot": (_set(("rows", 1, "slot"), lambda v: 0 if v else 1), "slot"),
    "error": (_set(("rows", 1, "error"), lambda v: "the circuit halted"), "error"),
    "public_outputs": (_set(("rows", 1, "public_outputs"), lambda v: ["2u8"]), "public_outputs"),
    "prediction": (_set(("rows", 1, "prediction"), lambda v: 2), "prediction"),
}
NOT_REPORTED_MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "pyleo": _set(("pyleo",), lambda v: "9.9.9"),
    "aleo_sdk": _set(("aleo_sdk",), lambda v: "9.9.9"),
    "snarkvm": _set(("snarkvm",), lambda v: "9.9.9"),
    "seconds": _set(("rows", 1, "seconds"), lambda v: 0.001),
}


def test_every_declared_field_has_a_forgery_case_and_every_written_field_is_declared(batches) -> None:
    """A field added to the manifest fails here until it is declared bound (with a forgery case) or not reported."""
    assert set(MANIFEST_MUTATIONS) == set(batch.MANIFEST_FIELDS)
    assert set(ROW_MUTATIONS) == set(batch.ROW_FIELDS)
    assert set(NOT_REPORTED_MUTATIONS) == set(batch.MANIFEST_NOT_REPORTED) | set(batch.ROW_NOT_REPORTED)
    assert not set(batch.MANIFEST_FIELDS) & set(batch.MANIFEST_NOT_REPORTED)
    assert not set(batch.ROW_FIELDS) & set(batch.ROW_NOT_REPORTED)
    for folder in batches.values():
        manifest = batch.read_manifest(folder)
        assert set(manifest) <= set(batch.MANIFEST_FIELDS) | set(batch.MANIFEST_NOT_REPORTED), set(manifest)
        for row in manifest["rows"]:
            assert set(row) <= set(batch.ROW_FIELDS) | set(batch.ROW_NOT_REPORTED), set(row)


@pytest.mark.parametrize("k", [1, 3])
def test_an_honest_batch_reports_the_float_models_labels_from_its_proofs(tree, batches, k: int) -> None:
    model, rows, path = tree
    verdict = prove_rows.verify_many(batches[k], load_model(path))
    assert verdict.problems == [] and verdict.valid
    assert (verdict.rows_total, verdict.rows_per_proof, verdict.proofs_valid) == (4, k, 4 if k == 1 else 2)
    assert [verdict.rows[i].prediction for i in range(4)] == model.predict(rows).tolist()
    assert [verdict.rows[i].proof for i in range(4)] == ([batch.proof_name(i) for i in range(4)] if k == 1 else
                                                         [batch.proof_name(0, 3)] * 3 + [batch.proof_name(3, 3)])


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("name", sorted(MANIFEST_MUTATIONS) + sorted(ROW_MUTATIONS))
def test_a_forged_manifest_field_is_rejected_naming_it(tree, batches, tmp_path: Path, k: int, name: str) -> None:
    edit, field = {**MANIFEST_MUTATIONS, **ROW_MUTATIONS}[name]
    folder = _copy(batches[k], tmp_path, edit)
    if name == "format":
        with pytest.raises(batch.BatchError, match="format pyleo-batch/2"):
            prove_rows.verify_many(folder, load_model(tree[2]))
        return
    verdict = prove_rows.verify_many(folder, load_model(tree[2]))
    assert not verdict.valid
    assert field in {f for _, f in _fields(verdict)}, verdict.problems
    if name in ROW_MUTATIONS and name != "row":
        assert (1, field) in _fields(verdict), verdict.problems   # the row and the field


def test_a_manifest_copy_of_another_json_type_is_rejected_naming_it(tree, batches, tmp_path: Path) -> None:
    """Python's ``True == 1`` and ``4.0 == 4``: a manifest stating ``true`` rows per proof (k = 1), ``4.0`` rows or a
    slot of ``true`` / ``false`` (k = 3) passed the comparison with what the proofs prove; each is a problem naming
    the field (the oracle: the proofs' own numbers, which the honest batch's verdict reports)."""
    zk = load_model(tree[2])

    def edit_k1(m: dict[str, Any]) -> None:
        m["rows_per_proof"], m["rows_total"] = True, float(m["rows_total"])

    def edit_k3(m: dict[str, Any]) -> None:
        m["rows"][0]["slot"], m["rows"][1]["slot"] = False, True

    verdict = prove_rows.verify_many(_copy(batches[1], tmp_path, edit_k1), zk)
    assert not verdict.valid and {(None, "rows_per_proof"), (None, "rows_total")} <= _fields(verdict), verdict.problems
    verdict = prove_rows.verify_many(_copy(batches[3], tmp_path / "k3", edit_k3), zk)
    assert not verdict.valid and {(0, "slot"), (1, "slot")} <= _fields(verdict), verdict.problems
    twice = _copy(batches[3], tmp_path / "twice")
    text = (twice / batch.MANIFEST).read_text()
    (twice / batch.MANIFEST).write_text(text.replace('"rows_total": ', '"rows_total": 9, "rows_total": ', 1))
    with pytest.raises(batch.BatchError, match="'rows_total' appears twice"):
        prove_rows.verify_many(twice, zk)


@pytest.mark.parametrize("name", sorted(NOT_REPORTED_MUTATIONS))
def test_an_unreported_field_changes_nothing_reported(tree, batches, tmp_path: Path, name: str) -> None:
    zk = load_model(tree[2])
    honest = prove_rows.verify_many(batches[3], zk)
    verdict = prove_rows.verify_many(_copy(batches[3], tmp_path, NOT_REPORTED_MUTATIONS[name]), zk)
    assert verdict.valid and verdict.rows == honest.rows and verdict.rows_total == honest.rows_total


@pytest.mark.parametrize("weights, output", [("private", "public"), ("public", "commitment")])
def test_a_batch_of_private_weights_or_a_committed_label_binds_them(tmp_path: Path, weights: str, output: str) -> None:
    """One row per proof with the model's own outputs: the weights' commitment (private weights) checked
    against the owner's file, the label's commitment opened with the blinding the prover kept."""
    X, y = load_iris(return_X_y=True)
    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    path = tmp_path / "owner.py"
    from_sklearn(model, X, weights=weights, output=output).save(path)
    zk, rows = load_model(path), X[[0, 120]]
    out, mine = tmp_path / "batch", tmp_path / "mine.json"
    result = prove_rows.prove_many(zk, rows, out, workers=1, progress=False, private_out=mine)
    assert (result.proved, result.failed) == (2, 0)
    verdict = prove_rows.verify_many(out, zk)
    assert verdict.valid and verdict.problems == [] and verdict.rows_total == 2
    secret = {int(i): v for i, v in json.loads(mine.read_text())["rows"].items()}
    for i, label in enumerate(model.predict(rows).tolist()):   # iris: class index == label
        outputs = verdict.rows[i].public_outputs
        if weights == "private":
            assert outputs[-1].removesuffix("field") == str(zk.commitment).removesuffix("field")
            assert verdict.rows[i].prediction == label
        else:
            r = int(secret[i]["label_blinding"].removesuffix("scalar"))
            assert outputs == [zk.label_commitment(label, r)] and verdict.rows[i].prediction is None
    forged = _copy(out, tmp_path, _set(("rows", 0, "public_outputs"), lambda v: list(reversed(v)) if len(v) > 1
                                       else [zk.label_commitment(2, 1)]))
    assert (0, "public_outputs") in _fields(prove_rows.verify_many(forged, zk))


# ---- the cases of issue 21, through the CLI ------------------------------------------------------------
@pytest.mark.parametrize("k", [1, 3])
def test_a_forged_prediction_is_rejected(tree, batches, tmp_path: Path, k: int) -> None:
    """Issue 21: `rows[0].prediction = 2` where the proof says 0u8 was accepted, exit 0."""
    folder = _copy(batches[k], tmp_path, _set(("rows", 0, "prediction"), lambda v: 2))
    result = pyleo("verify-batch", str(folder), "--model", str(tree[2]))
    assert result.returncode == 1, result.stdout
    assert "INVALID row 0, prediction: the manifest says 2; the proof says 0" in result.stderr
    assert result.stdout.splitlines()[0].startswith("row 0: 0  ")   # what is reported comes from the proof
    assert "Traceback" not in result.stderr


def test_a_deleted_row_is_rejected_and_proofs_and_rows_are_counted(tree, batches, tmp_path: Path) -> None:
    """Issue 21: a row deleted (its entry and its proof) with rows_total still 4 was accepted."""
    def drop_last(manifest: dict[str, Any]) -> None:
        manifest["rows"] = manifest["rows"][:-1]

    folder = _copy(batches[1], tmp_path, drop_last)
    (folder / batch.proof_name(3)).unlink()
    result = pyleo("verify-batch", str(folder), "--model", str(tree[2]))
    assert result.returncode == 1
    assert "INVALID row 3, row: neither proved nor listed in the manifest" in result.stderr
    assert "3 of 4 row(s) proved by 3 valid proof file(s)" in result.stdout
    honest = pyleo("verify-batch", str(batches[3]), "--model", str(tree[2]))
    assert honest.returncode == 0, honest.stderr
    assert "4 of 4 row(s) proved by 2 valid proof file(s) (3 row(s) per proof); 0 problem(s)" in honest.stdout


def test_a_manifest_of_numbers_for_rows_is_rejected(tree, batches, tmp_path: Path) -> None:
    """Issue 21: `rows = [1, 2, 3]` printed "0 valid … 0 invalid", exit 0."""
    folder = _copy(batches[1], tmp_path, _set(("rows",), lambda v: [1, 2, 3]))
    result = pyleo("verify-batch", str(folder), "--model", str(tree[2]))
    assert result.returncode == 1
    assert "INVALID rows: entry 0 of the manifest's rows is 1, not a row" in result.stderr
    assert "INVALID row 0, row: proved by row-000000.proof.json but missing from the manifest" in result.stderr


def test_rows_cannot_be_reassigned_between_proofs(tree, batches, tmp_path: Path) -> None:
    """Two proof files swapped, with the manifest following the swap: each proof still says which row it
    proves, so the labels stay with their rows."""
    zk = load_model(tree[2])
    folder = _copy(batches[1], tmp_path)
    a, b = folder / batch.proof_name(0), folder / batch.proof_name(1)
    a_bytes = a.read_bytes()
    a.write_bytes(b.read_bytes())
    b.write_bytes(a_bytes)
    verdict = prove_rows.verify_many(folder, zk)
    assert {(0, "proof"), (1, "proof")} <= _fields(verdict)
    assert verdict.rows[0].proof == batch.proof_name(1) and verdict.rows[0].prediction == 0   # row 0 is still 0

    copied = _copy(batches[1], tmp_path / "copied")
    (copied / batch.proof_name(1)).write_bytes((copied / batch.proof_name(0)).read_bytes())   # row 0's proof twice
    verdict = prove_rows.verify_many(copied, zk)
    assert (0, "row") in _fields(verdict) and (1, "proof") in _fields(verdict) and 1 not in verdict.rows


def test_a_proofs_row_input_cannot_be_edited(tree, batches, tmp_path: Path) -> None:
    """The batch_row input edited in the proof file (and its copy): snarkVM refuses the execution."""
    folder = _copy(batches[1], tmp_path)
    path = folder / batch.proof_name(1)
    doc = json.loads(path.read_text())
    execution = json.loads(doc["execution"])
    execution["transitions"][0]["inputs"][0]["value"] = "[2u32, 1u32, 4u32]"
    doc["execution"] = json.dumps(execution)
    doc["public_inputs"] = ["[2u32, 1u32, 4u32]"] + doc["public_inputs"][1:]
    path.write_text(json.dumps(doc))
    verdict = prove_rows.verify_many(folder, load_model(tree[2]))
    assert (None, batch.proof_name(1)) in _fields(verdict) and 1 not in verdict.rows and 2 in verdict.rows


def test_a_proof_of_another_batch_shape_is_rejected(tree, batches, tmp_path: Path) -> None:
    folder = _copy(batches[1], tmp_path)
    shutil.copy(batches[3] / batch.proof_name(3, 3), folder)
    verdict = prove_rows.verify_many(folder, load_model(tree[2]))
    assert (None, batch.proof_name(3, 3)) in _fields(verdict) and not verdict.valid


def test_an_unbound_or_wrongly_bound_batch_says_so(tree, batches) -> None:
    zk = load_model(tree[2])
    unbound = pyleo("verify-batch", str(batches[3]))
    assert unbound.returncode == 0 and "not bound to a program you trust" in unbound.stderr
    assert "row 0: 0u8  " in unbound.stdout   # without the model: the label as proved, not decoded
    # a batch proves row numbers, not a data set: every verdict says so, so that no one reads "your data's predictions"
    assert f"what is proved: {batch.CLAIM}" in unbound.stdout and "no data set is committed" in batch.CLAIM
    checksum = prove_rows.batch_program(zk, 3).aleo()
    from pyleo import vm

    bound = pyleo("verify-batch", str(batches[3]), "--checksum", vm.program_checksum(checksum))
    assert bound.returncode == 0 and "bound to checksum" in bound.stdout, bound.stderr
    wrong = pyleo("verify-batch", str(batches[1]), "--checksum", vm.program_checksum(checksum))
    assert wrong.returncode == 1 and "not a valid proof of the trusted program" in wrong.stderr
    both = pyleo("verify-batch", str(batches[3]), "--model", str(tree[2]), "--checksum", vm.program_checksum(checksum))
    assert both.returncode == 1 and "not both" in both.stderr and "Traceback" not in both.stderr


# ---- bad input to prove-batch: a clear error at once, nothing left behind --------------------------------
def _refused_at_once(tmp_path: Path, path: Path, rows: np.ndarray, *args: str) -> Any:
    np.save(tmp_path / "rows.npy", rows)
    start = time.perf_counter()
    result = pyleo("prove-batch", str(path), str(tmp_path / "rows.npy"), "--out", str(tmp_path / "out"),
                   "--private-out", str(tmp_path / "mine.json"), "--no-progress", *args)
    seconds = time.perf_counter() - start
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "mine.json").exists()   # nothing left behind
    return result, seconds


def test_rows_of_another_shape_are_refused_not_flattened(tree, tmp_path: Path) -> None:
    """Rows shaped (n, 2, 2) for a model of 4 features were flattened silently by the .npy reader: they are refused
    at once, naming the shape the model takes (the oracle: scikit-learn's own predict refuses a 3-D X)."""
    model, rows, _ = tree
    with pytest.raises(ValueError):
        model.predict(rows.reshape(-1, 2, 2))
    result, _ = _refused_at_once(tmp_path, tree[2], rows.reshape(-1, 2, 2))
    assert "takes samples shaped (n, 4), got shape (4, 2, 2)" in result.stderr, result.stderr


def test_an_unreachable_ray_cluster_is_refused_before_any_proof(tree, tmp_path: Path) -> None:
    """Issue 21: `--cluster ray://127.0.0.1:1` proved a row, then "internal error: ValueError: Ray Client
    requires pip package ray[client]", leaving a manifest and a proof."""
    result, seconds = _refused_at_once(tmp_path, tree[2], tree[1], "--cluster", "ray://127.0.0.1:1")
    assert "Ray" in result.stderr and seconds < 60   # no Ray, no Ray Client, or no cluster there: each named


def test_too_many_rows_per_proof_are_refused_in_seconds_naming_the_limit(tree, tmp_path: Path) -> None:
    """Issue 21: `-k 100000` spent 115 s and 1.1 GB before the unrolling bound stopped it."""
    result, seconds = _refused_at_once(tmp_path, tree[2], tree[1], "-k", "100000")
    assert "snarkVM allows at most 2,048 elements per array" in result.stderr and seconds < 15
    most = prove_rows.max_rows_per_proof(load_model(tree[2]))
    result, seconds = _refused_at_once(tmp_path, tree[2], tree[1], "-k", "1000")
    assert f"at most 16,384 constraints, which hold at most {most} rows" in result.stderr and seconds < 15


def test_a_batch_whose_every_row_fails_exits_non_zero(tree, tmp_path: Path) -> None:
    rows = np.full((3, 4), np.nan)   # the tree takes no missing values: every row fails before proving
    np.save(tmp_path / "rows.npy", rows)
    result = pyleo("prove-batch", str(tree[2]), str(tmp_path / "rows.npy"), "--out", str(tmp_path / "out"), "--no-progress")
    assert result.returncode == 1 and "error: no row was proved: all 3 failed (first: row 0: input malformed" \
        in result.stderr, result.stderr
    manifest = batch.read_manifest(tmp_path / "out")   # the failures are recorded, as for a resumable run
    assert [r["error"] is not None for r in manifest["rows"]] == [True] * 3
    for row in manifest["rows"]:
        assert set(row) <= set(batch.ROW_FIELDS) | set(batch.ROW_NOT_REPORTED)
    checked = pyleo("verify-batch", str(tmp_path / "out"), "--model", str(tree[2]))
    assert checked.returncode == 1 and "nothing is proved" in checked.stderr


def test_a_model_whose_row_does_not_fit_one_circuit_is_refused_before_any_proof(tmp_path: Path) -> None:
    """A batch proof is one circuit: the splitter drops an unread input, so a split proof could not name its row."""
    import warnings

    from sklearn.neural_network import MLPClassifier

    from pyleo.errors import LimitError

    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zk = from_sklearn(MLPClassifier(hidden_layer_sizes=(128,), max_iter=300, random_state=0).fit(X, y), X)
    assert zk.program.fits_here("predict") and not prove_rows.batch_program(zk, 1).fits_here("predict")
    start = time.perf_counter()
    with pytest.raises(LimitError, match="a batch proves each row in one circuit") as e:
        prove_rows.prove_many(zk, X[:2], tmp_path / "out", workers=1, progress=False)
    assert "16,384" in str(e.value) and time.perf_counter() - start < 5 and not (tmp_path / "out").exists()


def test_a_folder_of_pipes_devices_and_drawn_text_is_refused_at_once(tmp_path: Path) -> None:
    """A batch folder is written by the prover: a proof file that is a named pipe (opening it waited for a writer for
    ever), a manifest that is /dev/zero (read without end) or nested past the parser's depth, and a row's error text
    that would draw on the verifier's terminal are each refused at once, naming the file; the text is quoted."""
    folder = tmp_path / "batch"
    folder.mkdir()
    fifo = folder / batch.proof_name(0)
    os.mkfifo(fifo)
    drawn = "halted\x1b[1A\x1b[2K\r\nrow 0: 2  (2u8)  [row-000000.proof.json]"
    (folder / batch.MANIFEST).write_text(json.dumps({"format": batch.FORMAT, "rows": [{"row": 0, "error": drawn}]}))
    found: list[batch.BatchVerdict] = []
    reader = threading.Thread(target=lambda: found.append(batch.verify_batch(folder)), daemon=True)
    reader.start()
    reader.join(30)
    if reader.is_alive():   # it waits for a writer: be one, so that the test ends, and fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join()
        pytest.fail("verify_batch waited on a named pipe")
    problems = {name: why for _, name, why in found[0].problems}
    assert "not a regular file" in problems[batch.proof_name(0)] and not found[0].valid
    assert repr(drawn) in problems["error"] and not any(c in problems["error"] for c in "\x1b\r\n")
    fifo.unlink()
    (folder / batch.MANIFEST).unlink()
    (folder / batch.MANIFEST).symlink_to("/dev/zero")
    with pytest.raises(batch.BatchError, match="not a regular file"):
        batch.read_manifest(folder)
    (folder / batch.MANIFEST).unlink()
    (folder / batch.MANIFEST).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(batch.BatchError, match="nested too deeply"):
        batch.read_manifest(folder)


def test_the_prover_only_file_cannot_go_inside_the_shared_folder(tree, tmp_path: Path) -> None:
    """--private-out in a subfolder of the batch folder (which is shared whole) is refused before any work, as the
    folder itself is: nothing is written."""
    rows = tmp_path / "rows.npy"
    np.save(rows, tree[1][:1])
    out = tmp_path / "batch"
    result = CliRunner().invoke(app, ["prove-batch", str(tree[2]), str(rows), "--out", str(out), "--private-out",
                                      str(out / "sub" / "p.json")])
    assert result.exit_code == 1 and "--private-out must lie outside the batch folder" in result.output, result.output
    assert not out.exists()


def test_a_file_naming_more_rows_per_proof_than_any_batch_holds_is_refused_at_once(tree, batches, tmp_path: Path) -> None:
    """A verifier derives the batch program of the K a file names (its program's array of rows, or a transaction's
    NAME_rowsK.aleo): a K of 99,999,999 made it build that program (without end). Refused at once, naming the file,
    beside the batch's honest rows."""
    folder = _copy(batches[3], tmp_path)
    doc = json.loads((folder / batch.proof_name(0, 3)).read_text())
    doc["program"] = re.sub(r"(?m)^(    input r1 as \[.*; )3u32\]", r"\g<1>99999999u32]", doc["program"], count=1)
    assert "99999999u32]" in doc["program"]
    from pyleo import vm

    doc["program_checksum"] = vm.program_checksum(doc["program"])
    (folder / batch.proof_name(0, 3)).write_text(json.dumps(doc))
    start = time.perf_counter()
    verdict = prove_rows.verify_many(folder, load_model(tree[2]))
    assert time.perf_counter() - start < 60
    assert any(name == batch.proof_name(0, 3) and "99,999,999 rows per proof" in why for _, name, why in verdict.problems)
    assert 3 in verdict.rows and 0 not in verdict.rows   # the other proof's row still verified
    tx = {"type": "execute", "id": "at1x", "execution": {"transitions": [{"program": f"{load_model(tree[2]).name}_rows99999999.aleo"}]}}
    (tmp_path / "tx.json").write_text(json.dumps(tx))
    result = CliRunner().invoke(app, ["verify", str(tmp_path / "tx.json"), "--model", str(tree[2])])
    assert result.exit_code == 1 and "error: 99,999,999 rows per proof" in result.output, result.output
