"""A lender's private credit scorecard under a public commitment (private model, public commitment).

    python examples/credit.py            # commit, prove a decision, verify it against the commitment

The scorecard gives each of 4 applicant features (0–255 bands: income, years employed, on-time
payments, low debt) a number of points; the applicant is approved when the score reaches THRESHOLD
(the decision rule of a logistic regression is such a threshold on a linear score). The points are
the lender's secret: they are **private inputs** of the circuit, not constants, so this file (the
program) reveals the scorecard's form but not its weights. The circuit also computes a Poseidon2
commitment to the weights and a private 128-bit blinding value and outputs it publicly.

The lender publishes the program's checksum and the commitment once. For each decision it proves
``approve(features, weights, blinding)``; anyone verifies the proof against both:

    pyleo verify approve.proof.json --model examples/credit.py --commitment C

A proof made with any other weights has another commitment and is rejected. The proof reveals the
decision and the commitment; the features and weights appear only as snarkVM's ciphertexts.
"""

import pyleo as pl

THRESHOLD = 60000
"""Score (points × feature bands, summed) from which an applicant is approved."""


class Opening(pl.Struct):
    """What the commitment is computed over: the weights and the blinding value."""

    w: pl.Array[pl.U8, 4]
    r: pl.U128


@pl.inline
def weights_commitment(w: pl.Array[pl.U8, 4], r: pl.U128) -> pl.Field:
    """Poseidon2 hash of the weights and a blinding value: binds the weights, hides them while r is secret."""
    return pl.poseidon2(Opening(w, r))


@pl.function
def approve(x: pl.Array[pl.U8, 4], w: pl.Array[pl.U8, 4], r: pl.U128) -> tuple[pl.Public[pl.Bool], pl.Public[pl.Field]]:
    """(approved, commitment to the weights): x the applicant's features, w the private points, r the blinding."""
    s: pl.Field = 0
    for i in range(4):
        s += pl.Field(w[i]) * pl.Field(x[i])
    return pl.U32(s) >= THRESHOLD, weights_commitment(w, r)


prog = pl.Program("credit_scorecard", [approve])

if __name__ == "__main__":
    import secrets

    from pyleo import vm
    from pyleo.values import field_literal

    weights = [90, 40, 120, 70]  # the lender's secret points (kept out of any published file in practice)
    blinding = secrets.randbits(128)  # fresh and secret: the commitment hides the weights only while it is
    commitment = field_literal(str(weights_commitment(weights, blinding)))
    print(f"published: program checksum {prog.checksum()}, commitment {commitment}")

    applicant = [200, 100, 230, 180]  # 90·200 + 40·100 + 120·230 + 70·180 = 62,200 ≥ 60,000
    proof = prog.prove("approve", applicant, weights, blinding)
    print(f"decision: approved={proof.public_outputs[0]}; constraints: {proof.constraints:,}")
    print("verified against the commitment:",
          vm.verify(proof, program=prog.aleo(), commitment=commitment))
    other = prog.prove("approve", applicant, [255, 255, 255, 255], blinding)  # a more lenient scorecard
    print("a proof made with other weights, against the commitment:",
          vm.verify(other, program=prog.aleo(), commitment=commitment))
