"""Shared pytest configuration: markers, the order tests run in, key caches, and the key-synthesis log.

The two sets of tests (README):

- ``python -m pytest -q``: the default set (every test not marked ``slow``), on one pytest-xdist worker per core
  (pyproject.toml's addopts ``-n auto``, at most :data:`WORKERS_MAX`; ``-n 0`` for one process), a module at a
  time per worker, the modules with tests that prove first (:func:`by_module`); in one process, tests that prove
  or synthesize keys last, so that a failure elsewhere shows within seconds;
- ``python -m pytest -m "not prove"``: the inner loop, no key synthesis at all (its tests run with an
  empty key cache, and one that writes keys fails, naming itself: mark it ``prove``);
- ``python -m pytest -m slow``: the exhaustive set. ``slow`` tests run only when ``-m`` names ``slow``.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import tempfile
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from pyleo import params, vm

pytest_plugins = ["pytester"]   # tests/test_suite.py runs small suites under this configuration
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

PROVE_MARKERS = ("prove", "needs_params")
"""A test with either marker synthesizes keys (and most prove): it gets both (see pytest_collection_modifyitems)."""


@pytest.fixture(scope="session")
def suite_key_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The key cache of the modules that use :func:`key_cache`: a folder of this run, apart from the
    user's cache (``~/.cache/pyleo``), which tests that damage keys or read every cached file must not
    touch, and one for all of those modules, so that a program two of them run is synthesized once. Under
    pytest-xdist, one folder for every worker of the run (beside the workers' own temporary folders)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return tmp_path_factory.mktemp("pyleo-cache")
    shared = tmp_path_factory.getbasetemp().parent / "pyleo-cache"
    shared.mkdir(exist_ok=True)
    return shared


@pytest.fixture(scope="module")
def key_cache(suite_key_cache: Path) -> Iterator[Path]:
    """:func:`suite_key_cache` as ``PYLEO_CACHE_DIR`` for one test module, and no programs left in memory
    from elsewhere (each module's first use of a program loads its keys from the cache)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYLEO_CACHE_DIR", str(suite_key_cache))
        vm.forget_programs()
        yield suite_key_cache
    vm.forget_programs()


@pytest.fixture
def stand_in_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """snarkVM's circuit runs of one test (:func:`pyleo.vm.evaluate`, and what calls it:
    ``Program.evaluate``, ``ZkModel.predict(..., backend="vm")``) under a stand-in proving key wherever
    no key is cached (``keys=False``): the same circuit, outputs and halts, and no key synthesized (a
    first run of a function ~0.5 s instead of ~15 s). For tests of what a circuit computes, with
    snarkVM as the oracle; proofs are unaffected (tests/test_corpus.py checks that the stand-in path
    halts alike and leaves proving intact)."""
    evaluate = vm.evaluate
    signature = inspect.signature(evaluate)

    def without_synthesis(*args: Any, **kwargs: Any) -> list[str]:
        call = signature.bind(*args, **kwargs)
        call.arguments["keys"] = False
        return evaluate(*call.args, **call.kwargs)

    monkeypatch.setattr(vm, "evaluate", without_synthesis)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "prove: proves or synthesizes snarkVM keys (seconds per test, more with a "
                                       "cold key cache); deselect with -m 'not prove'")
    config.addinivalue_line("markers", "needs_params: synthesizes snarkVM keys; fails with an install hint when the "
                                       "parameters are missing (implies prove)")
    config.addinivalue_line("markers", "slow: large proofs and benchmarks-sized checks, run only when -m names slow "
                                       "(-m slow)")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> Generator[None, None, None]:
    """Before pytest's ``-m`` selection: give every key-synthesizing test both ``prove`` and
    ``needs_params``, and leave ``slow`` tests out unless the ``-m`` expression names ``slow``.
    After it: run the tests that prove last (a stable sort, so each module's order is kept), and when
    none is selected (the inner loop), watch that no test writes keys (see :func:`_watch_keys`)."""
    for item in items:
        if any(item.get_closest_marker(m) for m in PROVE_MARKERS):
            for m in PROVE_MARKERS:
                if item.get_closest_marker(m) is None:
                    item.add_marker(m)
    if "slow" not in (config.option.markexpr or ""):
        slow = [item for item in items if item.get_closest_marker("slow") is not None]
        if slow:
            config.hook.pytest_deselected(items=slow)
            items[:] = [item for item in items if item.get_closest_marker("slow") is None]
    yield
    items.sort(key=proves)
    if os.environ.get("PYTEST_XDIST_WORKER") is not None:
        by_module(items)
    if items and not any(map(proves, items)):
        config.stash[NO_KEYS] = (Path(tempfile.mkdtemp(prefix="pyleo-no-keys-")), os.environ.get("PYLEO_CACHE_DIR"))
        os.environ["PYLEO_CACHE_DIR"] = str(config.stash[NO_KEYS][0])


