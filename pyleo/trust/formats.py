"""Where the files a verifier is given are read and written (documented in docs/formats.md).

* a proof file (``pyleo-proof/2``, :class:`pyleo.vm.Proof`) or a split proof file
  (``pyleo-split-proof/1``, :class:`pyleo.split.SplitProof`): :func:`read_proof` reads either (each class
  holds its own JSON form, ``to_json`` / ``from_json``, next to what it proves);
* a public model file (``pyleo-public-model/1``): what a verifier of a converted model needs and
  nothing secret, written by :func:`write_public_model` and read by :func:`read_public_model` (the
  browser's ``cli/web/static/aleo.js`` reads the same documented format);
* and the one file that is not for verifiers: the prover's own outputs in clear
  (``pyleo-private-outputs/1``, :func:`write_private_outputs`).

The batch manifest (``pyleo-batch/2``) is read and written by :mod:`pyleo.trust.batch`. What each field of
these formats binds, or that it is not reported, is declared beside the policy
(:data:`pyleo.trust.policy.FIELDS`); the forgery tests hold the two together.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import split, vm
from ..errors import InputError
from ..files import TOO_LARGE, UNREADABLE, Refused, read_limited
from ..names import is_identifier

PUBLIC_MODEL_FORMAT = "pyleo-public-model/1"
"""The ``"format"`` of a public model file."""
LOG_LINK = "exp"
"""A :class:`Decoding`'s ``link`` for a GLM's log link (the proved output is the logarithm of the value)."""
MAX_EXP_ARGUMENT = math.log(sys.float_info.max)
"""The largest x whose exp(x) is a finite float (larger: the value decodes as inf, as numpy's exp gives it)."""


@dataclass(frozen=True)
class Decoding:
    """How a converted model's first output reads in the model's terms: ``classes`` (a classifier's labels,
    JSON values: the output is an index into them), or ``scale`` (a regressor: the output is the value times
    ``scale``; with ``link`` ``"exp"``, a GLM's log link, it is the logarithm of the value times ``scale``, and the
    value is ``exp(output / scale)``, as :meth:`stdlib_ml.ZkModel.decode` reads it); neither: the output is the
    answer itself (a cluster). It is not part of what a proof proves: a verifier takes it from the model it trusts
    (its model file or public model file), never from the proof."""

    classes: tuple[Any, ...] | None = None
    scale: float | None = None
    link: str | None = None

    def decode(self, literal: str) -> str | None:
        """The label or value the proved output ``literal`` (``"1u8"``, ``"-1234i64"``) stands for, as text;
        None when it is not an integer literal (a commitment) or names no class."""
        m = re.fullmatch(r"(-?[0-9]+)(?:[iu](?:8|16|32|64|128))", literal.strip())
        if m is None:
            return None
        v = int(m.group(1))
        if self.classes is not None:
            return str(self.classes[v]) if 0 <= v < len(self.classes) else None
        if self.scale is None:
            return str(v)
        value = v / self.scale
        if self.link == LOG_LINK:
            value = math.exp(value) if value < MAX_EXP_ARGUMENT else math.inf
        return f"{value:.6g}"

    def to_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes) if self.classes is not None else None, "scale": self.scale,
                **({"link": self.link} if self.link is not None else {})}

    @classmethod
    def from_json(cls, doc: Any, source: str) -> Decoding:
        """A Decoding from its JSON object; InputError naming ``source`` when it is not one."""
        classes, scale, link = (doc.get("classes"), doc.get("scale"), doc.get("link")) if isinstance(doc, dict) else (0, 0, 0)
        if not (classes is None or (isinstance(classes, list) and all(isinstance(c, (str, int, float)) for c in classes))):
            raise InputError(f"{source}: \"decoding\" must be {{\"classes\": [labels] or null, \"scale\": number or null}}")
        if not (scale is None or (isinstance(scale, (int, float)) and not isinstance(scale, bool) and 0 < scale < math.inf)):
            raise InputError(f"{source}: \"decoding\".\"scale\" must be a positive number or null")
        if link not in (None, LOG_LINK) or (link is not None and scale is None):
            raise InputError(f"{source}: \"decoding\".\"link\" must be \"{LOG_LINK}\" (with a scale) or absent")
        return cls(tuple(classes) if classes is not None else None, float(scale) if scale is not None else None, link)


