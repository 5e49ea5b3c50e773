"""Batches of proofs: the batch manifest's format (``pyleo-batch/2``) and the one routine that verifies a
batch folder (:func:`verify_batch`) and derives what a verifier is told from the proofs alone.

A batch folder holds ``row-NNNNNN.proof.json`` (one proof per row) or ``rows-NNNNNN-kK.proof.json`` (one
proof per K rows), each one circuit (never split), and ``manifest.json``. Each proof is of the batch
program, whose entry takes first a public input ``batch_row: [u32; 3]`` = [the proof's first row, its
number of rows, the batch's number of rows]: a row's identity and the batch's size are **inside** the
proof, so a row cannot be moved to another proof, copied, dropped or added without the verifier seeing
it. Its cost, measured with snarkVM 4.12 on a depth-2 iris tree (``predict``: 11,580 constraints): +584
constraints per proof (+547 for ``[u32; 2]``, +1,030 for two ``u32`` inputs, +995 for one ``field``, a
hash of a row id, which binds no more). A proof proves rows first … first + n − 1 (n ≤ K), in the order
of its output array.

The manifest is the prover's bookkeeping (what was proved, what failed, how long it took; a rerun
resumes from it). Everything :func:`verify_batch` reports (each row's public outputs and prediction,
the number of rows, which rows are proved) comes from the verified proofs and the trusted program; the
manifest is then compared with it, field by field (:data:`MANIFEST_FIELDS`, :data:`ROW_FIELDS`), and any
difference is a problem naming the row and the field.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PyleoError
from ..files import TOO_LARGE, Refused, read_limited, same_json
from .formats import read_proof
from .policy import Trusted, verify

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 256 * 2**20
"""Largest manifest (or prover-only batch file) read, in bytes: a row's entry takes about 250 bytes, so this holds
a million rows; a larger file is refused before it is parsed."""
FORMAT = "pyleo-batch/2"
PRIVATE_FORMAT = "pyleo-batch-private/1"
ROW_INPUT = "batch_row"
"""The batch program's first input: ``[first row, rows, rows total]`` of the proof (public ``[u32; 3]``)."""
ENTRY_ONE, ENTRY_MANY = "predict", "predict_rows"
"""The batch program's entry: one row per proof (the model's outputs), or K (a public array of K labels)."""

PROOF_FILE = re.compile(r"rows?-([0-9]{6})(?:-k([0-9]+))?\.proof\.json")

MANIFEST_FIELDS: dict[str, str] = {
    "format": "checked: must be pyleo-batch/2",
    "program_id": "copy: must equal the verified proofs' program ID",
    "program_checksum": "copy: must equal the verified proofs' program checksum (the trusted program's when bound)",
    "function": "copy: must equal the entry the verified proofs are of",
    "model": "copy: the verified proofs' program ID must be <model>_rows<K>.aleo",
    "rows_total": "copy: must equal the third element of every verified proof's batch_row input",
    "rows_per_proof": "copy: must equal the length of the array of rows the proofs' entry takes",
    "rows": "one entry per row, each checked (ROW_FIELDS)",
}
"""How each top-level field of a batch manifest (``pyleo-batch/2``) is bound: ``copy``, compared with what
the verified proofs and the trusted program say (a difference is a problem naming the field)."""

MANIFEST_NOT_REPORTED: dict[str, str] = {
    "pyleo": "informative (the prover's version)",
    "aleo_sdk": "informative (the prover's version)",
    "snarkvm": "informative (the prover's version)",
}
"""Top-level fields of a batch manifest nothing is reported from."""

ROW_FIELDS: dict[str, str] = {
    "row": "copy: a row some verified proof's batch_row names, listed once",
    "proof": "copy: must be the file whose verified proof proves this row",
    "slot": "copy: the row's position in its proof's output array (row - first row; K > 1 only)",
    "error": "checked: a row recorded as failed has no proof (and is reported as not proved); a proved row has none",
    "public_outputs": "copy: must equal the verified proof's public outputs for this row",
    "prediction": "copy: must equal the trusted model's decoding of the row's proved label (with a decoder)",
}
"""How each field of a manifest row is bound."""

ROW_NOT_REPORTED: dict[str, str] = {
    "seconds": "informative (the prover's timing)",
}
"""Fields of a manifest row nothing is reported from."""


CLAIM = ("each row number of the batch (0 to rows_total - 1) has one proof that the trusted program gave these "
         "outputs on an input the prover chose; the row numbers are the prover's labels and no data set is committed "
         "to or proved, so this does not show that these are the model's predictions for your rows")
"""What a valid batch verdict claims, and what it does not, in the words ``pyleo verify-batch`` prints (docs/formats.md,
"What a verified batch claims"): the proofs bind a row index and the batch's size, never a data set."""


