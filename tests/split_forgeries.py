"""The forgeries every split proof proved through the CLI is checked against: its parts 0 and 1 swapped, its last
part dropped, part 1 replaced by one proved in another run (another blinding value); `pyleo verify` must call each
INVALID, for its own reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from pyleo import split, vm
from pyleo.split_proof import part_inputs


def cli(*args: str, timeout: int = 3600) -> subprocess.CompletedProcess[str]:
    """``python -m pyleo_cli.main *args`` from the repository root, its output captured."""
    return subprocess.run([sys.executable, "-m", "pyleo_cli.main", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=Path(__file__).resolve().parent.parent)


def assert_forgeries_rejected(proof: Path, model: Path, plan: split.Plan, inputs: list[Any], tmp: Path) -> None:
    """Each forgery of the split proof file ``proof`` (of ``plan``, proved on the circuit inputs ``inputs``) is
    INVALID by `pyleo verify --model model`, naming its cause."""
    doc = json.loads(proof.read_text())
    forged = {"swapped": {**doc, "parts": [doc["parts"][1], doc["parts"][0], *doc["parts"][2:]],
                          "params": [doc["params"][1], doc["params"][0], *doc["params"][2:]]},
              "dropped": {**doc, "parts": doc["parts"][:-1], "params": doc["params"][:-1]}}
    other = vm.prove(plan.text, plan.parts[1].name, part_inputs(plan, inputs, split.fresh_blinding())[1])  # another run
    forged["replaced"] = {**doc, "parts": [doc["parts"][0], other.to_json(), *doc["parts"][2:]]}
    why = {"swapped": "out of order", "dropped": "missing", "replaced": "broken"}
    for name, bad in forged.items():
        path = tmp / f"{name}.json"
        path.write_text(json.dumps(bad))
        r = cli("verify", str(path), "--model", str(model))
        assert r.returncode == 1 and "INVALID" in r.stderr and why[name] in r.stderr, (name, r.stdout, r.stderr)