@dataclass
class PublicModel:
    """A public model file as read (:func:`read_public_model`): the program's Aleo text (its checksum
    checked against the file's), the function proofs are of, the commitment to private weights
    (None with public weights), the verifying keys it carries (function → ``verifier1…``; each
    checked against the program by :func:`pyleo.trust.verify` before it is used) and how the function's
    first output reads as a label or value (:class:`Decoding`; None when the file does not say)."""

    program: str
    function: str = "predict"
    commitment: str | None = None
    verifying_keys: dict[str, str] = field(default_factory=dict)
    path: str = ""
    decoding: Decoding | None = None

    @property
    def checksum(self) -> str:
        return vm.program_checksum(self.program)


def public_model_json(program: str, program_id: str, function: str, weights: str, commitment: str | None,
                      verifying_keys: dict[str, str] | None = None, decoding: Decoding | None = None) -> dict[str, Any]:
    """The JSON object of a public model file (see docs/formats.md)."""
    doc: dict[str, Any] = {"format": PUBLIC_MODEL_FORMAT, "program_id": program_id, "function": function,
                           "checksum": vm.program_checksum(program), "weights": weights,
                           "commitment": commitment, "program": program}
    if decoding is not None:
        doc["decoding"] = decoding.to_json()
    if verifying_keys is not None:
        doc["verifying_keys"] = dict(verifying_keys)
    return doc


def write_public_model(path: str | os.PathLike[str], program: str, program_id: str, function: str, weights: str,
                       commitment: str | None, verifying_key: bool = False, decoding: Decoding | None = None) -> Path:
    """Write a public model file (atomically): ``program`` (Aleo text) with ``program_id``, the proved
    ``function``, ``weights`` ("public" / "private"), ``commitment``, ``decoding`` (how the first output
    reads as a label or value; omitted when None) and, with ``verifying_key=True``,
    the function's verifying key derived here (:func:`pyleo.vm.verifying_key`: cached or synthesized,
    about 4 s; LimitError when the function does not fit one circuit here). Raises InputError when
    ``path`` cannot be written."""
    vm.check_writable(path)
    keys = {function: vm.verifying_key(program, function)} if verifying_key else None
    doc = public_model_json(program, program_id, function, weights, commitment, keys, decoding)
    vm.write_atomic(path, (json.dumps(doc, indent=1) + "\n").encode())
    return Path(path)


def parse_public_model(doc: Any, source: str) -> PublicModel:
    """The :class:`PublicModel` of a public model file's JSON object; InputError naming the field when
    it is not one, or when its program does not have its stated checksum."""
    hint = "pass the file `pyleo commit MODEL --out FILE` wrote"
    if not isinstance(doc, dict) or doc.get("format") != PUBLIC_MODEL_FORMAT:
        raise InputError(f"{source} is not a public model file (\"format\" {PUBLIC_MODEL_FORMAT})", hint=hint)
    program, stated, commitment = doc.get("program"), doc.get("checksum"), doc.get("commitment")
    function = doc.get("function", "predict")
    if not isinstance(program, str):
        raise InputError(f"{source}: \"program\" must be the program's Aleo text (a string)", hint=hint)
    if not isinstance(stated, str) or vm.program_checksum(program) != stated:
        raise InputError(f"{source}: its \"program\" does not have the \"checksum\" it states ({stated}); the file "
                         "was altered", hint=hint)
    if not (commitment is None or isinstance(commitment, str)):
        raise InputError(f"{source}: \"commitment\" must be a string or null", hint=hint)
    weights = doc.get("weights", "private" if commitment is not None else "public")
    if weights != ("private" if commitment is not None else "public"):
        raise InputError(f"{source}: \"weights\" is {weights!r} and \"commitment\" is "
                         f"{'null' if commitment is None else commitment}: private weights come with their commitment, "
                         "public ones without; the file was altered (without its commitment, any weights would pass)",
                         hint=hint)
    if not is_identifier(function):
        raise InputError(f"{source}: \"function\" must be a function name (an Aleo identifier), not {function!r}",
                         hint=hint)
    keys = doc.get("verifying_keys", {})
    if not isinstance(keys, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in keys.items()):
        raise InputError(f"{source}: \"verifying_keys\" must map function names to verifying keys (strings)")
    decoding = Decoding.from_json(doc["decoding"], source) if doc.get("decoding") is not None else None
    return PublicModel(program, function, commitment, dict(keys), source, decoding)


