"""The one binding policy: what a verifier trusts (:class:`Trusted`), what it is told
(:class:`Verdict`), and :func:`verify`, which derives every claim from the proved execution(s) and
the trusted program, never from a file's own metadata.

Each verifier-facing format declares, field by field, how the verifier binds it or that nothing is
reported from it (:data:`FIELDS`); a field a writer emits without such an entry fails the forgery tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import split, vm
from ..errors import InputError, ProofError
from ..values import field_literal
from ..program import Program
from . import transaction
from .formats import PUBLIC_MODEL_FORMAT, Decoding, PublicModel, as_artifact

PROOF_FIELDS: dict[str, str] = {
    "format": "checked: must be pyleo-proof/2",
    "network": "checked: must be mainnet",
    "program_id": "copy: must equal the execution's transition",
    "program_checksum": "copy: must equal the checksum of the proof's program",
    "function": "checked: must be the execution's transition's function",
    "public_inputs": "copy: must equal the execution's public inputs (reported from the execution)",
    "public_outputs": "copy: must equal the execution's public outputs (reported from the execution)",
    "constraints": "checked: must equal the verifying key's",
    "verifying_key": "bound: must be the trusted key, or the one derived from the trusted program; unbound, the "
                     "execution verifies under it (rejected when it differs from one this machine derived)",
    "execution": "verified by snarkVM under the verifying key",
    "program": "bound: its checksum must be the trusted program's",
    "block_height": "checked: within [WASM_BLOCK_HEIGHT, 2^32); the rules the execution is verified under",
}
"""How each field of a proof file (``pyleo-proof/2``) is bound."""

PROOF_NOT_REPORTED: dict[str, str] = {
    "pyleo": "informative (the prover's version), named only in a rejection's reason",
    "aleo_sdk": "informative (the prover's version), named only in a rejection's reason",
    "snarkvm": "informative (the prover's version), named only in a rejection's reason",
    "timings": "informative (the prover's seconds)",
}
"""Fields of a proof file nothing is reported from."""

EXECUTION_NOT_REPORTED: dict[str, str] = {
    "global_state_root": "the ledger state the execution was proved against: pyleo's local stand-in, not a "
                         "network's; verified as part of the execution, not reported",
}
"""What snarkVM's execution carries that a verdict does not report."""

SPLIT_FIELDS: dict[str, str] = {
    "format": "checked: must be pyleo-split-proof/1",
    "program_id": "copy: must equal the parts' split program's",
    "program_checksum": "copy: must equal the checksum of the parts' split program",
    "source_program": "checked: the split program's name must be the one pyleo gives this source and function",
    "function": "checked: every part k must prove FUNCTION_pk of the split program",
    "params": "copy: must equal what the split program declares (its FUNCTION_in<k> structs)",
    "constraints": "copy: must equal the sum of the parts' (each checked against its verifying key)",
    "public_outputs": "copy: must equal the last part's execution's",
    "parts": "each a proof (PROOF_FIELDS), all of one split program, every link checked",
}
"""How each field of a split proof file (``pyleo-split-proof/1``) is bound."""

SPLIT_NOT_REPORTED: dict[str, str] = {
    "pyleo": PROOF_NOT_REPORTED["pyleo"],
    "aleo_sdk": PROOF_NOT_REPORTED["aleo_sdk"],
    "snarkvm": PROOF_NOT_REPORTED["snarkvm"],
    "budget": "the constraints per part the prover planned with: with --model, the verifier plans the model's own "
              "split from it and the split program must be that one; not reported",
}

PUBLIC_MODEL_FIELDS: dict[str, str] = {
    "format": "checked: must be PUBLIC_MODEL_FORMAT",
    "program": "bound: the proof's program must have its checksum",
    "checksum": "checked: must be the program's checksum",
    "function": "bound: the proof must be of this function",
    "commitment": "bound: the proof's last public output must be it (private weights)",
    "verifying_keys": "checked: each must be the key derived here from the program",
    "weights": "checked: 'private' exactly when a commitment is given ('public' without)",
}

PUBLIC_MODEL_NOT_REPORTED: dict[str, str] = {
    "program_id": "a copy of the program's first line; the program text is what binds",
    "decoding": "not proved (a proof carries the class index or scaled value only): the class names or scale with "
                "which the verifier's own file reads the proved first output (Verdict.prediction, shown beside the "
                "proved literal, which stays the claim)",
}

