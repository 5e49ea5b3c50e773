"""Shared pytest configuration."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyleo import params, vm
from pyleo.errors import ParamsError


def params_installed() -> bool:
    """Whether snarkVM's degree-16 parameters are installed (key synthesis needs them)."""
    try:
        params.check_installed()
    except ParamsError:
        return False
    return True


# The suite's keys (~4.5 GB, README) are kept whole while it runs, so that no test evicts keys another
# test of the same run needs; the next `pyleo` key write outside the suite applies the bound again.
os.environ.setdefault("PYLEO_CACHE_MAX_MB", "0")

NO_PARAMS = ("snarkVM's parameters are not installed, and this test synthesizes keys: run "
             "`pyleo params install ../shared/aleo-params` (see README)")


@pytest.fixture(scope="module")
def key_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh key cache (``PYLEO_CACHE_DIR``) for one test module, and no programs left in memory from elsewhere."""
    cache = tmp_path_factory.mktemp("pyleo-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYLEO_CACHE_DIR", str(cache))
        vm.forget_programs()
        yield cache
    vm.forget_programs()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``needs_params`` fails with how to install the parameters, rather than with snarkVM's error."""
    if item.get_closest_marker("needs_params") is not None and not params_installed():
        pytest.fail(NO_PARAMS)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "prove: runs snarkVM's prover (seconds per test); deselect with -m 'not prove'")
    config.addinivalue_line("markers", "needs_params: synthesizes snarkVM keys; fails with an install hint when the parameters are missing")
    config.addinivalue_line("markers", "slow: large proofs and benchmarks-sized checks, excluded by default (run with -m slow)")