def read_public_model(path: str | os.PathLike[str]) -> PublicModel:
    """Read a public model file (:func:`parse_public_model`); InputError when unreadable or not one."""
    try:
        doc = read_limited(path, vm.MAX_PROOF_FILE_BYTES)
    except Refused as e:
        if e.kind == UNREADABLE:
            raise InputError(f"cannot read the public model file {path}: {e.reason}") from None
        if e.kind == TOO_LARGE:
            raise InputError(f"{path} is larger than {vm.MAX_PROOF_FILE_BYTES // 2**20} MiB, more than any public model "
                             "file (one program and its verifying key): it is not one") from None
        raise InputError(f"{path} is not a public model file ({e.reason})",
                         hint="pass the file `pyleo commit MODEL --out FILE` wrote") from None
    return parse_public_model(doc, str(path))


def parse_proof(doc: Any, source: str = "proof") -> vm.Proof | split.SplitProof:
    """A proof file's JSON object as a :class:`pyleo.vm.Proof` or, for a split proof, a
    :class:`pyleo.split.SplitProof`; ProofError when it is neither."""
    if split.is_split_proof(doc):
        return split.SplitProof.from_json(doc, source)
    return vm.Proof.from_json(doc, source)


def read_proof(path: str | os.PathLike[str]) -> vm.Proof | split.SplitProof:
    """Read a proof file, single or split (:func:`parse_proof`); InputError when unreadable, ProofError when not one."""
    return parse_proof(vm.read_proof_json(path), str(path))


def as_artifact(artifact: Any) -> vm.Proof | split.SplitProof:
    """``artifact`` as a proof object: a Proof or SplitProof itself, a proof file's JSON object, or its path."""
    if isinstance(artifact, (vm.Proof, split.SplitProof)):
        return artifact
    if isinstance(artifact, dict):
        return parse_proof(artifact)
    if isinstance(artifact, (str, os.PathLike)):
        return read_proof(artifact)
    raise InputError(f"expected a proof (pyleo.vm.Proof, pyleo.split.SplitProof, a proof file's JSON object or "
                     f"path), got {type(artifact).__name__}")


PRIVATE_OUTPUTS_FORMAT = "pyleo-private-outputs/1"
"""The ``"format"`` of the prover-only file ``pyleo prove --private-out`` writes."""


def write_private_outputs(path: str | os.PathLike[str], proof: vm.Proof | split.SplitProof, proof_file: str,
                          label_blinding: int | None = None) -> None:
    """Write the prover-only file (mode 0600): every output of ``proof`` in clear (private ones included, from
    the prover's memory), the proof file it belongs to and, for a label published as a commitment, its
    blinding scalar. Never for verifiers; InputError when ``path`` cannot be written."""
    mine = {"format": PRIVATE_OUTPUTS_FORMAT, "warning": "prover-only: private values in clear, do not share",
            "proof_file": proof_file, **vm.stamp(proof.program), "function": proof.function, "outputs": proof.outputs,
            **({"label_blinding": f"{label_blinding}scalar"} if label_blinding is not None else {})}
    vm.write_atomic(path, (json.dumps(mine, indent=1) + "\n").encode(), mode=0o600)