class BatchError(PyleoError):
    """A batch folder cannot be used: no readable manifest, another program's batch, a worker died."""


def proof_name(row: int, k: int = 1) -> str:
    """The proof file of row ``row`` (0-based) in a batch folder; with ``k`` rows per proof, of the proof
    whose first row is ``row``."""
    return f"row-{row:06d}.proof.json" if k == 1 else f"rows-{row:06d}-k{k}.proof.json"


def read_json(path: Path, what: str) -> dict[str, Any] | None:
    """The JSON object in ``path`` (None when there is no such file); BatchError when it is not one: not a regular
    file, larger than :data:`MAX_MANIFEST_BYTES`, not UTF-8 JSON (nesting included) or not an object."""
    if not path.exists():
        return None
    try:
        data = read_limited(path, MAX_MANIFEST_BYTES)
    except Refused as e:
        if e.kind == TOO_LARGE:
            raise BatchError(f"{path} is larger than {MAX_MANIFEST_BYTES // 2**20} MiB, more than a {what} of a million "
                             "rows") from None
        raise BatchError(f"{path} cannot be read as a {what}: {e.reason}") from None
    if not isinstance(data, dict):
        raise BatchError(f"{path} is not a {what}")
    return data


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a batch folder (format ``pyleo-batch/2``). BatchError when the folder has none or
    it is not one."""
    path = Path(folder) / MANIFEST
    data = read_json(path, "batch manifest")
    if data is None:
        raise BatchError(f"{folder} has no {MANIFEST}", hint="pass the folder `pyleo prove-batch --out` wrote")
    if data.get("format") != FORMAT or not isinstance(data.get("rows"), list):
        raise BatchError(f"{path} is not a batch manifest (format {FORMAT}, with a list of rows)")
    return data


def write_manifest(folder: Path, head: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Write (atomically) a batch folder's manifest: ``head`` (the fields of :data:`MANIFEST_FIELDS` and
    :data:`MANIFEST_NOT_REPORTED` but ``format`` and ``rows``) and one entry per row (:data:`ROW_FIELDS`,
    :data:`ROW_NOT_REPORTED`)."""
    from .. import vm

    vm.write_atomic(folder / MANIFEST, (json.dumps({"format": FORMAT, **head, "rows": rows}, indent=1) + "\n").encode())


def write_private(path: str | os.PathLike[str], folder: Path, stamp: dict[str, str], rows: dict[int, Any]) -> None:
    """Write (atomically, mode 0600) the prover-only file of a batch: each row's outputs in clear, label
    blinding, or error message (``pyleo-batch-private/1``). Never shown to a verifier."""
    from .. import vm

    doc = {"format": PRIVATE_FORMAT, "warning": "prover-only: private values in clear, do not share",
           "batch": str(folder), **stamp, "rows": {str(i): rows[i] for i in sorted(rows)}}
    vm.write_atomic(path, (json.dumps(doc, indent=1) + "\n").encode(), mode=0o600)


def read_private(path: str | os.PathLike[str]) -> dict[int, Any]:
    """The rows of a prover-only batch file (empty when there is none yet)."""
    data = read_json(Path(path), "prover-only batch file") or {}
    rows = data.get("rows", {})
    return {int(i): v for i, v in rows.items()} if isinstance(rows, dict) else {}


def array_elements(literal: str | None) -> list[str]:
    """The elements of an Aleo array literal (``"[0u8, 2u8]"`` → ``["0u8", "2u8"]``); [] when not one."""
    text = (literal or "").strip()
    if not (text.startswith("[") and text.endswith("]")):
        return []
    return [e.strip() for e in text[1:-1].split(",") if e.strip()]


def entry_shape(program: str) -> tuple[str, int] | None:
    """The batch entry of an Aleo program text and its rows per proof: ``("predict", 1)`` or
    ``("predict_rows", K)``; None when the program is not a batch program (its entry does not take
    ``[u32; 3u32].public`` first)."""
    for entry in (ENTRY_ONE, ENTRY_MANY):
        m = re.search(rf"^function {entry}:\n((?:    input .*\n)+)", program, re.M)
        if m is None:
            continue
        inputs = m.group(1).splitlines()
        if not re.fullmatch(r"    input r0 as \[u32; 3u32\]\.public;", inputs[0]):
            return None
        if entry == ENTRY_ONE:
            return entry, 1
        rows = re.fullmatch(r"    input r1 as \[.*; ([0-9]+)u32\]\.(private|public);", inputs[1]) if len(inputs) > 1 else None
        return (entry, int(rows.group(1))) if rows else None
    return None


