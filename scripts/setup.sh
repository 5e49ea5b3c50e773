#!/usr/bin/env bash
# Set up a fresh checkout: a virtual environment with pyleo and everything its tests use, snarkVM's
# parameters, Debian's headless Chromium for the web app's browser tests, and the WebAssembly verifier.
# Usage: scripts/setup.sh [PARAMS_DIR]   (default ../shared/aleo-params)
set -euo pipefail
cd "$(dirname "$0")/.."
params=${1:-../shared/aleo-params}
python3 -m venv .venv
. .venv/bin/activate
pip install -q --upgrade pip
# torch first, pinned: its CPU build is on disk here; an unpinned resolve would fetch a multi-GB CUDA build
pip install -q torch==2.13.0
pip install -q -e '.[dev]'
if [ -d "$params" ]; then
    pyleo params install "$params"
else   # a clone outside the workspace: snarkVM fetches its parameters on first use
    echo "note: no parameter folder $params: snarkVM downloads its parameters itself on first use (needs network)" >&2
fi
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium chromium-driver >/dev/null
fi
(cd cli/web && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