FIELDS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    vm.PROOF_FORMAT: (PROOF_FIELDS, PROOF_NOT_REPORTED),
    split.SPLIT_FORMAT: (SPLIT_FIELDS, SPLIT_NOT_REPORTED),
    PUBLIC_MODEL_FORMAT: (PUBLIC_MODEL_FIELDS, PUBLIC_MODEL_NOT_REPORTED),
    transaction.SPLIT_TRANSACTIONS_FORMAT: (transaction.SPLIT_TRANSACTIONS_FIELDS,
                                            transaction.SPLIT_TRANSACTIONS_NOT_REPORTED),
}
"""For each verifier-facing format: (field → how it is bound, field → why nothing is reported from it)."""


@dataclass
class Trusted:
    """What the verifier names as trusted; everything is optional (nothing: the proof is unbound).

    ``programs``: the programs of a model file (DSL ``pl.Program`` by name), with ``commitments`` the
    commitment to the private weights of each program that has them (program name → field literal),
    as the owner's model file gives it; ``program``: Aleo instructions text; ``checksum``: a program
    checksum (64 hex digits); ``verifying_key``: ``verifier1…`` text or a cached key's bytes;
    ``public_model``: a public model file as read; ``commitment``: a published commitment to private
    weights. ``labels``: how each was named (``{"model": "priv.py"}``), for the verdict's ``bound``.
    ``decodings``: how the first output of each converted model among ``programs`` reads as a label or value
    (program name → :class:`Decoding`; a public model file carries its own).
    """

    programs: dict[str, Program] = field(default_factory=dict)
    commitments: dict[str, str] = field(default_factory=dict)
    program: str | None = None
    checksum: str | None = None
    verifying_key: str | bytes | None = None
    public_model: PublicModel | None = None
    commitment: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    decodings: dict[str, Decoding] = field(default_factory=dict)

    def label(self, what: str) -> str:
        """How the verifier named ``what`` (a field of this class), for messages; the field's name when not given."""
        return self.labels.get(what, what)

    def bound_to(self, split_of: str | None = None) -> list[str]:
        """What a valid verdict says its artifact is bound to: one entry per trusted item named (the model file,
        the program, the public model file, the checksum, the verifying key, in that order); empty when nothing
        is. ``split_of``: the function of a split proof (the model binds its split of that function, and the
        program named is the split program). The weights' commitment is added by the caller once checked."""
        out = []
        if self.programs:
            out.append(f"the model in {self.label('model')}" + (f" (its split of `{split_of}`)" if split_of else ""))
        if self.program is not None:
            out.append(f"the {'split program' if split_of else 'program'} {self.label('program')}")
        if self.public_model is not None:
            out.append(f"the public model file {self.public_model.path}")
        if self.checksum is not None:
            out.append(f"checksum {self.checksum}")
        if self.verifying_key is not None:
            out.append(f"the verifying key in {self.label('verifying_key')}")
        return out