@dataclass(frozen=True)
class ProvedRow:
    """A row as the verified proofs give it: its proof file, position in that proof, public outputs
    (Aleo literals, None where private) and prediction (None without a decoder or for a private label)."""

    row: int
    proof: str
    slot: int
    public_outputs: list[str | None]
    prediction: Any = None


@dataclass
class BatchVerdict:
    """What :func:`verify_batch` found. ``rows`` (row → :class:`ProvedRow`) and ``rows_total`` come from the
    valid proofs only; ``proofs_valid`` counts proof files. ``problems``: (row or None, field or file, what
    is wrong), each a reason to refuse the batch. ``bound``: what the proofs were checked against."""

    rows_total: int | None
    rows_per_proof: int | None
    proofs_valid: int
    rows: dict[int, ProvedRow]
    problems: list[tuple[int | None, str, str]] = field(default_factory=list)
    bound: str = ""

    @property
    def valid(self) -> bool:
        """True when every row of the batch is proved by exactly one valid proof and the manifest says so."""
        return not self.problems and self.rows_total is not None and len(self.rows) == self.rows_total


def row_identity(public_inputs: list[str | None]) -> tuple[int, int, int] | None:
    """``(first row, rows, rows total)`` from a batch proof's public inputs (its ``batch_row``), or None."""
    items = array_elements(public_inputs[0] if public_inputs else None)
    values = [re.fullmatch(r"([0-9]+)u32", e) for e in items]
    if len(values) != 3 or not all(values):
        return None
    first, count, total = (int(v.group(1)) for v in values)   # type: ignore[union-attr]
    return first, count, total


