"""The `pyleo` command, run as a user runs it: real processes, exit codes, stdout and stderr."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCORER = ROOT / "examples" / "scorer.py"
PARAMS_DIR = Path(os.environ.get("PYLEO_PARAMS_DIR", ROOT.parent / "shared" / "aleo-params"))


def pyleo(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyleo_cli.main", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env={**os.environ, **(env or {})}, timeout=300)


def assert_clean_failure(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 1, result
    assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_help_lists_every_command() -> None:
    result = pyleo("--help")
    assert result.returncode == 0
    for command in ("build", "run", "prove", "verify", "cost", "params"):
        assert command in result.stdout


def test_build_writes_a_leo_project_and_aleo(tmp_path: Path) -> None:
    result = pyleo("build", str(SCORER), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    project = tmp_path / "linear_scorer"
    assert json.loads((project / "program.json").read_text())["program"] == "linear_scorer.aleo"
    assert "program linear_scorer.aleo" in (project / "src" / "main.leo").read_text()
    aleo = (project / "linear_scorer.aleo").read_text()
    assert aleo.startswith("program linear_scorer.aleo;")
    stamp = json.loads((project / "pyleo.json").read_text())
    checksum = hashlib.sha3_256(aleo.encode()).hexdigest()  # snarkVM's program checksum
    assert stamp["program_checksum"] == checksum and f"program checksum {checksum}" in result.stdout
    assert stamp["program_id"] == "linear_scorer.aleo" and stamp["snarkvm"] and stamp["pyleo"]


def test_run_accepts_json_and_aleo_literals() -> None:
    plain = pyleo("run", str(SCORER), "linear_scorer.score", "[1, 2, 3, 4]", "10")
    literal = pyleo("run", str(SCORER), "score", "[1i64, 2i64, 3i64, 4i64]", "10i64")
    expected = 3 * 1 - 1 * 2 + 4 * 3 + 1 * 4 + 10  # W·x + bias computed here, independently
    assert plain.returncode == 0 and literal.returncode == 0
    assert plain.stdout.split()[0] == literal.stdout.split()[0] == f"{expected}i64"


@pytest.mark.prove
def test_run_on_the_vm_matches_the_interpreter() -> None:
    vm = pyleo("run", str(SCORER), "score", "[5, -6, 7, -8]", "-3", "--vm")
    interp = pyleo("run", str(SCORER), "score", "[5, -6, 7, -8]", "-3")
    assert vm.returncode == 0, vm.stderr
    assert vm.stdout == interp.stdout


@pytest.mark.parametrize("args, fragment", [
    (["[1, 2, 3]", "10"], "expected 4 elements, got 3"),
    (["[1, 2, 3, x]", "10"], "expected a number of type i64"),
    (["[1, 2, 3, 4]"], "takes 2 argument(s)"),
    (["[1, 2, 3, 4]", "10u8"], "10u8 has type u8, expected i64"),
    (["[1, 2, 3, 4]", "9223372036854775808"], "does not fit i64"),
])
def test_bad_arguments(args: list[str], fragment: str) -> None:
    assert_clean_failure(pyleo("run", str(SCORER), "score", *args), fragment)


def test_unknown_function_and_missing_file(tmp_path: Path) -> None:
    assert_clean_failure(pyleo("run", str(SCORER), "linear_scorer.nope", "1"), "has no function 'nope'")
    assert_clean_failure(pyleo("build", str(tmp_path / "missing.py")), "no such file")


def test_compile_error_shows_file_line_and_caret(tmp_path: Path) -> None:
    bad = ROOT / "tests" / "models" / "bad_cli.py"
    result = pyleo("build", str(bad), "--out", str(tmp_path))
    line = bad.read_text().splitlines().index("    while x > 0:") + 1
    assert_clean_failure(result, f"{bad}:{line}:5: error: `while` loops are not supported")
    assert "    ^" in result.stderr


def test_params_install_checks_checksums(tmp_path: Path) -> None:
    result = pyleo("params", "install", str(PARAMS_DIR), "--dest", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "powers-of-beta-16.usrs.84631bc").is_file()
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in PARAMS_DIR.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    usrs = broken / "shifted-powers-of-beta-16.usrs"
    data = bytearray(usrs.read_bytes())
    data[100] ^= 1
    usrs.write_bytes(bytes(data))
    assert_clean_failure(pyleo("params", "install", str(broken), "--dest", str(tmp_path / "out")), "checksum")
    nowhere = pyleo("params", "install", str(tmp_path / "nowhere"))
    assert_clean_failure(nowhere, "nowhere")
    assert "run `pyleo params install" not in nowhere.stderr and "snarkVM downloads them" in nowhere.stderr


def test_missing_parameters_are_reported(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "PYLEO_CACHE_DIR": str(tmp_path / "cache")}
    result = pyleo("run", str(SCORER), "score", "[1, 2, 3, 4]", "10", "--vm", env=env)
    assert_clean_failure(result, "pyleo params install")


@pytest.mark.prove
def test_prove_verify_and_reject_tampering(tmp_path: Path) -> None:
    proof_path = tmp_path / "score.proof.json"
    proved = pyleo("prove", str(SCORER), "score", "[1, 2, 3, 4]", "10", "--out", str(proof_path))
    assert proved.returncode == 0, proved.stderr
    assert "output: 27i64" in proved.stdout
    verified = pyleo("verify", str(proof_path))
    assert verified.returncode == 0, verified.stderr
    assert "valid" in verified.stdout and "warning: not bound" in verified.stderr
    bound = pyleo("verify", str(proof_path), "--model", str(SCORER))
    assert bound.returncode == 0, bound.stderr
    assert "bound to: the model in" in bound.stdout and "public output: 27i64" in bound.stdout
    assert "warning" not in bound.stderr
    from examples.scorer import prog

    pinned = pyleo("verify", str(proof_path), "--checksum", prog.checksum())
    assert pinned.returncode == 0 and f"bound to: checksum {prog.checksum()}" in pinned.stdout, pinned.stderr
    assert_clean_failure(pyleo("verify", str(proof_path), "--checksum", "abc"), "not a program checksum")
    assert_clean_failure(pyleo("verify", str(proof_path), "--model", str(tmp_path / "absent.py")), "no such file")
    assert_clean_failure(pyleo("verify", str(proof_path), "--vk", str(tmp_path / "absent.vk")), "cannot read")

    data = json.loads(proof_path.read_text())
    execution = json.loads(data["execution"])
    execution["transitions"][0]["outputs"][0]["value"] = "28i64"
    data["execution"] = json.dumps(execution)
    data["public_outputs"] = ["28i64"]
    forged = tmp_path / "forged.proof.json"
    forged.write_text(json.dumps(data))
    assert_clean_failure(pyleo("verify", str(forged)), "INVALID")

    garbage = tmp_path / "garbage.proof.json"
    garbage.write_text("{not json")
    result = pyleo("verify", str(garbage))
    assert result.returncode == 1 and "Traceback" not in result.stderr


# ---- issue 16: the CLI as a newcomer meets it, and as bad input finds it -----------------------
def test_an_array_without_brackets_is_explained() -> None:
    """The other malformed texts (unclosed, empty, 5,000 digits, nested 200,000 deep) are tested on the
    parser itself, in test_errors.py."""
    assert_clean_failure(pyleo("run", str(SCORER), "score", "1,2,3,4", "10"),
                         "write an array in brackets, e.g. '[1, 1, 1, 1]'")


def test_a_mistyped_option_is_named_not_taken_as_an_argument() -> None:
    result = pyleo("run", str(SCORER), "score", "[1, 2, 3, 4]", "10", "--vm", "--out", "x")
    assert_clean_failure(result, "no such option: --out")   # (negative numbers stay arguments: test_run_on_the_vm…)


def test_help_and_version() -> None:
    short, long = pyleo("-h"), pyleo("--help")
    assert short.returncode == long.returncode == 0 and short.stdout == long.stdout
    run_help = pyleo("run", "-h").stdout
    assert "Usage: pyleo run [OPTIONS] FILE PROGRAM.FUNCTION [ARGS]..." in run_help
    assert "<bool>" not in run_help and "{" not in run_help
    cost_line = next(line for line in long.stdout.splitlines() if line.strip().startswith("cost"))
    commands = long.stdout.split("Commands:")[1]
    assert cost_line.rstrip().endswith("circuit.") and "..." not in commands   # whole first sentences
    version = pyleo("--version")
    assert version.returncode == 0 and re.match(r"pyleo \S+ \(aleo-sdk \S+, snarkVM \S+\)", version.stdout)


def test_destinations_are_checked_before_the_work(tmp_path: Path) -> None:
    folder, file = tmp_path / "folder", tmp_path / "file"
    folder.mkdir()
    file.write_text("x")
    proved = pyleo("prove", str(SCORER), "score", "[1, 2, 3, 4]", "10", "--out", str(folder))
    assert_clean_failure(proved, f"the proof file {folder} is a folder")
    assert "proving" not in proved.stderr   # refused before proving, not after
    assert_clean_failure(pyleo("prove", str(SCORER), "score", "[1, 2, 3, 4]", "10", "--out", str(file / "p.json")),
                         f"{file} is a file, not a folder")
    assert_clean_failure(pyleo("build", str(SCORER), "--out", str(file)), f"{file} is a file, not a folder")
    assert_clean_failure(pyleo("import", str(file), "--out", str(folder)), f"--out {folder} is a folder")
    assert file.read_text() == "x" and list(folder.iterdir()) == []


def test_a_device_or_pipe_is_never_replaced_by_a_written_file(tmp_path: Path) -> None:
    """`pyleo prove --out /dev/full` proved, then replaced the device (as root) by a regular file holding the proof,
    since files are written atomically (a temporary file renamed over the destination): a destination that is a
    device or a pipe is refused, before any work and by the writer itself, and stays what it was."""
    from pyleo import vm
    from pyleo.errors import InputError

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (Path("/dev/null"), Path("/dev/stdout"), fifo):
        with pytest.raises(InputError, match="not a regular file"):
            vm.check_writable(target)
    with pytest.raises(InputError, match="not a regular file"):
        vm.write_atomic(fifo, b"{}")
    assert fifo.is_fifo() and Path("/dev/null").is_char_device()


def test_files_that_are_not_model_files(tmp_path: Path) -> None:
    assert_clean_failure(pyleo("run", str(tmp_path), "f", "1"), "is a folder, not a Python file")
    twice = tmp_path / "twice.py"
    twice.write_text("import pyleo as pl\n\n\n@pl.function\ndef f(x: pl.U8) -> pl.U8:\n    return x\n\n\n"
                     "a = pl.Program('same', [f])\nb = pl.Program('same', [f])\n")
    assert_clean_failure(pyleo("run", str(twice), "f", "1"), "defines two different pl.Program named 'same'")
    corrupt = tmp_path / "model.joblib"
    corrupt.write_bytes(b"nope")
    assert_clean_failure(pyleo("import", str(corrupt), "--out", str(tmp_path / "m.py")),
                         "is not a readable joblib/pickle model")


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`pyleo … | head -1`: the reader goes away; pyleo stops without an internal error or traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "pyleo_cli.main", "build", str(SCORER), "--out", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()   # before pyleo writes its first line (it is still importing)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "internal error" not in err and "Traceback" not in err and "Exception ignored" not in err, err


def test_a_vm_halt_points_at_the_users_line() -> None:
    big = 2**62
    result = pyleo("run", str(SCORER), "score", f"[{big}, 0, {big}, 0]", "0", "--vm")
    line = next(i for i, text in enumerate(SCORER.read_text().splitlines(), 1) if "acc += a[i] * b[i]" in text)
    assert_clean_failure(result, f"{SCORER}:{line}:")
    assert "i64 multiplication overflowed" in result.stderr and "(snarkVM: Integer multiplication failed" in result.stderr


def test_a_file_defining_a_converted_model_works_with_the_commands() -> None:
    """examples/iris_tree.py defines `zk = from_sklearn(...)` (a ZkModel), no pl.Program of its own."""
    tree = ROOT / "examples" / "iris_tree.py"
    setosa = pyleo("run", str(tree), "predict", "[5.1, 3.5, 1.4, 0.2]")
    assert setosa.returncode == 0, setosa.stderr
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)   # the example's float model, fitted here again: the oracle
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    clf = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X_train, y_train)
    assert f"prediction: {clf.predict([[5.1, 3.5, 1.4, 0.2]])[0]}" in setosa.stdout


def test_key_cache_is_bounded_least_recently_used_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyleo import vm

    monkeypatch.setenv("PYLEO_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("PYLEO_CACHE_MAX_MB", "4")
    keys = tmp_path / "keys"
    for age, name in enumerate(["newest", "middle", "oldest"]):   # 1 MiB of "keys" each
        (keys / name).mkdir(parents=True)
        (keys / name / "f.pk").write_bytes(b"k" * 2**20)
        os.utime(keys / name, (1e9 - age * 1000, 1e9 - age * 1000))
    fresh = vm.keys.LoadedProgram(text="program fresh.aleo;\n", digest="fresh", process=None, program=None,
                                  program_id="fresh.aleo", functions=["f"])
    vm.keys.write_keys(fresh, "f", b"p" * 2**20, b"v")   # a fourth program's keys: just over 4 MiB in all
    assert sorted(d.name for d in keys.iterdir()) == ["fresh", "middle", "newest"]   # the oldest went
    assert vm.keys.read_keys(fresh, "f", with_pk=True) == (b"p" * 2**20, b"v")   # the manifest vouches for them
    assert [d.name for d, _, _ in vm.cached_programs()][0] == "fresh"           # reading marks it used

    info = pyleo("cache", "info", env={"PYLEO_CACHE_DIR": str(tmp_path), "PYLEO_CACHE_MAX_MB": "4"})
    assert info.returncode == 0 and "3 program(s), 3.0 MiB; bound 4 MiB" in info.stdout, info.stderr
    assert "fresh.aleo" in info.stdout
    cleared = pyleo("cache", "clear", env={"PYLEO_CACHE_DIR": str(tmp_path)})
    assert cleared.returncode == 0 and "deleted the keys of 3 program(s)" in cleared.stdout
    assert list(keys.iterdir()) == []
    assert_clean_failure(pyleo("cache", "info", env={"PYLEO_CACHE_DIR": str(tmp_path), "PYLEO_CACHE_MAX_MB": "lots"}),
                         "PYLEO_CACHE_MAX_MB must be a whole number")


def test_import_states_the_input_step_of_an_unchecked_conversion(tmp_path: Path) -> None:
    """`--input-range 1e30` without calibration rows: accepted, and the step it implies is said (the
    range 0 is refused: test_errors.py)."""
    import joblib
    import numpy as np
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    model = tmp_path / "lr.joblib"
    joblib.dump(LogisticRegression(max_iter=500).fit(X, y), model)
    wide = pyleo("import", str(model), "--input-range", "1e30", "--out", str(tmp_path / "m.py"))
    assert wide.returncode == 0, wide.stderr
    step = float(re.search(r"Inputs are read in steps of up to (\S+) ", wide.stdout).group(1))
    assert step > np.ptp(X)   # coarser than the whole data set: every iris sample reads alike; said, not silent


def test_files_a_verifier_trusts_are_read_bounded(tmp_path: Path) -> None:
    """`pyleo verify --program F` / `--vk F` name files the verifier trusts: a device, a pipe or an oversized file is
    refused with what it is, not read without end (found by the attacker pass: they were read whole)."""
    from pyleo.errors import InputError
    from pyleo.limits import MAX_PROGRAM_BYTES
    from pyleo_cli.verify import MAX_KEY_BYTES, trusted

    big_key, big_program = tmp_path / "f.vk", tmp_path / "p.aleo"
    big_key.write_bytes(b"v" * (MAX_KEY_BYTES + 1))
    big_program.write_bytes(b"p" * (MAX_PROGRAM_BYTES + 1))
    pipe = tmp_path / "pipe.aleo"
    os.mkfifo(pipe)
    cases = [(dict(program=Path("/dev/zero")), "not a regular file"), (dict(program=pipe), "not a regular file"),
             (dict(program=big_program), f"larger than {MAX_PROGRAM_BYTES:,} bytes"),
             (dict(vk=big_key), f"larger than {MAX_KEY_BYTES:,} bytes")]
    for given, fragment in cases:
        options = dict(model=None, program=None, checksum=None, vk=None, public_model=None, commitment=None) | given
        with pytest.raises(InputError, match=re.escape(fragment)):
            trusted(None, **options)
    ok = tmp_path / "ok.aleo"
    ok.write_text("program ok.aleo;\n")
    assert trusted(None, model=None, program=ok, checksum=None, vk=None, public_model=None,
                   commitment=None).program == "program ok.aleo;\n"
