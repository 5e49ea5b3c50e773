"""The suite's own rules (tests/conftest.py), checked on small suites run under the same configuration:
``slow`` tests only when ``-m`` names them, tests that prove last, and the inner loop
(``-m "not prove"``) failing a test that writes keys without being marked ``prove``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")
HOME = os.environ["HOME"]

SUITE = '''
import pytest
from pyleo import vm

ORDER = []


def write_a_key():
    d = vm.cache_dir() / "keys" / "0123"
    d.mkdir(parents=True, exist_ok=True)
    (d / "f.pk").write_bytes(b"key")


@pytest.mark.prove
def test_proves():
    ORDER.append("proves")
    write_a_key()


@pytest.mark.needs_params
def test_synthesizes():
    ORDER.append("synthesizes")


def test_plain():
    ORDER.append("plain")


@pytest.mark.slow
def test_slow():
    ORDER.append("slow")


def test_writes_a_key_unmarked():
    write_a_key()


def test_zz_order():
    assert ORDER[0] == "plain"
'''


class Suite:
    """The small suite, run in this process under tests/conftest.py with a key cache of its own."""

    def __init__(self, pytester: pytest.Pytester, cache: Path) -> None:
        pytester.makeconftest(CONFTEST.read_text())
        pytester.makepyfile(test_rules=SUITE)
        self.pytester, self.cache = pytester, cache

    def run(self, *args: str) -> pytest.RunResult:
        with pytest.MonkeyPatch.context() as mp:   # only while it runs: this test's own phases watch their cache
            mp.setenv("PYLEO_CACHE_DIR", str(self.cache))
            mp.setenv("HOME", HOME)   # pytester empties HOME; snarkVM's parameters are found there
            return self.pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)


@pytest.fixture
def suite(pytester: pytest.Pytester, tmp_path: Path) -> Suite:
    return Suite(pytester, tmp_path / "cache")


def test_default_set_leaves_slow_out_and_runs_provers_last(suite: Suite) -> None:
    result = suite.run("-v", "-k", "not unmarked")
    result.assert_outcomes(passed=4, deselected=2)
    lines = [line for line in result.outlines if "::test_" in line and ("PASSED" in line or "FAILED" in line)]
    names = [line.split("::")[1].split()[0] for line in lines]
    assert names[-2:] == ["test_proves", "test_synthesizes"] and "test_slow" not in names   # provers last


def test_slow_runs_when_named(suite: Suite) -> None:
    suite.run("-m", "slow").assert_outcomes(passed=1, deselected=5)


def test_needs_params_implies_prove(suite: Suite) -> None:
    result = suite.run("-m", "prove", "--collect-only", "-q")
    assert {line.split("::")[1] for line in result.outlines if "::" in line} == {"test_proves", "test_synthesizes"}


def test_inner_loop_fails_a_test_that_writes_keys_unmarked(suite: Suite) -> None:
    result = suite.run("-m", "not prove", "-k", "not zz")
    result.assert_outcomes(passed=1, failed=1, deselected=4)
    result.stdout.fnmatch_lines(["*test_writes_a_key_unmarked*", "*synthesized snarkVM keys*not marked `prove`*"])
    assert not (suite.cache / "keys").exists()   # it ran with an empty cache of its own, removed afterwards


def test_xdist_workers_get_the_modules_that_prove_first(suite: Suite, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under pytest-xdist (``--dist loadscope``: a module at a time per worker, in the order of the modules'
    first tests), the modules with tests that prove come first and the rest by size, so that the run ends on
    short modules; within a module the provers stay last."""
    suite.pytester.makepyfile(test_big="def test_1(): pass\ndef test_2(): pass\ndef test_3(): pass",
                              test_small="def test_1(): pass")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")   # what a worker's collection sees
    result = suite.run("--collect-only", "-q")
    modules = [line.split("::")[0] for line in result.outlines if "::" in line]
    assert list(dict.fromkeys(modules)) == ["test_rules.py", "test_big.py", "test_small.py"]
    rules = [line.split("::")[1] for line in result.outlines if line.startswith("test_rules.py::")]
    assert rules[-2:] == ["test_proves", "test_synthesizes"]
    monkeypatch.delenv("PYTEST_XDIST_WORKER")   # one process: every prover after every other test
    result = suite.run("--collect-only", "-q")
    names = [line for line in result.outlines if "::" in line]
    assert names[-2:] == ["test_rules.py::test_proves", "test_rules.py::test_synthesizes"]
