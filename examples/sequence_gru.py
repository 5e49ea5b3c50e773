"""A PyTorch GRU sequence classifier, trained as usual, converted, proved on snarkVM in linked parts, verified.

    python examples/sequence_gru.py [--no-prove]

The data are generated here: noisy waveforms of 4 steps (one value per step; random amplitude,
phase and offset noise), three classes: a rising ramp, a falling ramp, an oscillation. The network:
GRU(1→2, batch_first) → its last state → Linear(2→3). ``from_torch`` unrolls the GRU over the 4
steps (sigmoid and tanh approximated on 11 knots, |error| ≤ 0.012 / 0.023, each gate's input floored
to 2**-10 first and its value kept in one register; guarded by the fidelity check against PyTorch's
own labels; the gates' products floored to a fixed scale by checked casts, stdlib_ml.products), at
resolution 8. The circuit (~20,800 constraints, cost model) is over one local circuit (16,384), so
``prove`` splits it (pyleo.split: 10 parts linked by commitments) and proves every part; ``verify``
checks the parts and their links. Measured: docs/sequence.md and docs/split.md ("A GRU in parts").
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

from pyleo import LimitError, cost
from stdlib_ml import from_torch

T = 4
"""Steps per sequence."""


RESOLUTION = 8
"""Bits per input spread and weight: at 8 the circuit's labels equal PyTorch's on 397 of 400 held-out rows (as at
12), and its links carry narrower values."""


def make_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences (n, T, 1) float32 and their classes (0 rising, 1 falling, 2 oscillating)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    t = np.linspace(0.0, 1.0, T)
    amp = rng.uniform(0.5, 1.5, (n, 1))
    ramp = amp * (t - 0.5)
    wave = amp * 0.5 * np.sin(2 * np.pi * (2.0 * t + rng.uniform(0, 1, (n, 1))))
    X = np.where(y[:, None] == 0, ramp, np.where(y[:, None] == 1, -ramp, wave))
    X = X + rng.normal(0.0, 0.1, (n, T)) + rng.uniform(-0.3, 0.3, (n, 1))
    return X[:, :, None].astype(np.float32), y


class SequenceGRU(nn.Module):
    def __init__(self, hidden: int = 2) -> None:
        super().__init__()
        self.gru = nn.GRU(1, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, h = self.gru(x)
        return self.fc(h[-1])


def train(X: np.ndarray, y: np.ndarray, epochs: int = 60) -> SequenceGRU:
    torch.manual_seed(0)
    net = SequenceGRU()
    opt = torch.optim.Adam(net.parameters(), lr=0.03)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    for _ in range(epochs):
        for idx in torch.randperm(len(X)).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(net(Xt[idx]), yt[idx]).backward()
            opt.step()
    return net.eval()


def convert(net: SequenceGRU, X_train: np.ndarray):
    """``net`` converted (a :class:`stdlib_ml.ZkModel`): inputs in [-3, 3], at :data:`RESOLUTION`, its labels
    checked against the network's on the training rows (at least 99 % agreeing, else ConversionError)."""
    return from_torch(net, X_train, input_range=(-3.0, 3.0), resolution=RESOLUTION, fit=False, min_agreement=0.99)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-prove", action="store_true", help="convert and evaluate only")
    args = ap.parse_args()
    torch.set_num_threads(1)
    X_train, y_train = make_data(1200, 0)
    X_test, y_test = make_data(400, 1)
    net = train(X_train, y_train)
    with torch.no_grad():
        torch_test = net(torch.tensor(X_test)).argmax(1).numpy()
    print(f"PyTorch held-out accuracy {np.mean(torch_test == y_test):.4f}")
    t0 = time.time()
    zk = convert(net, X_train)
    print(f"converted in {time.time() - t0:.1f} s: {zk}")
    circuit_test = zk.predict(X_test.reshape(len(X_test), -1))
    print(f"circuit vs PyTorch labels on {len(X_test)} held-out rows: {np.mean(circuit_test == torch_test):.4f}; "
          f"circuit accuracy {np.mean(circuit_test == y_test):.4f}")
    if args.no_prove:
        return
    estimate = cost.estimate(zk.program.code, "predict").total
    print(f"circuit: {estimate:,} constraints (cost model)")
    t0 = time.time()
    try:
        proof = zk.prove(X_test[0].ravel())
    except LimitError as e:
        raise SystemExit(f"not proved here: {e}") from None
    proved = time.time() - t0
    parts = getattr(proof, "parts", [proof])
    t0 = time.time()
    valid = zk.verify(proof)
    print(f"proved in {proved:.1f} s ({len(parts)} part(s), snarkVM constraints per part: "
          f"{', '.join(f'{p.constraints:,}' for p in parts)}); verified in {time.time() - t0:.1f} s: {valid}; "
          f"label {zk.decode_proof(proof)} (PyTorch: {torch_test[0]})")
    if not valid:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
