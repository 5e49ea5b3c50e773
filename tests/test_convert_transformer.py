"""The layers of transformers against PyTorch's own outputs: the exact 1/v and 1/√v searches
(stdlib_ml.roots, against integer arithmetic), LayerNorm, a softmax inside the network, Embedding of token
ids, scaled_dot_product_attention (plain and causal), nn.MultiheadAttention and nn.TransformerEncoderLayer
(post- and pre-norm, ReLU and GELU): the float description equal to torch's outputs, the circuit's values
(the interpreter, no key synthesis) within the stated bounds and its labels equal to torch's; refusals naming
the layer and the cause. ``-m slow``: the example's transformer agreeing with PyTorch on held-out rows, and a
LayerNorm proved and verified on snarkVM."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import pyleo as pl
from stdlib_ml import ConversionError, from_torch
from stdlib_ml import roots
from stdlib_ml.convert import nn as cnn
from stdlib_ml.convert.nn import transformer as tf

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

torch.set_num_threads(1)
RNG = np.random.default_rng(11)
SEQ = RNG.normal(size=(200, 4, 4)).astype(np.float32)   # (n, T, E)
PAIRS = SEQ[:, :2]   # two tokens: the attention tests' circuits stay small (their conversion is the suite's time)


# ---- the exact searches ---------------------------------------------------------------------------------
_RSQRT = roots.search_vec(2, 40, (128,) * 10 + (64,) * 11)   # bit b: |2**40 − c²·V| <= 2·(2**40 + 2**(2b)·2**40)
_RECIP = roots.search_vec(1, 36, (64,) * 21)


@pl.function
def rsqrt_of(v: pl.Array[pl.Field, 6]) -> pl.Public[pl.Array[pl.Field, 6]]:
    return _RSQRT(v)


@pl.function
def recip_of(v: pl.Array[pl.Field, 6]) -> pl.Public[pl.Array[pl.Field, 6]]:
    return _RECIP(v)


def test_searches_decide_exactly() -> None:
    """The interpreter's R is the largest R < 2**bits with R**p·V <= 2**n: floor(sqrt(2**40 / V)) and
    floor(2**36 / V) (saturating at 2**21 − 1 for V too small, 0 included), checked by the defining
    inequalities R**p·V <= 2**n < (R + 1)**p·V."""
    vs = [0, 1, 3, 2**20, 5 * 2**20 + 17, 2**40 - 1]
    for fn, p, n in ((rsqrt_of, 2, 40), (recip_of, 1, 36)):
        got = [int(r) for r in fn(vs)]
        want = [min(math.isqrt(2**n // v) if p == 2 else 2**n // v, 2**21 - 1) if v else 2**21 - 1 for v in vs]
        assert got == want
        for r, v in zip(got[1:], vs[1:]):
            assert r**p * v <= 2**n and (r == 2**21 - 1 or (r + 1) ** p * v > 2**n)


def test_exp_bound_holds_where_softmax_applies_it() -> None:
    """APPROXIMATIONS["exp"] stays within its stated bound on x <= 0 (softmax applies it to x − max), a
    finer grid than the one that measured it, and is exact at 0 (the row maximum's weight)."""
    ap = cnn.APPROXIMATIONS["exp"]
    x = np.concatenate([np.linspace(-60, 0, 300_001), np.linspace(-1, 0, 50_001)])
    assert np.max(np.abs(ap(x) - np.exp(x))) <= ap.max_error + 1e-12 and ap.max_error < 0.013
    assert abs(ap(np.zeros(1))[0] - 1.0) < 1e-12


@pytest.mark.slow
@pytest.mark.prove
def test_reciprocal_search_on_snarkvm() -> None:
    """snarkVM executes the reciprocal search (a stand-in key: no synthesis) to the interpreter's integers
    (the reciprocal square root is proved inside a LayerNorm, test_layer_norm_proves_and_verifies)."""
    vs = [1, 3, 2**20, 5 * 2**20 + 17, 2**36, 2**40 - 1]
    prog = pl.Program("recip_search", [recip_of])
    assert [int(r) for r in prog.evaluate("recip_of", vs, keys=False)] == [int(r) for r in recip_of(vs)]


# ---- layers against torch -------------------------------------------------------------------------------
class _Norm(nn.Module):
    def __init__(self, d: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(d, eps=eps)
        with torch.no_grad():
            self.norm.weight.uniform_(0.5, 1.5)
            self.norm.bias.uniform_(-0.5, 0.5)
        self.fc = nn.Linear(4 * d, 1)

    def forward(self, x):
        return self.fc(self.norm(x).flatten(1))


def test_layer_norm_within_its_floors() -> None:
    """nn.LayerNorm on every token (4 × 4): the circuit's regression value against torch's on held-out rows
    within 1e-3 (1/√v exact at 2**-16, the products floored at 2**-20: measured ~1e-5), and not exactly
    torch's (floors are there)."""
    torch.manual_seed(0)
    m = _Norm(4).eval()
    zk = from_torch(m, SEQ[:120], max_error=1e-2, fit=False)
    with torch.no_grad():
        want = m(torch.tensor(SEQ[120:]))[:, 0].numpy()
    err = np.max(np.abs(zk.predict(SEQ[120:]) - want))
    assert 0 < err < 1e-3
    assert "roots.search_vec(2, " in zk.source


class _Soft(nn.Module):
    """Linear per token → softmax over the last axis → Linear: a softmax inside the network."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc(torch.softmax(self.a(x) * 2.0, dim=-1).flatten(1))


def test_softmax_inside_within_bound() -> None:
    """softmax(2·Linear(x)) per token, then Linear: the circuit's value against torch's within the exp
    interpolation's propagated bound (weights off by <= 0.0129·(1 + T·p)/Σe each: < 0.05 for |fc| < 0.5 here;
    measured ~0.006), and the fidelity records the float model as torch's own."""
    torch.manual_seed(1)
    m = _Soft().eval()
    assert cnn.APPROXIMATIONS["exp"].max_error < 0.013
    zk = from_torch(m, SEQ[:120], max_error=0.05, strict=False, fit=False)
    with torch.no_grad():
        want = m(torch.tensor(SEQ[120:]))[:, 0].numpy()
    err = np.max(np.abs(zk.predict(SEQ[120:]) - want))
    assert 0 < err < 0.05


class _Embed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(7, 3)
        self.fc = nn.Linear(15, 1)

    def forward(self, x):
        return self.fc(self.emb(x.long()).flatten(1))


def test_embedding_of_token_ids() -> None:
    """nn.Embedding(7, 3) of 5 token ids: every id reproduces its row (the circuit's value within the
    weights' rounding, < 1e-3), costing V − 2 = 5 sign tests per token (25 ReLUs), not 7·3 per token."""
    torch.manual_seed(2)
    m = _Embed().eval()
    X = RNG.integers(0, 7, (150, 5)).astype(np.float32)
    zk = from_torch(m, X[:100], input_range=(0, 6), max_error=1e-2, fit=False)
    with torch.no_grad():
        want = m(torch.tensor(X[100:]))[:, 0].numpy()
    assert np.max(np.abs(zk.predict(X[100:]) - want)) < 1e-3
    assert "25 ReLUs" in zk.source


class _SDPA(nn.Module):
    def __init__(self, causal: bool) -> None:
        super().__init__()
        self.q, self.k, self.v = nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4)
        self.fc = nn.Linear(8, 3)
        self.causal = causal

    def forward(self, x):
        q, k, v = (f(x).unflatten(-1, (2, 2)).transpose(1, 2) for f in (self.q, self.k, self.v))   # (batch, 2, T, 2)
        o = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        return self.fc(o.transpose(1, 2).flatten(1))


