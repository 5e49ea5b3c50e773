"""A PyTorch GRU sequence classifier, trained as usual, converted, and (where it fits) proved on snarkVM.

    python examples/sequence_gru.py [--no-prove]

The data are generated here: noisy waveforms of 6 steps (one value per step; random amplitude,
phase and offset noise), three classes: a rising ramp, a falling ramp, an oscillation. The network:
GRU(1→4, batch_first) → its last state → Linear(4→3). ``from_torch`` unrolls the GRU over the 6
steps (sigmoid and tanh approximated on 11 knots, |error| ≤ 0.012 / 0.023, guarded by the fidelity
check against PyTorch's own labels; the gates' products floored to a fixed scale by checked casts,
stdlib_ml.products). Measured (docs/sequence.md): PyTorch held-out accuracy 0.995, the circuit's
labels equal PyTorch's on 400 of 400 held-out rows; 39,603 constraints in all (cost model): over one
local circuit (16,384), and today's split (pyleo.split) finds no cut whose part fits (33 or more
values cross every cut, docs/split.md), so the proof step reports that refusal (exit status 1).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

from pyleo import LimitError
from stdlib_ml import from_torch

T = 6
"""Steps per sequence."""


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
    def __init__(self, hidden: int = 4) -> None:
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
    zk = from_torch(net, X_train, input_range=(-3.0, 3.0), fit=False)   # exactly resolution 12: too large to prove here (docs/sequence.md)
    print(f"converted in {time.time() - t0:.1f} s: {zk}")
    circuit_test = zk.predict(X_test.reshape(len(X_test), -1))
    print(f"circuit vs PyTorch labels on {len(X_test)} held-out rows: {np.mean(circuit_test == torch_test):.4f}; "
          f"circuit accuracy {np.mean(circuit_test == y_test):.4f}")
    if args.no_prove:
        return
    t0 = time.time()
    try:
        proof = zk.prove(X_test[0].ravel())
    except LimitError as e:
        raise SystemExit(f"not proved here: {e}") from None
    print(f"proved in {time.time() - t0:.1f} s ({len(getattr(proof, 'parts', [proof]))} part(s)); "
          f"verified: {zk.verify(proof)}; label {zk.decode_proof(proof)} (PyTorch: {torch_test[0]})")


if __name__ == "__main__":
    main()
