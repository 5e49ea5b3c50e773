"""Shared pytest configuration."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Generator, Iterator
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


# ---- Key syntheses, logged per test ---------------------------------------------------------------
# ``PYLEO_KEYLOG=FILE`` appends one JSON line per test phase that wrote keys to the key cache (in this
# process or in a pyleo subprocess sharing the cache): the test, the phase, its seconds, and the new key
# files per program digest (``F.pk`` and ``F.vk``: the keys of function ``F`` synthesized while executing
# it; ``F.vk`` alone: synthesized from the program text). With an empty cache, that is every synthesis.
KEYLOG = os.environ.get("PYLEO_KEYLOG")


def key_files(root: Path) -> set[str]:
    """The key files under a key cache ``root``: ``<program digest>/<function>.<pk|vk>``."""
    keys = root / "keys"
    return {f"{p.parent.name}/{p.name}" for p in keys.glob("*/*.[pv]k")} if keys.is_dir() else set()


def _watch_keys(item: pytest.Item, phase: str) -> Generator[None, object, object]:
    root = vm.cache_dir()
    before = key_files(root)
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        after_root = vm.cache_dir()
        new = key_files(after_root) - (before if after_root == root else set())
        if new and KEYLOG:
            programs: dict[str, list[str]] = {}
            for name in sorted(new):
                digest, file = name.split("/")
                programs.setdefault(digest, []).append(file)
            with open(KEYLOG, "a") as log:
                log.write(json.dumps({"test": item.nodeid, "phase": phase, "cache": str(after_root),
                                      "seconds": round(time.perf_counter() - start, 2), "programs": programs}) + "\n")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _watch_keys(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _watch_keys(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _watch_keys(item, "teardown"))