@pytest.mark.parametrize("causal", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_scaled_dot_product_attention_labels(causal: bool) -> None:
    """F.scaled_dot_product_attention over 2 heads (causal or not) written out by hand in a forward: the
    circuit's labels equal torch's on held-out rows."""
    torch.manual_seed(3)
    m = _SDPA(causal).eval()
    zk = from_torch(m, PAIRS[:120], min_agreement=0.97, check_rows=64, fit=False)
    with torch.no_grad():
        want = m(torch.tensor(PAIRS[120:160])).argmax(1).numpy()
    assert np.mean(zk.predict(PAIRS[120:160]) == want) >= 0.97


def test_multihead_description_is_torch() -> None:
    """tf.self_attention + tf.layer_norm with nn.MultiheadAttention's and nn.LayerNorm's weights compute
    torch's outputs (float64, 1e-9): the float description the circuit is quantized from."""
    torch.manual_seed(4)
    mha = nn.MultiheadAttention(4, 2, batch_first=True).double().eval()
    norm = nn.LayerNorm(4).double().eval()
    p = [t.detach().numpy() for t in (mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight, mha.out_proj.bias)]
    net = cnn.Network((4, 4))
    y = tf.layer_norm(net, net.add(tf.self_attention(net, net.input, *p, 2), net.input),
                      norm.weight.detach().numpy(), norm.bias.detach().numpy())
    net.output(net.flatten(y), "argmax")
    x = torch.tensor(SEQ, dtype=torch.float64)
    with torch.no_grad():
        want = norm(mha(x, x, x, need_weights=False)[0] + x).numpy().reshape(len(x), -1)
    assert np.max(np.abs(net.forward(SEQ) - want)) < 1e-9


class _Encoder(nn.Module):
    def __init__(self, **kw) -> None:
        super().__init__()
        self.enc = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True, **kw)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(self.enc(x).mean(1))


