"""One framework-neutral description of a neural network, its quantization and its model file.

A framework's converter (scikit-learn's MLPs in :mod:`.sklearn`, PyTorch in :mod:`.torch`, Keras and
ONNX) builds a :class:`Network` layer by layer from the framework's float64 parameters, then calls
:func:`to_spec` (the :class:`~stdlib_ml.convert.render.Spec` a model file says) or :func:`convert`
(the :class:`~stdlib_ml.convert.ZkModel`, checked against the framework's own float prediction). This
module imports no framework.

Builder (shapes exclude the batch dimension; images are channels-first, ``(C, H, W)`` / ``(C, L)``;
every method returns a :class:`Node`, the handle of its output tensor; ``where`` names the layer in
error messages, e.g. ``"layer 'features.0' (Conv2d)"``)::

    net = Network((1, 8, 8), name="digits_cnn")
    h = net.conv(net.input, W, b, stride=1, padding=1)     # W (C_out, C_in/groups, kH, kW)
    h = net.batch_norm(h, mean, var, gamma, beta, eps=1e-5) # folded into the conv (float64, before quantizing)
    h = net.relu(h)
    h = net.max_pool(h, 2)
    h = net.dense(net.flatten(h), W2, b2)                   # W2 (out, in), as torch's Linear
    net.output(h, "argmax", classes=range(10))               # Softmax / LogSoftmax: argmax; Sigmoid: "threshold"
    spec = to_spec(net, X_calib)                            # or: zk = convert(net, X_calib, reference=predict)

Also ``leaky_relu``, ``clip`` (ReLU6, hard tanh), ``hard_sigmoid``, ``activation(x, kind)`` (by name,
including the approximated ``sigmoid``, ``tanh``, ``gelu``, ``silu``), ``avg_pool``, ``scale_shift``
(per-channel affine), ``reshape``, ``permute`` (channels-last → first), ``add``, ``sub``, ``mul_const``,
``concat``; ``identity`` (Dropout at inference)
returns its input. The layers of transformers (LayerNorm, softmax, embeddings, attention) are built on a
network by :mod:`.transformer`. :meth:`Network.forward` / :meth:`Network.predict` run the description in float64
(exact activations): the oracle a converter checks its own walk of the framework's model against.

How a network becomes a circuit. Every layer is either affine (Dense, Conv, AvgPool, BatchNorm,
Flatten/Reshape, Add, Concat) or piecewise linear, and every piecewise-linear function is a sum of
ReLUs of affine inputs: ``clip(x, a, b) = a + relu(x − a) − relu(x − b)``, ``leaky(x) = α·x + (1 −
α)·relu(x)``, ``max(a, b) = b + relu(a − b)`` (a max pool is a tournament of these), and the
approximations are interpolations on fixed knots, ``f(x) ≈ f(t_0) + s_0·(x − t_0) + Σ_k Δs_k·relu(x −
t_k)``. So lowering composes the affine layers (in float64: BatchNorm and Dropout vanish into the
neighbouring weights) and materializes only the inputs of ReLUs: a network is a sequence of *stages*,
each ``z = Σ_s A_s·h_s + c`` over earlier sources (the input, earlier ReLU outputs) followed by one sign
test per element (``activations.relu_vec``), and a head (argmax, a threshold, or a regression value).
A stage's linear part costs 0 constraints (constant weights); sparse ones (convolutions, pools) use
``linalg.sparse_matvec`` over constant index patterns, so the program holds only their non-zero taps.

Quantization: integers at power-of-two scales, no rescaling inside the circuit (each stage's scale is
its sources' plus the bits its weights need: ``resolution + 2`` bits for the largest weight per input
step; fewer when the weights are exact at fewer, as the ±1 of a max pool), each stage's sign-test width
from exact worst-case intervals over the declared input range (ReLU outputs lie in ``[0, hi]``), and
``resolution`` lowered by 2 until every bound fits the 127-bit sign tests (2**62 for a regression output).
"""

from .lowering import Quantized, lower, quantize
from .approximations import ACTIVATION_SCALE, APPROXIMATIONS, EXP_ERROR, LAYER_APPROXIMATIONS, Approximation, exp_knots
from .network import GRU_STATE_BOUND, HEADS, PIECEWISE, Network, Node, Padding, decide, same_padding
from .rendering import MIN_FIT_RESOLUTION, SPARSE_DENSITY, FitWarning, FloatNetwork, convert, network_spec, provable, to_spec

__all__ = ["ACTIVATION_SCALE", "APPROXIMATIONS", "EXP_ERROR", "GRU_STATE_BOUND", "HEADS", "LAYER_APPROXIMATIONS", "MIN_FIT_RESOLUTION", "PIECEWISE", "SPARSE_DENSITY", "Approximation", "FitWarning", "exp_knots",
           "FloatNetwork", "Network", "Node", "Padding", "Quantized", "convert", "decide", "lower", "network_spec", "provable",
           "quantize", "same_padding", "to_spec"]
