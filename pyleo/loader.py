"""The one importer of user files: a Python file that defines ``pl.Program`` objects (a model file).

``pyleo build/run/prove/verify/cost`` read one (:func:`load`, :func:`find_function`); the converters'
model files (``stdlib_ml.convert.load``) are imported by :func:`import_file` too. A module's errors
become an :class:`~pyleo.errors.InputError` naming the file and line, never a traceback.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import InputError, PyleoError
from .program import Program

HINT = "pass the path of a Python file that defines a pl.Program"


def import_file(path: Path, module_name: str | None = None) -> ModuleType:
    """Import the Python file ``path`` as the module ``module_name`` (default: named after the file's path and
    text, so an edited file is imported again), with its folder on ``sys.path`` while it runs; a module of that
    name already imported is returned as it is. Raises InputError when the file is missing, is a folder, or
    fails while importing (its syntax error or exception, with the file and line)."""
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a Python file", hint=HINT)
    if not path.is_file():
        raise InputError(f"no such file: {path}", hint=HINT)
    if module_name is None:
        digest = hashlib.sha256(str(path.resolve()).encode() + path.read_bytes()).hexdigest()[:16]
        module_name = f"pyleo_user_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"{path} is not a Python file", hint=HINT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(path.resolve().parent))
    # no __pycache__ beside the file: a model file's bytecode would copy its private weights into a file that
    # deleting the model (or `pyleo cache clear`) leaves behind
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    except PyleoError:
        del sys.modules[module_name]
        raise
    except SyntaxError as e:
        del sys.modules[module_name]
        raise InputError(f"{e.filename}:{e.lineno}:{e.offset}: Python syntax error: {e.msg}") from None
    except Exception as e:  # the user's module failed while importing: report it, not our traceback
        del sys.modules[module_name]
        tb = e.__traceback__
        while tb is not None and tb.tb_next is not None and tb.tb_frame.f_code.co_filename != str(path.resolve()):
            tb = tb.tb_next
        where = f"{path}:{tb.tb_lineno}: " if tb is not None else ""
        raise InputError(f"{where}importing {path} failed: {type(e).__name__}: {e}") from None
    finally:
        sys.dont_write_bytecode = writes_bytecode
        sys.path.remove(str(path.resolve().parent))
    return module


@dataclass
class Loaded:
    """What a model file defines: its programs by name, and the objects wrapping some of them (a converted
    model, ``zk = from_sklearn(...)``, whose ``program`` attribute is the program) by program name."""

    path: Path
    programs: dict[str, Program]
    wrappers: dict[str, Any] = field(default_factory=dict)

    def function(self, target: str) -> tuple[Program, str]:
        """The program and function ``target`` names: ``PROGRAM.FUNCTION``, or ``FUNCTION`` when the file has one
        program. InputError when there is no such program or function."""
        if "." in target:
            prog_name, fn_name = target.split(".", 1)
            if prog_name not in self.programs:
                raise InputError(f"{self.path} has no program {prog_name!r}; it has {', '.join(self.programs)}")
            prog = self.programs[prog_name]
        elif len(self.programs) == 1:
            prog, fn_name = next(iter(self.programs.values())), target
        else:
            raise InputError(f"{self.path} has several programs ({', '.join(self.programs)}): name one as "
                             "PROGRAM.FUNCTION")
        prog.entry(fn_name)
        return prog, fn_name


def load(file: Path) -> Loaded:
    """Import a model file and collect its ``pl.Program`` objects (and those of the objects that wrap one).
    Raises InputError as :func:`import_file`, when it defines none, or two different programs of one name."""
    module = import_file(file)
    programs: dict[str, Program] = {}
    wrappers: dict[str, Any] = {}
    for v in vars(module).values():
        wrapped = getattr(v, "program", None) if not isinstance(v, (Program, type, ModuleType)) else None
        if isinstance(wrapped, Program):   # a converted model defined in the file: its program
            wrappers[wrapped.name] = v
            v = wrapped
        if isinstance(v, Program) and programs.setdefault(v.name, v) is not v:
            raise InputError(f"{file} defines two different pl.Program named {v.name!r}",
                             hint="give each program its own name (its Aleo program ID)")
    if not programs:
        raise InputError(f"{file} defines no pl.Program (nor a converted model)",
                         hint='add e.g. `prog = pl.Program("model", [predict])`, or `zk = from_sklearn(model, X)`')
    return Loaded(file, programs, wrappers)
