"""The owner's secrets have a lifecycle: a converted model with private weights holds them in one file,
in the model cache (listed by ``pyleo cache info``, deleted by ``pyleo cache clear``) or where the owner
saves it (the cached file then becomes a link to it), never in both and never twice.

Oracle: the file system. Every regular file under a folder is searched for the model's blinding value
(its decimal digits, as the model file writes it).
"""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pytest

from pyleo import vm
from stdlib_ml import from_sklearn, load
from tests.test_cli import pyleo


@pytest.fixture(scope="module")
def iris_lr() -> tuple[object, np.ndarray]:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=1000).fit(X, y), X


def _holding(root: Path, secret: int) -> list[Path]:
    """Every regular file (links aside) under ``root`` whose bytes contain ``secret``'s decimal digits."""
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and str(secret).encode() in p.read_bytes())


def test_a_private_conversion_leaves_one_copy_until_saved_elsewhere(iris_lr, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    clf, X = iris_lr
    cache = tmp_path / "cache"
    monkeypatch.setenv("PYLEO_CACHE_DIR", str(cache))
    zk = from_sklearn(clf, X, weights="private")        # rendered twice: before and after its fidelity check
    blinding = int(zk.module.OWNER_BLINDING)
    assert [f for f, _, _ in vm.cached_models()] == [zk.path] == _holding(cache, blinding)
    assert zk.path.parent == vm.model_cache_dir() and zk.path.read_text() == zk.source
    assert zk.path.stat().st_mode & 0o077 == 0            # the owner's only

    owner = zk.save(tmp_path / "owner.py")
    assert _holding(tmp_path, blinding) == [owner] and owner.stat().st_mode & 0o077 == 0   # the one copy
    assert zk.path.is_symlink() and zk.path.resolve() == owner.resolve()   # the cache links to it
    assert load(owner).commitment == zk.commitment and zk.predict(X[:3]).tolist() == clf.predict(X[:3]).tolist()
    assert vm.cache_model(zk.source, zk.name, private=True) == zk.path and _holding(tmp_path, blinding) == [owner]
    zk.save(tmp_path / "again.py")                      # saved twice: the owner's choice, two files, the link follows
    assert _holding(tmp_path, blinding) == [tmp_path / "again.py", owner] and zk.path.resolve() == (tmp_path / "again.py")

    again = from_sklearn(clf, X, weights="private")     # another conversion: another blinding, its own file
    assert again.commitment != zk.commitment and sorted(f for f, _, _ in vm.cached_models()) == sorted([zk.path, again.path])
    assert _holding(cache, int(again.module.OWNER_BLINDING)) == [again.path]


def test_public_models_are_cached_once_per_source(iris_lr, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clf, X = iris_lr
    monkeypatch.setenv("PYLEO_CACHE_DIR", str(tmp_path))
    first, second = from_sklearn(clf, X), from_sklearn(clf, X)
    assert first.source == second.source and first.path == second.path
    assert {f for f, _, _ in vm.cached_models()} >= {first.path}
    assert first.save(tmp_path / "public.py").is_file() and first.path.is_file() and not first.path.is_symlink()
    assert vm.link_model(tmp_path / "public.py", tmp_path / "x.py") is False   # only the model cache's files are linked


def test_cli_import_writes_the_owners_file_only_and_cache_clear_empties_the_model_cache(
        iris_lr, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clf, X = iris_lr
    joblib.dump(clf, tmp_path / "lr.joblib")
    np.save(tmp_path / "X.npy", X)
    cache = tmp_path / "cache"
    env = {"PYLEO_CACHE_DIR": str(cache)}
    for _ in range(2):                                  # converting twice: still one copy, the owner's
        done = pyleo("import", str(tmp_path / "lr.joblib"), "--data", str(tmp_path / "X.npy"), "--weights", "private",
                     "--out", str(tmp_path / "owner.py"), env=env)
        assert done.returncode == 0, done.stderr
    blinding = int(load(tmp_path / "owner.py").module.OWNER_BLINDING)
    assert _holding(tmp_path, blinding) == [tmp_path / "owner.py"]    # no copy in the cache (links only)
    (link,) = (cache / "models").glob("*.py")           # the second conversion's, linked to the file it wrote
    assert link.is_symlink() and link.resolve() == (tmp_path / "owner.py").resolve()

    # A model the owner never saved stays in the cache: listed, then deleted with its bytecode.
    monkeypatch.setenv("PYLEO_CACHE_DIR", str(cache))
    unsaved = from_sklearn(clf, X, weights="private")
    (unsaved.path.parent / "__pycache__").mkdir()
    pyc = unsaved.path.parent / "__pycache__" / f"{unsaved.path.stem}.cpython-311.pyc"
    pyc.write_bytes(unsaved.path.read_bytes())          # what Python writes when it may compile it
    info = pyleo("cache", "info", env=env)
    assert info.returncode == 0 and f"model cache: {cache / 'models'}" in info.stdout, info.stderr
    assert "2 model file(s)" in info.stdout and unsaved.path.name in info.stdout
    assert f"{link.name}" in info.stdout and f"-> {tmp_path / 'owner.py'}" in info.stdout
    cleared = pyleo("cache", "clear", env=env)
    assert cleared.returncode == 0 and "deleted 2 model file(s)" in cleared.stdout, cleared.stderr
    assert not (cache / "models").exists() and (tmp_path / "owner.py").is_file()   # the owner's file stays


def test_importing_a_model_file_writes_no_bytecode_beside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where Python writes bytecode (its default; this machine's image turns it off), importing a model file
    must not leave a __pycache__ beside it: the bytecode of a private-weights file holds its weights, and
    deleting the file or `pyleo cache clear` would leave that copy behind (found when the suite ran with
    bytecode on: `cache clear` failed on the folder)."""
    import sys

    from pyleo import loader

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    model = tmp_path / "secret_model.py"
    model.write_text("WEIGHTS = [3, -1, 4]\n")
    assert loader.import_file(model).WEIGHTS == [3, -1, 4]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_model.py"]
    assert sys.dont_write_bytecode is False   # restored
