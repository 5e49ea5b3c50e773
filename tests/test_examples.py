"""The examples run as a user runs them: load data, fit, convert, predict, prove, verify.

Each prints its float and circuit accuracy on the held-out split; the float model (scikit-learn) is
the oracle the circuit's labels are compared with.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def figure(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in output:\n{text}"
    return float(match.group(1).replace(",", ""))


@pytest.mark.prove
@pytest.mark.parametrize("example", ["iris_mlp.py",
                                     # a decision tree on iris is proved by default in tests/test_convert.py
                                     pytest.param("iris_tree.py", marks=pytest.mark.slow)])
def test_example_proves_and_matches_scikit_learn(example: str, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / example)], capture_output=True, text=True,
                            cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    float_acc = figure(r"float model accuracy \(held-out\): ([0-9.]+)", out)
    circuit_acc = figure(r"circuit accuracy \(held-out\):\s+([0-9.]+)", out)
    assert figure(r"label agreement with float:\s+([0-9.]+)", out) >= 0.995
    assert abs(circuit_acc - float_acc) <= 0.005
    assert figure(r"constraints: ([0-9,]+)", out) <= 16384
    assert "verified: True" in out
    assert re.search(r"proved: class \d+ \(float model: \d+\)", out), out   # the class printed alike by both
    assert list(tmp_path.iterdir()) == [], "the example left files in the folder it ran in"


@pytest.mark.prove
def test_private_knn_example_binds_proofs_to_the_published_commitment(tmp_path: Path) -> None:
    """examples/private_knn.py: the circuit's labels are scikit-learn's, the proof verifies against
    public.json alone, a proof with other weights is valid for the program yet rejected against the
    commitment, and nothing is written outside --out (the published file holds no reference point)."""
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "private_knn.py"), "--out", str(out)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert figure(r"label agreement with float:\s+([0-9.]+)", text) == 1.0
    assert figure(r"constraints: ([0-9,]+)", text) <= 16384
    proved = re.search(r"proved: class (\d+) \(float model: (\d+)\)", text)
    assert proved and proved.group(1) == proved.group(2)
    assert "verified: True" in text
    assert "valid for the program: True, accepted against the commitment: False" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in out.iterdir()) == ["predict.proof.json", "private_knn_model.py", "public.json"]
    from stdlib_ml import load
    from tests.test_privacy import assert_hides

    owner = load(out / "private_knn_model.py")
    assert owner.commitment in (out / "public.json").read_text()
    words = [w for name, ws in owner.opening().items() if name != "r" for w in ws]   # the points and labels, packed
    assert_hides(out / "public.json", *words, int(owner.module.OWNER_BLINDING))


@pytest.mark.slow
def test_torch_digits_example_proves_the_cnn(tmp_path: Path) -> None:
    """examples/torch_digits.py: the circuit's labels are the network's own (torch's float output) on
    the held-out digits, one proof of 16,384 constraints at most verifies, files only under --out."""
    pytest.importorskip("torch")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "torch_digits.py"), "--out", str(out)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=900)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert figure(r"label agreement with float:\s+([0-9.]+)", text) >= 0.995
    assert abs(figure(r"circuit accuracy \(held-out\):\s+([0-9.]+)", text)
               - figure(r"float model accuracy \(held-out\): ([0-9.]+)", text)) <= 0.005
    assert figure(r"constraints: ([0-9,]+)", text) <= 16384
    proved = re.search(r"proved: class (\d+) \(float model: (\d+)\)", text)
    assert proved and proved.group(1) == proved.group(2)
    assert "verified: True" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in out.iterdir()) == ["digits_cnn.py", "predict.proof.json"]


@pytest.mark.slow   # ~20 s (Keras and torch imported in a fresh process): tests/test_convert_keras.py proves by default
@pytest.mark.prove
def test_keras_iris_example_matches_keras_and_proves(tmp_path: Path) -> None:
    """examples/keras_iris.py: the circuit's labels are the Keras model's own, the proof read back from
    its file verifies, and nothing is written outside --out."""
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "keras_iris.py"), "--out", str(out)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert figure(r"label agreement with float:\s+([0-9.]+)", text) == 1.0
    assert figure(r"float model accuracy \(held-out\): ([0-9.]+)", text) >= 0.9
    assert figure(r"constraints: ([0-9,]+)", text) <= 16384
    proved = re.search(r"proved: class (\d+) \(float model: (\d+)\)", text)
    assert proved and proved.group(1) == proved.group(2)
    assert "verified: True" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in out.iterdir()) == ["iris.keras", "iris_model.py", "predict.proof.json"]


@pytest.mark.prove
def test_readme_demo_builds_runs_proves_and_verifies(tmp_path: Path) -> None:
    """README's first command ends in scripts/demo.sh: it must run as written (the interpreter's and
    snarkVM's 27, a proof, and `pyleo verify` bound to the example's model)."""
    import os

    env = {**os.environ, "DEMO_OUT": str(tmp_path / "build"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh")], capture_output=True, text=True, env=env,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("27i64") >= 2, result.stdout     # the interpreter and snarkVM's circuit
    assert "valid: linear_scorer.aleo/score" in result.stdout and "bound to: the model in examples/scorer.py" in result.stdout
    assert (tmp_path / "build" / "linear_scorer.score.proof.json").is_file()