@dataclass
class Verdict:
    """What a verifier is told about a proof: ``valid``, else ``reason`` (naming the field or check that
    failed), and the claims, each derived from the proved execution(s) and the bound program:

    ``kind`` ("proof" or "split proof"); ``program_id`` / ``function`` / ``checksum`` of what was
    proved (for a split proof: the source program and function, and the split program's checksum);
    ``inputs``: (position from 1, Aleo literal) of each public input; ``outputs``: the public outputs;
    ``parts``: constraints of each part (split proofs); ``bound``: what the proof is bound to (empty:
    unbound, the claims hold only for the program the file carries); ``not_reported``: claim → why it
    is not reported.

    ``prediction`` is not a claim of the proof: it is the proved first output (``outputs[0]``, the claim)
    read in the model's terms (class name or value) with the :class:`Decoding` of the model the verifier
    named (its model file or public model file; another file would read the same proof otherwise), and
    ``decoded_by`` names that file. None when the verifier named no converted model or the output is not a
    label (private, a commitment).
    """

    valid: bool
    reason: str | None = None
    kind: str = "proof"
    program_id: str | None = None
    function: str | None = None
    checksum: str | None = None
    constraints: int | None = None
    inputs: list[tuple[int, str]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    parts: list[int] = field(default_factory=list)
    bound: list[str] = field(default_factory=list)
    not_reported: dict[str, str] = field(default_factory=dict)
    prediction: str | None = None
    decoded_by: str | None = None

    def claims(self) -> dict[str, Any]:
        """Everything the verdict reports as proved, for comparing two verdicts (the forgery tests)."""
        return {k: getattr(self, k) for k in ("valid", "kind", "program_id", "function", "checksum", "constraints",
                                              "inputs", "outputs", "parts", "bound")}


def verify(artifact: Any, trusted: Trusted | None = None, *, resynthesize: bool = False) -> Verdict:
    """Verify ``artifact`` (a :class:`pyleo.vm.Proof`, a :class:`pyleo.split.SplitProof`, a proof file's
    JSON object or path, or an Aleo transaction's (:mod:`pyleo.trust.transaction`)) against what ``trusted`` names, and say what is proved.

    ``resynthesize``: unbound, derive the verifying key from the proof's own program instead of
    trusting the one the file carries. Returns an invalid Verdict with the reason when the proof
    does not verify or does not match what is trusted, and also whenever the artifact's content is not
    a proof (not JSON, a key twice, a field missing or of the wrong type or range, a budget the trusted
    model cannot split to, another program than the trusted model's: every :class:`ProofError`), so that
    a forged file is always answered "invalid" with its reason. Raises InputError when the trusted items
    contradict each other or cannot be read, or the artifact's path cannot be read (missing, a folder, a
    device).
    """
    trusted = trusted or Trusted()
    try:
        return _verify(artifact, trusted, resynthesize)
    except ProofError as e:
        return Verdict(False, e.message + (f" ({e.hint})" if e.hint else ""),
                       "split proof" if split.is_split_proof(artifact) else "proof")


def _verify(artifact: Any, trusted: Trusted, resynthesize: bool) -> Verdict:
    if transaction.read_transaction_doc(artifact) is not None:   # an Aleo transaction (pyleo deploy / execute)
        return transaction.verify_transaction(artifact, trusted, resynthesize)
    split_transactions = transaction.read_split_transactions(artifact)
    if split_transactions is not None:   # a split function's transactions (pyleo execute)
        return transaction.verify_split_transactions(split_transactions, trusted)
    proof = as_artifact(artifact)
    if isinstance(proof, split.SplitProof):
        if resynthesize:
            raise InputError("--resynthesize applies to single proofs; a split proof binds with --model, --program "
                             "(the split program) or --checksum")
        return _verify_split(proof, trusted)
    return _verify_proof(proof, trusted, resynthesize)


def _model_program(trusted: Trusted, program_id: str) -> tuple[str, str | None]:
    """The Aleo text of the program ``program_id`` among a model file's programs, and its commitment."""
    name = program_id.removesuffix(".aleo")
    if name not in trusted.programs:
        raise ProofError(f"the proof is of {program_id}, and {trusted.label('model')} defines "
                         f"{', '.join(p + '.aleo' for p in trusted.programs)}: not a proof of the model you trust")
    return trusted.programs[name].aleo(), trusted.commitments.get(name)




def lone_part(program_id: str, function: str, program: str, whole: str = "split proof file") -> str | None:
    """Why an execution of ``function`` of ``program_id`` (Aleo text ``program``) is no proof on its own, when it is
    a part of a split program (:func:`pyleo.split.part_of`), naming the ``whole`` file to verify instead; else None."""
    part = split.part_of(program_id, function, program)
    if part is None:
        return None
    return (f"`{function}` of {program_id} is part {part[1]} of a split proof of `{part[0]}`: a part alone proves "
            f"nothing of `{part[0]}`'s inputs (its incoming link is whatever its prover chose); verify the {whole}, "
            "which holds every part")


def _verify_proof(proof: vm.Proof, t: Trusted, resynthesize: bool) -> Verdict:
    alone = lone_part(proof.program_id, proof.function, proof.program)
    if alone is not None:
        return _rejected(proof, alone)
    program: str | None = None
    commitment: str | None = None
    bound = t.bound_to()
    if t.programs:
        program, commitment = _model_program(t, proof.program_id)
    if t.program is not None:
        if program is not None and vm.program_checksum(t.program) != vm.program_checksum(program):
            raise InputError(f"--program {t.label('program')} and --model {t.label('model')} are different programs")
        program = t.program
    if t.public_model is not None:
        pm = t.public_model
        carried = pm.verifying_keys.get(proof.function)
        if carried is not None and carried.strip() != vm.verifying_key(pm.program, proof.function):
            raise InputError(f"{pm.path}: its verifying key of `{proof.function}` is not the one its program gives "
                             "(derived here); the file was altered, and browsers verifying with it are misled")
        if program is not None and vm.program_checksum(program) != pm.checksum:
            raise InputError(f"--public-model {pm.path} names another program than the other options")
        if pm.commitment is not None and commitment is not None and field_literal(pm.commitment) != field_literal(commitment):
            raise InputError(f"--public-model {pm.path} names another commitment than the other options")
        program = pm.program
        commitment = pm.commitment if pm.commitment is not None else commitment
        if proof.function != pm.function:
            return _rejected(proof, f"the proof is of function `{proof.function}`, the public model's is `{pm.function}`")
    if t.commitment is not None:
        if commitment is not None and field_literal(commitment) != field_literal(t.commitment):
            raise InputError(f"--commitment {t.commitment} differs from the commitment of "
                             f"{t.label('public_model') if t.public_model else t.label('model')}")
        commitment = t.commitment
    if commitment is not None:
        bound.append(f"the weights committed to by {field_literal(commitment)}")
    reason = vm.explain(proof, program=program, checksum=t.checksum, verifying_key=t.verifying_key,
                        commitment=commitment, resynthesize=resynthesize)
    if reason is None and bound:
        reason = _carried_key(proof, t.verifying_key, program)
    if reason is not None:
        return _rejected(proof, reason)
    verdict = Verdict(True, None, "proof", proof.program_id, proof.function, proof.checksum, proof.constraints,
                      [(i + 1, v) for i, v in enumerate(proof.inputs) if v is not None],
                      [v for v in proof.public_outputs if v is not None], [], bound,
                      {**EXECUTION_NOT_REPORTED, **({} if bound else {
                          "binding": "not bound to a program you trust: the proof shows only that the program it "
                                     f"carries (checksum {proof.checksum}) gave these outputs"})})
    if t.public_model is not None:
        _decode(verdict, t.public_model.decoding, t.label("public_model"), proof.public_outputs)
    elif t.programs:
        _decode(verdict, t.decodings.get(proof.program_id.removesuffix(".aleo")), t.label("model"), proof.public_outputs)
    return verdict


def _decode(verdict: Verdict, decoding: Decoding | None, source: str, outputs: list[str | None]) -> None:
    """Read a valid proof's first output (when public) with the verifier's ``decoding`` from ``source``."""
    if decoding is not None and outputs and outputs[0] is not None:
        verdict.prediction = decoding.decode(outputs[0])
        verdict.decoded_by = source if verdict.prediction is not None else None


def _carried_key(proof: vm.Proof, trusted_key: str | bytes | None, program: str | None) -> str | None:
    """Why the verifying key a bound proof file carries is not the one its execution verified under (the trusted
    key, text or a cached ``F.vk``'s bytes, else the trusted program's), or None."""
    want = trusted_key if trusted_key is not None else vm.verifying_key(program or proof.program, proof.function)
    same = proof.verifying_key.strip() == want.strip() if isinstance(want, str) else \
        bytes(vm.read_verifying_key(want, "the trusted", InputError).bytes()) == \
        bytes(vm.read_verifying_key(proof.verifying_key, "the proof file's", ProofError).bytes())
    if not same:
        return ("the proof file's verifying_key is not the trusted program's key (the one its execution verifies "
                "under): the file was altered")
    return None


def _rejected(proof: Any, reason: str) -> Verdict:
    return Verdict(False, reason, "split proof" if isinstance(proof, split.SplitProof) else "proof")


def _verify_split(sp: split.SplitProof, t: Trusted) -> Verdict:
    if t.verifying_key is not None or t.public_model is not None:
        raise InputError("a split proof binds with --model, --program (the split program) or --checksum only")
    plan, bound = None, t.bound_to(split_of=sp.function)
    commitment: str | None = None
    if t.programs:
        if sp.source not in t.programs:
            raise ProofError(f"the split proof's source program is {sp.source}.aleo, and {t.label('model')} defines "
                             f"{', '.join(p + '.aleo' for p in t.programs)}: not a proof of the model you trust")
        plan = t.programs[sp.source].trusted_split_plan(sp)
        commitment = t.commitments.get(sp.source)
    if t.commitment is not None:
        if commitment is not None and field_literal(commitment) != field_literal(t.commitment):
            raise InputError(f"--commitment {t.commitment} differs from the commitment of {t.label('model')}")
        if not bound:
            raise InputError("a commitment binds the weights only together with the program that computes it",
                             hint="also name the trusted program: --model, --program or --checksum")
        commitment = t.commitment
    reason = split.explain(sp, plan=plan, program=t.program, checksum=t.checksum)
    if reason is None and commitment is not None:
        want = field_literal(commitment)
        got = sp.public_outputs[-1] if sp.public_outputs else None
        if got != want:
            reason = f"the proof's commitment (its last public output) is {got or 'no public output'}, not the published {want}"
        bound.append(f"the weights committed to by {want}")
    if reason is not None:
        return _rejected(sp, reason)
    verdict = Verdict(True, None, "split proof", f"{sp.source}.aleo", sp.function, sp.checksum, sp.constraints,
                      [(i + 1, v) for i, v in enumerate(sp.public_inputs()) if v is not None],
                      [v for v in sp.public_outputs if v is not None], [p.constraints for p in sp.parts], bound,
                      {**EXECUTION_NOT_REPORTED, "budget": SPLIT_NOT_REPORTED["budget"],
                       **({} if bound else {"binding": "not bound to a program you trust: the proof shows only that "
                                                       f"the split program it carries (checksum {sp.checksum}) gave "
                                                       "these outputs"})})
    if plan is not None:
        _decode(verdict, t.decodings.get(sp.source), t.label("model"), sp.public_outputs)
    return verdict
