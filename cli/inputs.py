"""What the commands take as a function's inputs: Aleo literals or plain numbers / JSON lists coerced to the
declared types, or, for a converted model's ``predict``, the raw feature values it encodes itself."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pyleo import loader, progress
from pyleo.errors import InputError
from pyleo.program import Program
from pyleo.values import from_json_or_aleo

_NUMBER = re.compile(r"-[0-9.]")


def reject_unknown_options(args: list[str] | None, known: str) -> None:
    """Arguments of ``run`` / ``prove`` may start with ``-`` (negative numbers); anything else that
    does is a mistyped option, not an argument."""
    for a in args or []:
        if a.startswith("-") and not _NUMBER.match(a):
            raise InputError(f"no such option: {a}", hint=f"the options here are {known} (negative numbers are arguments)")


def parse_args(prog: Program, fn_name: str, args: list[str]) -> list[Any]:
    fn = prog.entry(fn_name)
    if len(args) != len(fn.params):
        sig = " ".join(f"{p.name}:{p.type.leo()}" for p in fn.params)
        raise InputError(f"{prog.name}.{fn_name} takes {len(fn.params)} argument(s) ({sig}), got {len(args)}")
    return [from_json_or_aleo(a, p.type, f"argument {p.name}") for a, p in zip(args, fn.params)]


def converted_model(loaded: loader.Loaded, prog: Program, fn_name: str) -> Any | None:
    """The converted model (``stdlib_ml.ZkModel``) whose ``predict`` is ``prog.fn_name``: the model file
    itself when a converter wrote it, or a ZkModel the file defines (``zk = from_sklearn(...)``, as
    examples/iris_tree.py does); None otherwise."""
    from stdlib_ml import convert

    if fn_name != "predict":
        return None
    if convert.is_model_file(loaded.path):
        return convert.load(loaded.path)
    zk = loaded.wrappers.get(prog.name)
    return zk if isinstance(zk, convert.ZkModel) else None


def loading(file: Path) -> Any:
    """The spinner shown while a model file loads (importing it, its converter's modules and the model takes a
    second or two, more on a busy machine): :func:`pyleo.progress.stage`."""
    return progress.stage(f"loading {file.name}")


def load_function(file: Path, target: str) -> tuple[Program, str, Any | None]:
    """The program and function ``target`` names in ``file``, and its converted model (:func:`converted_model`),
    loaded under :func:`loading`."""
    with loading(file):
        loaded = loader.load(file)
        prog, fn_name = loaded.function(target)
        return prog, fn_name, converted_model(loaded, prog, fn_name)


def model_args(zk: Any, args: list[str] | None, label_blinding: int | None = None) -> list[Any]:
    """``predict``'s arguments for a converted model: its one argument is the raw feature values (a JSON list
    of floats), encoded as ``ZkModel.encode`` does, followed by the owner's weights (private weights) and
    ``label_blinding`` (a label published as a commitment)."""
    from stdlib_ml import convert

    if len(args or []) != 1:
        raise InputError(f"{zk.path} predict takes one argument, the raw feature values as a JSON list, e.g. "
                         "'[5.1, 3.5, 1.4, 0.2]'")
    (x,) = zk.encode(convert.parse_sample((args or [""])[0]))
    return zk.circuit_args(x, label_blinding)


def call_args(zk: Any | None, prog: Program, fn_name: str, args: list[str] | None,
              label_blinding: int | None = None) -> list[Any]:
    """The values ``prog.fn_name`` is called with: :func:`model_args` for a converted model ``zk`` (see
    :func:`converted_model`), else the arguments parsed as the function declares them (:func:`parse_args`)."""
    return model_args(zk, args, label_blinding) if zk is not None else parse_args(prog, fn_name, args or [])


def batch_model(model_file: Path) -> Any:
    """The converted model (``stdlib_ml.ZkModel``) of a model file written by ``pyleo import``; InputError otherwise."""
    from stdlib_ml import convert

    if not convert.is_model_file(model_file):
        raise InputError(f"{model_file} is not a converted model file",
                         hint="convert a fitted model with `pyleo import MODEL --out FILE.py`")
    with loading(model_file):
        return convert.load(model_file)
