#!/usr/bin/env bash
# The main demo, end to end: build → run → prove → verify examples/scorer.py.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${DEMO_OUT:-build}
pyleo build examples/scorer.py --out "$out"
echo "the reference interpreter (pyleo run):"
pyleo run examples/scorer.py linear_scorer.score "[1, 2, 3, 4]" 10
echo "snarkVM's circuit execution, no proof (pyleo run --vm):"
pyleo run examples/scorer.py linear_scorer.score "[1, 2, 3, 4]" 10 --vm
pyleo prove examples/scorer.py linear_scorer.score "[1, 2, 3, 4]" 10 --out "$out/linear_scorer.score.proof.json"
pyleo verify "$out/linear_scorer.score.proof.json" --model examples/scorer.py