def verify_batch(folder: str | os.PathLike[str], trusted: Trusted | Callable[[int], Trusted] | None = None,
                 decode: Callable[[str], Any] | None = None) -> BatchVerdict:
    """Verify every proof file of a batch folder (:func:`pyleo.trust.verify`) and compare its manifest
    with what they prove.

    ``trusted``: what the verifier trusts (a :class:`pyleo.trust.Trusted`: the batch program's checksum or
    text), or a function giving it for K rows per proof (the batch program derived from a model file the
    verifier trusts, with its weights' commitment when private); None: each proof is checked only against
    the program it carries (``bound`` says so). ``decode``: a label literal (``"2u8"``) → the prediction it
    stands for (the trusted model's; None: predictions are neither reported nor compared).

    Every proof-named file of the folder is verified, listed in the manifest or not. Returns a
    :class:`BatchVerdict`; raises :class:`BatchError` when the folder has no readable manifest, InputError
    when ``trusted`` cannot be used."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    problems: list[tuple[int | None, str, str]] = []
    names = sorted(p.name for p in folder.iterdir() if PROOF_FILE.fullmatch(p.name))
    listed = {r.get("proof") for r in manifest["rows"] if isinstance(r, dict)}
    for name in sorted(n for n in listed if isinstance(n, str) and n not in names):
        problems.append((None, "proof", f"the manifest names {name!r}, which is not a proof file of {folder}"))

    rows: dict[int, ProvedRow] = {}
    totals: dict[int, list[str]] = {}
    shape: tuple[str, int] | None = None
    program: tuple[str | None, str | None] | None = None   # (program ID, checksum) of the valid proofs
    bound: list[str] = []
    valid = 0
    for name in names:
        try:
            proof = read_proof(folder / name)
        except PyleoError as e:
            problems.append((None, name, e.message))
            continue
        this = entry_shape(proof.program)
        if this is None or proof.function != this[0]:
            problems.append((None, name, f"not a proof of a batch program's entry (its function is `{proof.function}`)"))
            continue
        k = this[1]
        try:
            verdict = verify(proof, trusted(k) if callable(trusted) else trusted)
        except PyleoError as e:   # e.g. a program of more rows per proof than any batch program holds
            problems.append((None, name, e.message))
            continue
        if not verdict.valid:
            problems.append((None, name, f"not a valid proof of the trusted program: {verdict.reason}"))
            continue
        identity = row_identity([text for i, text in verdict.inputs if i == 1])
        if identity is None:
            problems.append((None, name, f"its first input is not a public {ROW_INPUT} [first row, rows, total]"))
            continue
        first, count, total = identity
        if not (1 <= count <= k and first + count <= total):
            problems.append((None, name, f"its {ROW_INPUT} input names rows {first} to {first + count - 1} of a batch "
                                         f"of {total} rows, in a proof of at most {k}"))
            continue
        if (shape, program) != (None, None) and (shape, program) != (this, (verdict.program_id, verdict.checksum)):
            problems.append((None, name, f"a proof of {verdict.program_id} (checksum {verdict.checksum}), where other "
                                         f"proofs are of {program[0] if program else None}"))
            continue
        shape, program, bound = this, (verdict.program_id, verdict.checksum), verdict.bound
        valid += 1
        totals.setdefault(total, []).append(name)
        outputs = list(proof.public_outputs)   # read from the execution just verified, None where private
        per_row = [outputs] if k == 1 else [[label] for label in array_elements(outputs[0])]
        for slot in range(count):
            row = first + slot
            if row in rows:
                problems.append((row, "row", f"proved twice: by {rows[row].proof} and by {name}"))
                continue
            public = per_row[slot] if slot < len(per_row) else []
            label = public[0] if public else None
            prediction = decode(label) if decode is not None and label is not None else None
            rows[row] = ProvedRow(row, name, slot, public, prediction)

    rows_total = next(iter(totals)) if len(totals) == 1 else None
    if len(totals) > 1:
        problems.append((None, "rows_total", "the proofs disagree on the number of rows: " +
                         "; ".join(f"{t} in {', '.join(ns)}" for t, ns in sorted(totals.items()))))
    if valid == 0:
        problems.append((None, "proof", f"no valid proof in {folder}: nothing is proved"))
    _compare(manifest, rows, rows_total, shape, program, decode is not None, problems)
    return BatchVerdict(rows_total, shape[1] if shape else None, valid, rows, problems,
                        ", ".join(bound) if bound else "nothing you trust: only the program each proof carries")


def _compare(manifest: dict[str, Any], rows: dict[int, ProvedRow], rows_total: int | None, shape: tuple[str, int] | None,
             program: tuple[str | None, str | None] | None, decoded: bool, problems: list[tuple[int | None, str, str]]) -> None:
    """Append to ``problems`` each manifest field that differs from what the proofs prove (``prediction``
    only when ``decoded``: without the model a label cannot be decoded, and none is reported)."""
    for key in manifest:
        if key not in MANIFEST_FIELDS and key not in MANIFEST_NOT_REPORTED:
            problems.append((None, key, "a manifest field this verifier does not know (so cannot check)"))
    if shape is not None and program is not None:
        entry, k = shape
        program_id, checksum = program
        for key, want in (("function", entry), ("rows_per_proof", k), ("program_id", program_id),
                          ("program_checksum", checksum)):
            if not same_json(manifest.get(key), want):
                problems.append((None, key, f"the manifest says {manifest.get(key)!r}; the proofs say {want!r}"))
        if f"{manifest.get('model')}_rows{k}.aleo" != program_id:
            problems.append((None, "model", f"the manifest says {manifest.get('model')!r}; the proofs are of {program_id}"))
    if rows_total is not None and not same_json(manifest.get("rows_total"), rows_total):
        problems.append((None, "rows_total", f"the manifest says {manifest.get('rows_total')!r}; the proofs say {rows_total}"))

    seen: set[int] = set()
    for j, r in enumerate(manifest["rows"]):
        if not isinstance(r, dict):
            problems.append((None, "rows", f"entry {j} of the manifest's rows is {r!r}, not a row"))
            continue
        i = r.get("row")
        if not isinstance(i, int) or isinstance(i, bool) or i < 0 or (rows_total is not None and i >= rows_total):
            problems.append((None, "row", f"the manifest lists a row {i!r} that is not a row of this batch"))
            continue
        if i in seen:
            problems.append((i, "row", "listed more than once in the manifest"))
            continue
        seen.add(i)
        for key in r:
            if key not in ROW_FIELDS and key not in ROW_NOT_REPORTED:
                problems.append((i, key, "a row field this verifier does not know (so cannot check)"))
        proved = rows.get(i)
        if r.get("error") is not None:
            if proved is not None:
                problems.append((i, "error", f"recorded as failed, but {proved.proof} proves it"))
            else:
                problems.append((i, "error", f"not proved: the prover recorded it as failed ({r.get('error')!r})"))
            continue
        if proved is None:
            problems.append((i, "proof", f"the manifest says {r.get('proof')!r} proves it; no valid proof does"))
            continue
        claims = {"proof": proved.proof, "public_outputs": proved.public_outputs}
        if shape is not None and shape[1] > 1:
            claims["slot"] = proved.slot
        elif "slot" in r:
            claims["slot"] = None
        if decoded:
            claims["prediction"] = proved.prediction
        for key, value in claims.items():
            if not same_json(r.get(key), value):
                problems.append((i, key, f"the manifest says {r.get(key)!r}; the proof says {value!r}"))
    for i in sorted(set(rows) - seen):
        problems.append((i, "row", f"proved by {rows[i].proof} but missing from the manifest"))
    if rows_total is not None:
        for i in range(rows_total):
            if i not in rows and i not in seen:
                problems.append((i, "row", "neither proved nor listed in the manifest"))

