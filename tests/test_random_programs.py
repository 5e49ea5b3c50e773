"""Random programs (tests/random_programs.py): the interpreter against snarkVM's circuit, value for value.

The default set runs 128 random programs (one Aleo program of two entry points, ~10 s); the slow set
runs 11,904 (six Aleo programs of 31 entry points of 64 random programs each), no key synthesized:
measured 1,010 s on two cores shared with other test runs (load ~12; 55-70 s a batch of 1,984 programs
when the machine was quieter, 175-257 s under the load), 0 disagreements. Every random program
that does not halt on its entry's first inputs is compared on its own value; each entry point is also
run on fresh inputs where programs may halt, and then both sides must halt.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from tests.random_programs import ENTRIES, PER_ENTRY, build_batch, run_batch

SLOW_BATCHES = 6
"""Aleo programs in the slow set: 6 x 31 x 64 = 11,904 random programs."""


def _run(tmp_path: Path, seed: int, batches: int, entries: int) -> tuple[int, int, int, int]:
    compared = runs = rejected = invalid = 0
    for b in range(batches):
        rng = np.random.default_rng([seed, b])
        start = time.perf_counter()
        batch = build_batch(f"rand_{seed}_{b}", rng, tmp_path, entries=entries)
        built = time.perf_counter()
        n, r, bad = run_batch(batch, rng)
        print(f"batch {b}: {len(batch.entries) * PER_ENTRY} programs built in {built - start:.0f} s, "
              f"{r} executions in {time.perf_counter() - built:.0f} s", flush=True)
        assert not bad, "the interpreter and snarkVM's circuit disagree (source in " \
            f"{batch.source}):\n" + "\n\n".join(d.detail for d in bad)
        compared, runs, rejected = compared + n, runs + r, rejected + batch.rejected
        invalid += batch.invalid
    return compared, runs, rejected, invalid


@pytest.mark.prove   # runs snarkVM's circuit (the stand-in key is synthesized once)
def test_random_programs_agree_with_the_circuit(tmp_path: Path) -> None:
    compared, runs, _, _ = _run(tmp_path, seed=21, batches=1, entries=2)
    assert compared == 2 * PER_ENTRY and runs == 4


@pytest.mark.slow
def test_ten_thousand_random_programs_agree_with_the_circuit(tmp_path: Path) -> None:
    start = time.perf_counter()
    compared, runs, rejected, invalid = _run(tmp_path, seed=22, batches=SLOW_BATCHES, entries=ENTRIES)
    assert compared == SLOW_BATCHES * ENTRIES * PER_ENTRY >= 10_000
    print(f"{compared:,} random programs compared in {runs} executions ({rejected:,} drawn programs halted on "
          f"their inputs and {invalid:,} did not compile; both were redrawn), {time.perf_counter() - start:.0f} s")