@pytest.mark.parametrize("kw", [dict(), pytest.param(dict(norm_first=True, activation="gelu"), marks=pytest.mark.slow)])
def test_encoder_layer_labels(kw: dict) -> None:
    """nn.TransformerEncoderLayer(4, 2 heads) in eval mode, post-norm ReLU and pre-norm GELU, then a mean over
    tokens (2 tokens of 4): the circuit's labels equal torch's on >= 97% of held-out rows (measured 100%)."""
    torch.manual_seed(5)
    m = _Encoder(**kw).eval()
    zk = from_torch(m, PAIRS[:120], min_agreement=0.97, check_rows=64, strict=False, fit=False)
    with torch.no_grad():
        want = m(torch.tensor(PAIRS[120:160])).argmax(1).numpy()
    assert np.mean(zk.predict(PAIRS[120:160]) == want) >= 0.97


@pytest.mark.slow
def test_keras_layer_normalization_values() -> None:
    """Keras LayerNormalization (its gamma and beta set) on a (4, 3) sequence, channels last: the circuit's
    regression value within 1e-3 of Keras' own."""
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    from stdlib_ml import from_keras

    keras.utils.set_random_seed(0)
    inp = keras.Input((4, 3))
    norm = keras.layers.LayerNormalization(gamma_initializer="random_uniform", beta_initializer="random_uniform")
    model = keras.Model(inp, keras.layers.Dense(1)(keras.layers.Flatten()(norm(inp))))
    X = RNG.normal(size=(120, 4, 3)).astype(np.float32) * 2
    zk = from_keras(model, X[:80], max_error=1e-2, fit=False)
    want = model.predict(X[80:], verbose=0)[:, 0]
    assert 0 < np.max(np.abs(zk.predict(X[80:]) - want)) < 1e-3



