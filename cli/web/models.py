"""The models `pyleo serve` shows: three scikit-learn examples and uploaded model files.

A :class:`Entry` holds a converted model (:class:`stdlib_ml.convert.ZkModel`), the float model it came
from, its feature names and ranges, and the rows its fidelity report is measured on. Examples are
fitted on first use and kept for the life of the process; uploads are converted from files in a
temporary folder that is removed whatever happens.
"""

from __future__ import annotations

import importlib.util
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pyleo import names, vm
from pyleo.errors import InputError, PyleoError
from stdlib_ml.convert import ModelInputError, csv_header, frontends

UPLOAD_FRONTENDS = {"sklearn": "scikit-learn", "xgboost": "XGBoost"}
"""The frontends whose model files the page takes as uploads (their suffixes: :data:`stdlib_ml.convert.frontends.FRONTENDS`)."""

MAX_MODEL_BYTES = 32 * 2**20
"""Largest model file an upload may send (bytes)."""
MAX_CSV_BYTES = 8 * 2**20
"""Largest CSV of calibration rows an upload may send (bytes)."""
MAX_ENTRIES = 16
"""Models kept in memory; the oldest upload is dropped first."""
UPLOAD_SECONDS = 3600.0
"""How long an upload is kept after its last use (seconds)."""
SWEEP_SECONDS = 60.0
"""How often the app drops expired uploads when no request does it."""


@dataclass
class Entry:
    """One model the app shows.

    ``X`` / ``y``: the rows of the fidelity report, (n, n_features) float64 and (n,) labels (None for
    uploads, which have no labels); ``rows_kind``: what those rows are ("held-out" or "calibration"). Labels are
    the model's own (an example is fitted on its dataset's class names, so that its circuit, its proofs and its
    public model file name them too).
    """

    id: str
    title: str
    zk: Any
    model: Any
    features: list[str]
    X: np.ndarray
    y: np.ndarray | None
    rows_kind: str
    cache: dict[str, Any] = field(default_factory=dict)
    used: float = field(default_factory=time.monotonic)

    @staticmethod
    def label(value: Any) -> str:
        """A prediction (a label, a value) as the page shows it."""
        return str(value.item() if isinstance(value, np.generic) else value)


def _iris() -> tuple[Any, Any]:
    from sklearn.datasets import load_iris
    from sklearn.neural_network import MLPClassifier

    return load_iris(), MLPClassifier((4,), max_iter=3000, random_state=0)


def _breast_cancer() -> tuple[Any, Any]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return load_breast_cancer(), make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def _wine() -> tuple[Any, Any]:
    from sklearn.datasets import load_wine
    from sklearn.tree import DecisionTreeClassifier

    return load_wine(), DecisionTreeClassifier(max_depth=3, random_state=0)


EXAMPLES: dict[str, tuple[str, Callable[[], tuple[Any, Any]]]] = {
    "iris_mlp": ("Iris: MLP 4-4-3", _iris),
    "breast_cancer_logreg": ("Breast cancer: logistic regression (30 features)", _breast_cancer),
    "wine_tree": ("Wine: decision tree, depth 3", _wine),
}
"""Example id → (title, loader of the scikit-learn dataset and the unfitted model)."""