NO_KEYS = pytest.StashKey[tuple[Path, str | None]]()
"""Set when the run selected no test that proves: the empty key cache it runs with (a test that writes
keys to it fails), and the ``PYLEO_CACHE_DIR`` it replaced."""


def pytest_unconfigure(config: pytest.Config) -> None:
    if NO_KEYS in config.stash:
        empty, before = config.stash[NO_KEYS]
        shutil.rmtree(empty, ignore_errors=True)
        if before is None:
            os.environ.pop("PYLEO_CACHE_DIR", None)
        else:
            os.environ["PYLEO_CACHE_DIR"] = before


WORKERS_MAX = 4
"""At most this many pytest-xdist workers for ``-n auto`` (pyproject.toml's addopts): each holds TensorFlow, torch
and snarkVM (~2.3 GB resident), and key syntheses already use two cores each."""


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per core this process may run on, at most :data:`WORKERS_MAX` (2 on CI's 2-core
    machine, what the suite's time budget is measured on)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, WORKERS_MAX))


def by_module(items: list[pytest.Item]) -> None:
    """The order for pytest-xdist's ``--dist loadscope`` (pyproject.toml), which hands each worker a whole module
    at a time, in the order of the modules' first tests: the modules with tests that prove first (the long ones:
    key syntheses), then the others, most tests first, so that the run ends on short modules and the two workers
    finish together. Within a module the tests that prove stay last. (One process, ``-n 0``, keeps the order of
    :func:`pytest_collection_modifyitems`: every test that proves after every other.)"""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    order = sorted(modules.values(), key=lambda tests: (not any(map(proves, tests)), -len(tests)))
    items[:] = [item for tests in order for item in tests]


def proves(item: pytest.Item) -> bool:
    """Whether a test proves or synthesizes keys (marked ``prove``)."""
    return item.get_closest_marker("prove") is not None


# ---- Key syntheses, watched per test phase -------------------------------------------------------
# ``PYLEO_KEYLOG=FILE`` appends one JSON line per test phase that wrote keys to the key cache (in this
# process or in a pyleo subprocess sharing the cache): the test, the phase, its seconds, and the new key
# files per program digest (``F.pk`` and ``F.vk``: the keys of function ``F`` synthesized while executing
# it; ``F.vk`` alone: synthesized from the program text). With an empty cache, that is every synthesis.
# Run it in one process (``-n 0``): workers sharing a cache would each log the keys the other wrote meanwhile.
KEYLOG = os.environ.get("PYLEO_KEYLOG")


def key_files(root: Path) -> set[str]:
    """The key files under a key cache ``root``: ``<program digest>/<function>.<pk|vk>``."""
    keys = root / "keys"
    return {f"{p.parent.name}/{p.name}" for p in keys.glob("*/*.[pv]k")} if keys.is_dir() else set()


_seen: dict[Path, set[str]] = {}
"""The key files last seen under each key cache root: a phase that ends under another root than it began
(a fixture setting or restoring ``PYLEO_CACHE_DIR``) is compared with what that root held before."""


def _watch_keys(item: pytest.Item, phase: str) -> Generator[None, object, object]:
    """Run one phase of a test; log the keys it wrote (``PYLEO_KEYLOG``), and fail it for writing any
    when the run proves nothing (the inner loop)."""
    guard = NO_KEYS in item.config.stash and not proves(item)
    if not (KEYLOG or guard):
        return (yield)
    root = vm.cache_dir()
    _seen[root] = key_files(root)
    start = time.perf_counter()
    try:
        result = yield
    finally:
        after_root = vm.cache_dir()
        now = key_files(after_root)
        new = now - _seen.get(after_root, set())
        _seen[after_root] = now
        if new and KEYLOG:
            programs: dict[str, list[str]] = {}
            for name in sorted(new):
                digest, file = name.split("/")
                programs.setdefault(digest, []).append(file)
            with open(KEYLOG, "a") as log:
                log.write(json.dumps({"test": item.nodeid, "phase": phase, "cache": str(after_root),
                                      "seconds": round(time.perf_counter() - start, 2), "programs": programs}) + "\n")
    if new and guard:
        pytest.fail(f"this test synthesized snarkVM keys ({len(new)} key file(s)) but is not marked `prove`: "
                    "mark it so that `-m 'not prove'` leaves it out", pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    """A test marked ``needs_params`` fails with how to install the parameters, rather than with snarkVM's error."""
    if item.get_closest_marker("needs_params") is not None and not params_installed():
        pytest.fail(NO_PARAMS)
    return (yield from _watch_keys(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _watch_keys(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _watch_keys(item, "teardown"))