@pytest.mark.slow
@pytest.mark.parametrize("kw", [dict(center=False), dict(scale=False)])
def test_keras_layer_normalization_without_beta_or_gamma(kw: dict) -> None:
    """Keras LayerNormalization(center=False) / (scale=False) (no beta / no gamma): converted (it was refused as
    a normalization "the circuit cannot compute"), the regression value within 1e-3 of the range of Keras' own; over another
    axis refused naming the axis."""
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    from stdlib_ml import ConversionError, from_keras

    keras.utils.set_random_seed(0)
    inp = keras.Input((4, 3))
    norm = keras.layers.LayerNormalization(gamma_initializer="random_uniform", beta_initializer="random_uniform", **kw)
    model = keras.Model(inp, keras.layers.Dense(1)(keras.layers.Flatten()(norm(inp))))
    X = RNG.normal(size=(120, 4, 3)).astype(np.float32) * 2
    zk = from_keras(model, X[:80], max_error=1e-2, fit=False)
    want = model.predict(X[80:], verbose=0)[:, 0]
    assert np.max(np.abs(zk.predict(X[80:]) - want)) < 1e-3 * np.ptp(want)
    other = keras.Model(inp, keras.layers.Dense(1)(keras.layers.Flatten()(keras.layers.LayerNormalization(axis=1)(inp))))
    with pytest.raises(ConversionError, match="a layer norm over axis"):
        from_keras(other, X[:80], fit=False)


class _Cross(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.att = nn.MultiheadAttention(4, 2, batch_first=True)
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc(self.att(x, torch.relu(x), x)[0].flatten(1))


class _Weights(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.att = nn.MultiheadAttention(4, 2, batch_first=True)
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc(self.att(x, x, x)[1].flatten(1))


class _SeqFirst(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.att = nn.MultiheadAttention(4, 2)
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc(self.att(x, x, x, need_weights=False)[0].flatten(1))


class _LogSoftInside(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc(torch.log_softmax(x, -1).flatten(1))


@pytest.mark.parametrize("model,message", [
    (_Cross, "layer 'att' (MultiheadAttention): attention over 2 different computed inputs (cross-attention"),
    (_Weights, "on the attention weights, which the circuit does not compute"),
    (_SeqFirst, "layer 'att' (MultiheadAttention): an attention with batch_first=False takes the sequence first"),
    (_LogSoftInside, "log_softmax is supported only as the model's last operation"),
])
def test_refusals_name_layer_and_cause(model, message: str) -> None:
    torch.manual_seed(6)
    with pytest.raises(ConversionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        from_torch(model().eval(), SEQ[:20], fit=False)


# ---- slow: the example, and a proof -----------------------------------------------------------------------
@pytest.mark.slow
def test_example_transformer_agrees_with_torch() -> None:
    """examples/transformer_text.py at 8 tokens: the circuit's labels equal PyTorch's on >= 99% of 400
    held-out rows (measured 100%)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from examples import transformer_text as ex

    X, y = ex.make_data(800, 8, 0)
    Xt, _ = ex.make_data(400, 8, 1)
    net = ex.train(X, y, 8, 8, epochs=15)
    zk = from_torch(net, X, input_range=(0, ex.VOCAB - 1), fit=False)
    with torch.no_grad():
        want = net(torch.tensor(Xt)).argmax(1).numpy()
    assert np.mean(zk.predict(Xt) == want) >= 0.99


@pytest.mark.slow
@pytest.mark.prove
def test_layer_norm_proves_and_verifies() -> None:
    """A LayerNorm(8) → Linear(8 → 3) classifier proves on snarkVM in one circuit; the proof verifies and
    its label is torch's."""
    torch.manual_seed(7)
    norm, fc = nn.LayerNorm(8), nn.Linear(8, 3)
    m = nn.Sequential(norm, fc).eval()
    X = RNG.normal(size=(100, 8)).astype(np.float32)
    zk = from_torch(m, X, fit=False)
    proof = zk.prove(X[0])
    assert zk.verify(proof)
    with torch.no_grad():
        assert zk.decode_proof(proof) == int(m(torch.tensor(X[:1])).argmax(1)[0])