class Store:
    """The models of one app, by id (thread-safe). Uploads expire :data:`UPLOAD_SECONDS` after their
    last use; :meth:`close` drops them all."""

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()

    def get(self, model_id: str) -> Entry:
        """The model ``model_id``; InputError when there is none (unknown, expired or dropped)."""
        self.expire()
        with self._lock:
            entry = self._entries.get(model_id)
        if entry is None:
            raise InputError(f"no model {model_id!r} on this server", hint="choose an example or upload the model again")
        entry.used = time.monotonic()
        return entry

    def _add(self, entry: Entry) -> Entry:
        self.expire()
        dropped = []
        with self._lock:
            uploads = [k for k in self._entries if k not in EXAMPLES]
            while uploads and len(self._entries) >= MAX_ENTRIES:
                dropped.append(self._entries.pop(uploads.pop(0)))
            self._entries[entry.id] = entry
        for old in dropped:
            _forget(old)
        return entry

    def expire(self) -> None:
        """Drop the uploads unused for :data:`UPLOAD_SECONDS` (and their files: every access does it, and
        the app every :data:`SWEEP_SECONDS`)."""
        old = time.monotonic() - UPLOAD_SECONDS
        with self._lock:
            gone = [self._entries.pop(k) for k, e in list(self._entries.items()) if k not in EXAMPLES and e.used < old]
        for entry in gone:
            _forget(entry)

    def close(self) -> None:
        """Drop every upload (the app is stopping)."""
        with self._lock:
            gone = [self._entries.pop(k) for k in list(self._entries) if k not in EXAMPLES]
        for entry in gone:
            _forget(entry)

    def example(self, name: str) -> Entry:
        """The example ``name`` (a key of :data:`EXAMPLES`), fitted and converted on first use: trained
        on 75% of the dataset (stratified, seed 0), calibrated on those rows, reported on the rest."""
        from sklearn.model_selection import train_test_split

        from stdlib_ml.convert import from_sklearn

        if name not in EXAMPLES:
            raise InputError(f"no example model {name!r}", hint=f"one of: {', '.join(EXAMPLES)}")
        with self._lock:
            if name in self._entries:
                return self._entries[name]
        title, loader = EXAMPLES[name]
        data, model = loader()
        X_train, X_test, y_train, y_test = train_test_split(data.data, data.target, test_size=0.25, random_state=0,
                                                            stratify=data.target)
        names = np.asarray([str(c) for c in data.target_names])
        model.fit(X_train, names[y_train])
        zk = from_sklearn(model, X_train, name=f"web_{name}")
        return self._add(Entry(name, title, zk, model, [str(f) for f in data.feature_names], X_test, names[y_test],
                               "held-out"))

    def upload(self, filename: str, model_bytes: bytes, csv_bytes: bytes) -> Entry:
        """Convert an uploaded model file (joblib / pickle, or XGBoost ``.json`` / ``.ubj``) calibrated on
        the rows of a CSV (numbers, an optional header line of feature names). The files live in a
        temporary folder removed before returning. InputError for an oversized, empty or unreadable
        file, a CSV whose columns do not match the model, or a model the converters do not take."""
        if not model_bytes:
            raise InputError("the model file is empty")
        if len(model_bytes) > MAX_MODEL_BYTES:
            raise InputError(f"the model file is {len(model_bytes):,} bytes, more than this server takes "
                             f"({MAX_MODEL_BYTES:,})")
        if not csv_bytes:
            raise InputError("the calibration CSV is empty",
                             hint="upload rows of feature values (e.g. the training set), one row per line")
        if len(csv_bytes) > MAX_CSV_BYTES:
            raise InputError(f"the CSV is {len(csv_bytes):,} bytes, more than this server takes ({MAX_CSV_BYTES:,})")
        suffix = Path(filename or "model.joblib").suffix.lower()
        if suffix not in (s for name in UPLOAD_FRONTENDS for s in frontends.get(name).suffixes):
            raise InputError(f"{filename!r}: {uploads_taken()}")
        try:
            header = csv_header(csv_bytes.decode("utf-8"))
        except UnicodeDecodeError:
            raise InputError("the CSV is not a text file (UTF-8)") from None
        try:
            return self._convert(filename, model_bytes, csv_bytes, suffix, header)
        except PyleoError as e:   # name the uploaded files, not their temporary copies
            e.message = re.sub(r"\S*pyleo-web-\w+/model\.\w+", repr(filename), e.message)
            e.message = re.sub(r"\S*pyleo-web-\w+/rows\.csv", "the CSV", e.message)
            raise

    def _convert(self, filename: str, model_bytes: bytes, csv_bytes: bytes, suffix: str,
                 header: list[str] | None) -> Entry:
        from stdlib_ml.convert import from_file, load_rows
        from stdlib_ml.convert.api import load_model_file

        with tempfile.TemporaryDirectory(prefix="pyleo-web-") as tmp:
            model_path, csv_path = Path(tmp, "model" + suffix), Path(tmp, "rows.csv")
            model_path.write_bytes(model_bytes)
            csv_path.write_bytes(csv_bytes)
            try:
                model = load_model_file(model_path)
            except ModelInputError as e:   # its hint names every framework's files: this page takes two
                e.hint = f"save the fitted model with joblib.dump(model, path); {uploads_taken()}"
                raise
            known = getattr(model, "feature_names_in_", None)   # a scikit-learn model fitted on a DataFrame knows them
            X = load_rows(csv_path, names=known)   # a header names the columns: taken by the model's names
            want = _n_features(model)
            if want is not None and X.shape[1] != want:
                raise InputError(f"the CSV has {X.shape[1]} columns, the model takes {want} features",
                                 hint="one column per feature, in the model's order (an optional header line)")
            try:
                tag = secrets.token_hex(3)   # unique per upload: the program's keys and files are this upload's
                name = names.program_name_from(Path(filename).stem, f"_upload_{tag}") or f"web_upload_{tag}"
                zk = from_file(model_path, X, name=name, strict=False)
            except PyleoError:
                raise
            except (ValueError, TypeError, AttributeError) as e:
                raise InputError(f"this model cannot be converted: {e}") from None
        features = ([str(f) for f in known] if known is not None and len(known) == X.shape[1]   # X in their order
                    else header or [f"x{i}" for i in range(X.shape[1])])
        entry = Entry(f"upload_{secrets.token_hex(6)}", f"Uploaded {type(model).__name__} ({filename})", zk, model,
                      features, X, None, "calibration")
        return self._add(entry)


def uploads_taken() -> str:
    """The model files an upload may be, in words (:data:`UPLOAD_FRONTENDS`' suffixes)."""
    return "a model file ends in " + " or ".join(f"{', '.join(frontends.get(name).suffixes)} ({title})"
                                                 for name, title in UPLOAD_FRONTENDS.items())


def _forget(entry: Entry) -> None:
    """Remove what an upload left outside this process's store: the converter's model files in pyleo's
    cache (every ``<name>_<digest>.py`` of the upload's unique program name; conversion writes more
    than one) and their bytecode, the modules imported from them, and the keys cached for its program."""
    files = sorted(entry.zk.path.parent.glob(f"{entry.zk.name}_*.py"))
    gone = {str(f) for f in files}
    for name, module in list(sys.modules.items()):
        if getattr(module, "__file__", None) in gone:
            del sys.modules[name]
    for f in files:
        f.unlink(missing_ok=True)
        Path(importlib.util.cache_from_source(str(f))).unlink(missing_ok=True)   # its bytecode, if any
    shutil.rmtree(vm.keys_dir(entry.zk.program.aleo()), ignore_errors=True)


def _n_features(model: Any) -> int | None:
    """How many features the fitted model takes, where it says so (scikit-learn, XGBoost)."""
    n = getattr(model, "n_features_in_", None)
    if n is None and hasattr(model, "num_features"):
        n = model.num_features()
    return int(n) if n is not None else None
