"""The shared network description (stdlib_ml.convert.nn) without any framework: its float layers
against numpy / scipy written independently, and its circuits against its float forward."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate

from stdlib_ml import ConversionError
from stdlib_ml.convert import nn


def test_conv_and_pools_match_numpy() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, 2, 7, 6))
    W, b = rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    net = nn.Network((2, 7, 6))
    c = net.conv(net.input, W, b, stride=(2, 1), padding=(1, 0))
    net.output(net.flatten(c), "argmax")
    padded = np.pad(X, ((0, 0), (0, 0), (1, 1), (0, 0)))
    want = np.stack([np.stack([sum(correlate(padded[i, ci], W[o, ci], mode="valid") for ci in range(2)) + b[o]
                               for o in range(3)])[:, ::2, :] for i in range(5)])
    assert c.shape == want.shape[1:]
    assert np.allclose(net.forward(X), want.reshape(5, -1))

    net = nn.Network((2, 9))    # Conv1d, dilated and grouped: each output channel sees one input channel
    W1 = rng.normal(size=(4, 1, 3))
    c = net.conv(net.input, W1, None, padding=2, dilation=2, groups=2)
    net.output(net.flatten(c), "argmax")
    X1 = rng.normal(size=(3, 2, 9))
    P = np.pad(X1, ((0, 0), (0, 0), (2, 2)))
    want = np.stack([[[sum(W1[o, 0, k] * P[i, o // 2, t + 2 * k] for k in range(3)) for t in range(9)]
                      for o in range(4)] for i in range(3)])
    assert np.allclose(net.forward(X1), want.reshape(3, -1))

    net = nn.Network((2, 4, 6))
    m = net.max_pool(net.input, 2)
    a = net.avg_pool(net.input, (2, 3))
    net.output(net.concat([net.flatten(m), net.flatten(a)]), "argmax")
    X = rng.normal(size=(4, 2, 4, 6))
    mx = X.reshape(4, 2, 2, 2, 3, 2).max(axis=(3, 5))
    av = X.reshape(4, 2, 2, 2, 2, 3).mean(axis=(3, 5))
    assert np.allclose(net.forward(X), np.concatenate([mx.reshape(4, -1), av.reshape(4, -1)], axis=1))


def test_permute_matches_numpy_transpose() -> None:
    net = nn.Network((4, 3, 2))                      # channels-last (H, W, C), as Keras takes images
    p = net.permute(net.input, (2, 0, 1))
    net.output(net.flatten(p), "argmax")
    X = np.random.default_rng(2).normal(size=(3, 4, 3, 2))
    assert p.shape == (2, 4, 3)
    assert np.array_equal(net.forward(X), X.transpose(0, 3, 1, 2).reshape(3, -1))


def _random_net(rng: np.random.Generator) -> nn.Network:
    net = nn.Network((1, 4, 4), name="random_net")
    h = net.conv(net.input, rng.normal(size=(2, 1, 3, 3)), rng.normal(size=2), padding=1)
    h = net.batch_norm(h, rng.normal(size=2), rng.uniform(0.5, 2, 2), rng.normal(size=2), rng.normal(size=2))
    h = net.relu(h)
    h = net.max_pool(h, 2)                          # pooled before its ReLU (cheaper, same values)
    h2 = net.clip(h, 0.2, 1.5)
    h = net.leaky_relu(net.add(h, h2), 0.1)
    h = net.hard_sigmoid(net.dense(net.flatten(h), rng.normal(size=(6, 8)), rng.normal(size=6)))
    net.output(net.dense(h, rng.normal(size=(4, 6)), rng.normal(size=4)), "argmax", classes=["a", "b", "c", "d"])
    return net


def test_circuit_agrees_with_the_float_description() -> None:
    rng = np.random.default_rng(3)
    net = _random_net(rng)
    X = rng.uniform(-2, 2, size=(300, 16))
    zk = nn.convert(net, X)
    assert zk.fidelity["agreement"] == 1.0
    Xn = rng.uniform(-2, 2, size=(200, 16))
    assert zk.predict(Xn).tolist() == net.predict(Xn).tolist()


@pytest.mark.slow
def test_snarkvm_runs_the_same_circuit() -> None:
    rng = np.random.default_rng(3)
    net = _random_net(rng)
    zk = nn.convert(net, rng.uniform(-2, 2, size=(300, 16)))
    Xn = rng.uniform(-2, 2, size=(3, 16))
    assert zk.predict(Xn, backend="vm").tolist() == net.predict(Xn).tolist()


def test_relu_then_max_pool_is_pooled_first() -> None:
    net = nn.Network((1, 4, 4))
    net.output(net.flatten(net.max_pool(net.relu(net.input), 2)), "argmax")
    X = np.random.default_rng(0).normal(size=(50, 16))
    zk = nn.convert(net, X)
    assert zk.fidelity["agreement"] == 1.0
    # 4 windows of 4: 3 ReLUs each for the maximum, then 1 ReLU on the pooled value (not 16 + 12)
    assert sum(len(z.bias) for z in nn.lower(net).stages) == 4 * 3 + 4


def test_regression_head_is_close() -> None:
    rng = np.random.default_rng(5)
    net = nn.Network(3)
    h = net.relu(net.dense(net.input, rng.normal(size=(5, 3)), rng.normal(size=5)))
    net.output(net.dense(h, rng.normal(size=(1, 5)), [0.5]), "regression")
    X = rng.normal(size=(100, 3))
    zk = nn.convert(net, X)
    want = net.predict(X)
    assert zk.kind == "regressor"
    assert np.max(np.abs(zk.predict(X) - want)) <= 1e-3 * np.ptp(want)


def test_bad_descriptions_are_refused() -> None:
    net = nn.Network((1, 4, 4))
    with pytest.raises(ConversionError, match="only 1-D inputs"):
        net.dense(net.input, np.ones((2, 16)), where="layer 'fc'")
    with pytest.raises(ConversionError, match="layer 'c': kernel .* does not fit"):
        net.conv(net.input, np.ones((1, 1, 5, 5)), where="layer 'c'")
    with pytest.raises(ConversionError, match="activation 'swish' is not supported"):
        net.activation(net.input, "swish")
    with pytest.raises(ConversionError, match="no output"):
        nn.to_spec(net)
    h = net.activation(net.flatten(net.input), "sigmoid", where="layer 's'")
    net.output(net.dense(h, np.ones((2, 16))), "argmax")
    with pytest.raises(ConversionError, match="layer 's': sigmoid has no exact circuit"):
        nn.to_spec(net, approximate=False)
    assert "sigmoid (16 values) is approximated" in "\n".join(nn.to_spec(net, input_range=4).notes)
