"""A small PyTorch transformer text classifier, trained as usual, converted, and measured against what proves here.

    python examples/transformer_text.py [--tokens 16] [--width 8] [--no-split]

The data are generated here (no text corpus ships offline with the installed packages): "documents" of
``--tokens`` token ids over a 16-word vocabulary, three topics, each document drawn from its topic's word
distribution with a third of its words replaced by common noise words (ids 0-3, shared by every topic),
so a topic is read from the rare words wherever they sit. The network: Embedding(16 → width) + a learned
position embedding → one ``nn.TransformerEncoderLayer`` (2 heads, feed-forward 2·width, ReLU, post-norm,
eval mode) → the mean over tokens → Linear(width → 3). ``from_torch`` reads the attention from its
module, the LayerNorms and the softmax as exact divisions and an approximated exp
(stdlib_ml/convert/nn/transformer.py); the conversion's fidelity check compares its labels with PyTorch's.

Then the proof: the whole circuit is far over one local circuit (16,384 constraints), so it is planned in
linked parts (``pyleo.split``, budget 16,384); the figures of that attempt are printed (docs/transformers.md
explains why no split exists: every cut after the embedding carries tokens × width values). The part
proved here instead is the model's first LayerNorm's exact circuit on its own (a network of that one layer,
converted and proved whole, then verified).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

from pyleo import LimitError
from stdlib_ml import from_torch

VOCAB = 16
"""Token ids 0 … 15: 0-3 noise words shared by every topic, 4-15 topic words."""

TOPICS = 3


def make_data(n: int, tokens: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` documents (n, tokens) of token ids (float32, as the circuit takes them) and their topics."""
    words = np.stack([np.random.default_rng(100 + t).permutation(np.arange(4, VOCAB))[:6]   # 6 words per topic,
                      for t in range(TOPICS)])                                               # the same in every set
    rng = np.random.default_rng(seed)
    y = rng.integers(0, TOPICS, n)
    own = words[y[:, None], rng.integers(0, 6, (n, tokens))]
    noise = rng.integers(0, 4, (n, tokens))
    X = np.where(rng.random((n, tokens)) < 1 / 3, noise, own)
    return X.astype(np.float32), y


class TextTransformer(nn.Module):
    def __init__(self, tokens: int, width: int, heads: int = 2) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, width)
        self.position = nn.Parameter(torch.zeros(tokens, width))
        self.encoder = nn.TransformerEncoderLayer(width, heads, 2 * width, dropout=0.0, batch_first=True)
        self.head = nn.Linear(width, TOPICS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.encoder(self.embed(x.long()) + self.position)
        return self.head(h.mean(1))


def train(X: np.ndarray, y: np.ndarray, tokens: int, width: int, epochs: int = 30) -> TextTransformer:
    torch.manual_seed(0)
    net = TextTransformer(tokens, width)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    for _ in range(epochs):
        for idx in torch.randperm(len(X)).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(net(Xt[idx]), yt[idx]).backward()
            opt.step()
    return net.eval()


class FirstNorm(nn.Module):
    """The trained model's embedding sum and first LayerNorm applied to one token's embedding, as a model of its own
    (the piece proved here)."""

    def __init__(self, model: TextTransformer, width: int) -> None:
        super().__init__()
        self.norm = model.encoder.norm1
        self.head = nn.Linear(width, TOPICS)
        with torch.no_grad():
            self.head.weight.copy_(model.head.weight)
            self.head.bias.copy_(model.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.norm(x))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=16)
    ap.add_argument("--width", type=int, default=8)
    ap.add_argument("--no-split", action="store_true", help="skip planning the split (minutes for the full model)")
    ap.add_argument("--no-prove", action="store_true", help="convert and evaluate only")
    args = ap.parse_args()
    torch.set_num_threads(1)
    X_train, y_train = make_data(1500, args.tokens, 0)
    X_test, y_test = make_data(400, args.tokens, 1)
    t0 = time.time()
    net = train(X_train, y_train, args.tokens, args.width)
    with torch.no_grad():
        torch_test = net(torch.tensor(X_test)).argmax(1).numpy()
    print(f"trained in {time.time() - t0:.1f} s; PyTorch held-out accuracy {np.mean(torch_test == y_test):.4f}")
    t0 = time.time()
    zk = from_torch(net, X_train, input_range=(0, VOCAB - 1), input_bits=0, fit=False)   # token ids: integers
    print(f"converted in {time.time() - t0:.1f} s: {zk}")
    t0 = time.time()
    circuit_test = zk.predict(X_test)
    print(f"circuit vs PyTorch labels on {len(X_test)} held-out rows: {np.mean(circuit_test == torch_test):.4f} "
          f"({time.time() - t0:.1f} s); circuit accuracy {np.mean(circuit_test == y_test):.4f}")
    est = zk.program.estimate("predict", synthesize_transition=False)
    print(f"constraints (cost model): {est.total:,.0f} (body {est.body:,.0f}, transition {est.transition:,.0f})")
    if not args.no_split:
        t0 = time.time()
        try:
            plan = zk.program.split_plan("predict")
            print(f"split into {len(plan.parts)} parts ({time.time() - t0:.1f} s)")
        except LimitError as e:
            print(f"no split at 16,384 ({time.time() - t0:.1f} s): {e}")
    if args.no_prove:
        return
    rows = net.embed(torch.tensor(X_train[:, 0]).long()).detach().numpy() + net.position[0].detach().numpy()
    piece = FirstNorm(net, args.width).eval()
    zp = from_torch(piece, rows, fit=False)
    print(f"the piece proved: {zp}")
    t0 = time.time()
    proof = zp.prove(rows[0])
    t1 = time.time()
    ok = zp.verify(proof)
    print(f"proved in {t1 - t0:.1f} s, verified ({ok}) in {time.time() - t1:.2f} s; label {zp.decode_proof(proof)} "
          f"(PyTorch: {int(piece(torch.tensor(rows[:1])).argmax(1)[0])})")


if __name__ == "__main__":
    main()
