"""Keras 3 models (``Sequential`` or functional, or a ``.keras`` file) → the shared network description
(:mod:`.nn`), on the torch backend: no TensorFlow install.

Keras lays images out channels-last (``(H, W, C)``, ``(L, C)``); the description is channels-first. The
circuit takes a sample as Keras does (flattened in C order of Keras' own layout): the network starts by
transposing spatial inputs to channels-first and transposes back before a ``Flatten`` / ``Reshape``, so
that the ``Dense`` weights after it see Keras' order (permutations cost 0 constraints). The float model
the conversion checks itself against is the Keras model's own ``predict``.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from . import nn, quiet
from .nn import transformer
from .fidelity import CHECK_ROWS
from .model import ConversionError, ModelInputError, ZkModel
from .options import calibration_rows
from .quantize import MLP_RESOLUTION

EXTRA = "pip install 'pyleo-zk[keras]'"
"""What to run when Keras (or torch, its backend here) is missing."""

TF_EXTRA = "pip install 'pyleo-zk[tensorflow]'"
"""What to run when TensorFlow (a Keras backend, SavedModels, TFLite) is missing."""

LAYERS = ("InputLayer", "Dense", "Conv1D", "Conv2D", "Activation", "ReLU", "LeakyReLU", "Softmax",
          "BatchNormalization", "Flatten", "Reshape", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D",
          "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "Dropout", "Identity", "Add",
          "Subtract", "Concatenate", "Normalization", "Rescaling", "ELU", "PReLU", "LayerNormalization")
"""The Keras layers :func:`network` converts."""

ACTIVATIONS = {"linear": "identity", "relu": "relu", "relu6": "relu6", "leaky_relu": "leaky_relu",
               "hard_sigmoid": "hard_sigmoid", "hard_tanh": "hard_tanh", "sigmoid": "sigmoid", "tanh": "tanh",
               "gelu": "gelu", "silu": "silu", "swish": "silu", "elu": "elu", "selu": "selu"}
"""Keras activation names → the description's (``sigmoid`` / ``tanh`` / ``gelu`` / ``silu`` / ``elu`` / ``selu`` approximated,
except a final sigmoid, which decides by a threshold); ``softmax`` / ``log_softmax`` only last."""

SUPPORTED = ("supported Keras layers: " + ", ".join(LAYERS) + "; activations " + ", ".join(ACTIVATIONS)
             + ", and softmax / log_softmax / sigmoid on the last layer")


def _keras() -> Any:
    """Keras 3 (on the torch backend: ``KERAS_BACKEND=torch`` unless it is set before Keras is first
    imported), or a :class:`ConversionError` saying how to install it."""
    os.environ.setdefault("KERAS_BACKEND", "torch")   # before Keras is first imported: no TensorFlow needed
    backend = os.environ["KERAS_BACKEND"]
    try:
        with quiet.silenced():   # its backend's start-up notices
            import keras
    except ValueError as e:   # Keras' own "Unable to import backend : x"
        raise ConversionError(f"KERAS_BACKEND={backend} is set, but Keras cannot load that backend ({e})",
                              hint=f"set KERAS_BACKEND=torch (or unset it) or tensorflow ({TF_EXTRA})") from None
    except ImportError as e:
        missing = (e.name or "").split(".")[0]
        if missing and missing not in ("keras", "torch") and backend != "torch":
            raise ConversionError(f"KERAS_BACKEND={backend} is set, but Keras cannot load that backend ({missing} is "
                                  f"not installed: {e})",
                                  hint=f"install it (KERAS_BACKEND=tensorflow: {TF_EXTRA}), or unset KERAS_BACKEND "
                                  "(pyleo then reads Keras models on the torch backend)") from None
        raise ConversionError(f"converting Keras models needs keras 3 and {backend} (Keras' backend here, "
                              f"KERAS_BACKEND={backend}); {missing or 'one of them'} is not installed",
                              hint=f"install pyleo-zk[keras]: {EXTRA}" + (f", or {TF_EXTRA}" if backend == "tensorflow"
                                                                          else "")) from None
    if not str(getattr(keras, "__version__", "0")).startswith("3"):
        raise ConversionError(f"Keras {keras.__version__} is installed; converting needs Keras 3", hint=EXTRA)
    return keras


def load_keras(model: Any) -> Any:
    """A Keras model from a ``.keras`` file, a legacy ``.h5`` one (or the model itself). The file's structure
    is checked first (a zip archive holding ``config.json`` that describes a model, and the weights; an
    HDF5 file with a ``model_config``), so a damaged file
    is refused in milliseconds, before Keras is imported. Raises :class:`ModelInputError` for a missing
    or unreadable file."""
    if isinstance(model, (str, os.PathLike)):
        p = Path(model)
        if not p.is_file():
            _keras()   # without Keras, what to install is the first thing to say
            raise ModelInputError(f"no such Keras model file: {p}")
        if p.suffix.lower() in H5_SUFFIXES:
            _check_h5(p)
        else:
            _check_archive(p)
        keras = _keras()
        try:
            with quiet.silenced():
                return keras.saving.load_model(p, compile=False)
        except Exception as e:  # noqa: BLE001 - Keras raises ValueError, OSError, zipfile errors ...
            raise ModelInputError(f"{p} is not a readable Keras model: the file is damaged, truncated or of another "
                                  f"format ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else 'no detail'})",
                                  hint="save it with model.save('model.keras')") from None
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise ModelInputError(f"expected a Keras model or a .keras / .h5 file, got {type(model).__name__}")
    return model


H5_SUFFIXES = (".h5", ".hdf5")
"""Legacy Keras model files (HDF5: ``model.save('model.h5')``, tf.keras 2's default before ``.keras``)."""


def _check_h5(p: Path) -> None:
    """Refuse a legacy ``.h5`` file that is not HDF5 or holds no model (only weights), before Keras is imported."""
    with open(p, "rb") as f:
        head = f.read(8)
    if head != b"\x89HDF\r\n\x1a\n":
        raise ModelInputError(f"{p} is not a readable Keras model: the file is damaged, truncated or of another "
                              "format (not an HDF5 file)", hint="save it with model.save('model.keras')")
    try:
        import h5py
    except ImportError:   # Keras itself needs h5py for .h5 files: it says so when it loads
        return
    try:
        with h5py.File(p, "r") as f:
            has_model = "model_config" in f.attrs
    except OSError as e:
        raise ModelInputError(f"{p} is not a readable Keras model: the file is damaged, truncated or of another "
                              f"format (HDF5: {e})", hint="save it with model.save('model.keras')") from None
    if not has_model:
        raise ModelInputError(f"{p} holds no model (no model_config: weights only, from save_weights?)",
                              hint="save the whole model with model.save('model.keras'), or build the model and "
                              "load_weights before converting it")


def _check_archive(p: Path) -> None:
    """Refuse a ``.keras`` file that is not a zip archive with a model's ``config.json`` and its weights."""
    def refuse(why: str) -> ModelInputError:
        return ModelInputError(f"{p} is not a readable Keras model: the file is damaged, truncated or of another "
                               f"format ({why})", hint="save it with model.save('model.keras') (Keras 3)")

    try:
        with zipfile.ZipFile(p) as z:
            names = set(z.namelist())
            if "config.json" not in names:
                raise refuse("its archive has no config.json")
            if not any(n.endswith((".h5", ".npz")) for n in names):
                raise refuse("its archive holds no weights")
            config = json.loads(z.read("config.json"))
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as e:
        raise refuse(f"not a zip archive: {type(e).__name__}: {e}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise refuse(f"its config.json is not JSON: {e}") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise refuse("its config.json does not describe a model")


def _np(v: Any) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(v), dtype=np.float64)


class _Tensor:
    """A Keras tensor in the description: its node (channels-first when ``spatial``) or the final decision."""

    def __init__(self, node: Any, spatial: bool = False, head: str | None = None) -> None:
        self.node, self.spatial, self.head = node, spatial, head


def _graph(model: Any) -> tuple[list[tuple[Any, list[int], list[int], dict[str, Any]]], list[int], list[int]]:
    """The model's layer calls in an order where each comes after the calls computing its inputs, each
    with the ids of its input and output tensors and its call's keyword arguments (``training=True``),
    and the ids of the model's inputs and outputs (a Sequential model: its layers one after the other; a
    shared layer appears once per call)."""
    keras = _keras()
    if isinstance(model, keras.Sequential):
        layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
        return [(layer, [k], [k + 1], {}) for k, layer in enumerate(layers)], [0], [len(layers)]
    calls = []
    for op in model.operations:
        for node in op._inbound_nodes:
            arguments = getattr(node, "arguments", None)
            calls.append((op, [id(t) for t in node.input_tensors], [id(t) for t in node.output_tensors],
                          dict(getattr(arguments, "kwargs", None) or {})))
    ready, ordered = {id(t) for t in model.inputs}, []
    while calls:   # a shared layer's later calls wait for their inputs
        now = [c for c in calls if all(t in ready for t in c[1])] or calls[:1]
        for c in now:
            ordered.append(c)
            ready.update(c[2])
        calls = [c for c in calls if all(c is not n for n in now)]
    return ordered, [id(t) for t in model.inputs], [id(t) for t in model.outputs]


def network(model: Any, X: np.ndarray | None) -> Any:
    """The :class:`~stdlib_ml.convert.nn.Network` of a Keras model (see the module docstring). ``X``:
    calibration rows, which give the input shape when the model leaves it open."""
    keras = _keras()
    if not model.built or not getattr(model, "inputs", None):
        raise ConversionError(f"Keras model {model.name!r} has no defined input: build it with keras.Input(shape) "
                              "as its first layer (or call it once on data)")
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ConversionError(f"Keras model {model.name!r} has {len(model.inputs)} inputs and {len(model.outputs)} "
                              "outputs; a converted model takes one tensor of features and gives one prediction")
    shape = tuple(model.inputs[0].shape[1:])
    if any(d is None for d in shape):
        if X is None or X.ndim != len(shape) + 1:
            raise ConversionError(f"Keras model {model.name!r} takes inputs of shape {shape}, open beyond the batch",
                                  hint="give keras.Input a full shape, or pass X shaped (n, *sample_shape)")
        shape = X.shape[1:]
    net = nn.Network(tuple(int(d) for d in shape), name="keras_" + "".join(c if c.isalnum() else "_" for c in
                                                                        model.name.lower())[:24])
    spatial = len(shape) > 1
    start = net.permute(net.input, (len(shape) - 1, *range(len(shape) - 1)), where="the input (channels-last → "
                          "channels-first)") if spatial else net.input
    ops, ins, outs = _graph(model)
    env: dict[int, _Tensor] = {ins[0]: _Tensor(start, spatial)}
    for k, (layer, xs, ys, kwargs) in enumerate(ops):
        if type(layer).__name__ == "InputLayer":
            continue
        where = f"layer {layer.name!r} ({type(layer).__name__}, layer {k + 1} of {len(ops)})"
        if kwargs.get("training"):
            raise ConversionError(f"Keras {where} is called with training=True: it runs as in training (Dropout "
                                  "drops random values, BatchNormalization uses the batch's statistics) whenever the "
                                  "model runs, so the circuit would not compute what the model computes",
                                  hint="build the model without training=True in the layer's call (Keras passes the "
                                  "mode itself: fit trains, predict infers)")
        args = []
        for t in xs:
            if t not in env:
                raise ConversionError(f"Keras {where} takes a tensor not computed from the model's input", hint=SUPPORTED)
            args.append(_use(net, env[t], where))
        env[ys[0]] = _layer(keras, net, layer, args, where)
    out = env[outs[0]]
    flat = _flat(net, out, "the output")
    if out.head is not None:
        net.output(flat, out.head, classes=[0, 1] if out.head == "threshold" else None)
    else:
        net.output(flat, "regression" if flat.size == 1 else "argmax")
    names = [type(layer).__name__ for layer, _, _, _ in ops if type(layer).__name__ != "InputLayer"]
    net.title = f"Keras model {model.name!r} ({'→'.join(names)}, {net.n_features} inputs), converted to pyleo."
    return net


def _use(net: Any, t: _Tensor, where: str) -> _Tensor:
    """``t`` as the input of another layer: a final decision (softmax) cannot be; a final sigmoid becomes
    its approximation."""
    if t.head == "argmax":
        raise ConversionError(f"Keras {where} uses the output of a softmax, which is supported only on the last layer "
                              "(it decides the label)", hint=SUPPORTED)
    if t.head == "threshold":
        return _Tensor(net.activation(t.node, "sigmoid", where=where), t.spatial)
    return t


def _flat(net: Any, t: _Tensor, where: str) -> Any:
    """``t``'s node flattened in Keras' (channels-last) order."""
    node = t.node
    if t.spatial:
        node = net.permute(node, (*range(1, len(node.shape)), 0), where=f"{where} (channels-first → channels-last)")
    return net.flatten(node, where=where)


def _keras_layout(c: Any, x: _Tensor, where: str) -> np.ndarray:
    """A constant broadcast as Keras broadcasts it against ``x`` (channels-last, batch dimension dropped),
    one value per element of ``x``'s node (channels-first when spatial)."""
    node = x.node
    shape = (*node.shape[1:], node.shape[0]) if x.spatial else node.shape
    c = np.asarray(c, np.float64)
    if c.ndim == len(shape) + 1 and c.shape[0] == 1:   # a leading batch dimension of 1
        c = c[0]
    try:
        full = np.broadcast_to(c, shape)
    except ValueError:
        raise ConversionError(f"Keras {where}: parameters of shape {c.shape} for a tensor of shape {shape}",
                              hint=SUPPORTED) from None
    return (np.moveaxis(full, -1, 0) if x.spatial else full).ravel()


def _activation(net: Any, t: _Tensor, name: str, where: str) -> _Tensor:
    if name == "selu":   # scale·elu(x, alpha) with SELU's fixed constants
        return _Tensor(net.mul_const(net.elu(t.node, 1.6732632423543772, where=where), 1.0507009873554805,
                                     where=where), t.spatial)
    if name in ("softmax", "log_softmax"):
        return _Tensor(_flat(net, t, where), head="argmax")
    if name == "sigmoid":   # a decision if it is the last layer (see _use), else approximated
        return _Tensor(t.node, t.spatial, head="threshold") if t.node.size == 1 else \
            _Tensor(net.activation(t.node, "sigmoid", where=where), t.spatial)
    if name not in ACTIVATIONS:
        raise ConversionError(f"Keras {where} has activation {name!r}, which is not supported", hint=SUPPORTED)
    kind = ACTIVATIONS[name]
    params = {"alpha": 0.2} if kind == "leaky_relu" else {}   # keras.activations.leaky_relu's default slope
    return _Tensor(net.activation(t.node, kind, where=where, **params), t.spatial)


def _layer(keras: Any, net: Any, layer: Any, args: list[_Tensor], where: str) -> _Tensor:
    """Add ``layer`` applied to ``args`` to ``net``."""
    name = type(layer).__name__
    cfg = layer.get_config()
    x = args[0]
    if cfg.get("data_format", "channels_last") != "channels_last":
        raise ConversionError(f"Keras {where} uses data_format={cfg['data_format']!r}; channels_last (Keras' "
                              "default) is supported", hint=SUPPORTED)
    if name in ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "Identity", "GaussianNoise", "GaussianDropout"):
        return x
    if name == "Dense":
        if x.spatial or len(x.node.shape) != 1:
            raise ConversionError(f"Keras {where} is applied to a tensor of shape {x.node.shape}; Dense on a vector is "
                                  "supported (Flatten first)", hint=SUPPORTED)
        b = _np(layer.bias) if layer.use_bias else None
        out = _Tensor(net.dense(x.node, _np(layer.kernel).T, b, where=where))
        return _activation(net, out, cfg.get("activation") or "linear", where)
    if name in ("Conv1D", "Conv2D"):
        d = 1 if name == "Conv1D" else 2
        if not x.spatial or len(x.node.shape) != d + 1:
            raise ConversionError(f"Keras {where} gets a tensor of shape {x.node.shape}", hint=SUPPORTED)
        K = _np(layer.kernel)                         # (*kernel, C_in/groups, C_out)
        W = K.transpose(d + 1, d, *range(d))          # (C_out, C_in/groups, *kernel)
        k, s, dl = tuple(W.shape[2:]), tuple(cfg["strides"]), tuple(cfg["dilation_rate"])
        if cfg["padding"] == "causal":   # Conv1D: every output sees only the inputs up to its own position
            p = tuple((dd * (kk - 1), 0) for kk, dd in zip(k, dl))
        else:
            p = nn.same_padding(x.node.shape[1:], k, s, dl) if cfg["padding"] == "same" else (0,) * d
        b = _np(layer.bias) if layer.use_bias else None
        out = _Tensor(net.conv(x.node, W, b, stride=s, padding=p, dilation=dl, groups=int(cfg.get("groups", 1)),
                               where=where), True)
        return _activation(net, out, cfg.get("activation") or "linear", where)
    if name == "Activation":
        return _activation(net, x, cfg["activation"], where)
    if name == "Softmax":
        return _activation(net, x, "softmax", where)
    if name == "ReLU":
        hi = cfg.get("max_value")
        if cfg.get("threshold", 0.0) != 0.0:
            raise ConversionError(f"Keras {where} has threshold={cfg['threshold']}, which is not supported", hint=SUPPORTED)
        if cfg.get("negative_slope", 0.0):
            if hi is not None:
                raise ConversionError(f"Keras {where} has both negative_slope and max_value", hint=SUPPORTED)
            return _Tensor(net.leaky_relu(x.node, cfg["negative_slope"], where=where), x.spatial)
        node = net.relu(x.node, where=where) if hi is None else net.clip(x.node, 0.0, float(hi), where=where)
        return _Tensor(node, x.spatial)
    if name == "LeakyReLU":
        return _Tensor(net.leaky_relu(x.node, cfg.get("negative_slope", cfg.get("alpha", 0.3)), where=where), x.spatial)
    if name in ("Normalization", "Rescaling"):
        if name == "Rescaling":
            scale, shift = np.asarray(cfg["scale"], np.float64), np.asarray(cfg["offset"], np.float64)
        else:
            mean, var = _np(layer.mean), _np(layer.variance)
            sd = np.maximum(np.sqrt(var), keras.config.epsilon())
            scale, shift = (sd, mean) if cfg.get("invert") else (1.0 / sd, -mean / sd)
        return _Tensor(net.scale_shift(x.node, _keras_layout(scale, x, where), _keras_layout(shift, x, where),
                                       where=where), x.spatial)
    if name == "ELU":
        return _Tensor(net.elu(x.node, float(cfg.get("alpha", 1.0)), where=where), x.spatial)
    if name == "PReLU":
        return _Tensor(net.prelu(x.node, _keras_layout(_np(layer.alpha), x, where), where=where), x.spatial)
    if name == "LayerNormalization":
        if cfg.get("axis") not in (-1, [-1], len(x.node.shape), [len(x.node.shape)]) or cfg.get("rms_scaling", False):
            raise ConversionError(f"Keras {where}: a layer norm over axis {cfg.get('axis')!r}"
                                  f"{' with rms_scaling' if cfg.get('rms_scaling', False) else ''} is not supported "
                                  "(over the last axis, without rms_scaling, it is)", hint=SUPPORTED)
        seq = x.node if not x.spatial else net.permute(x.node, [*range(1, len(x.node.shape)), 0], where=where)   # channels last
        y = transformer.layer_norm(net, seq, _np(layer.gamma) if cfg.get("scale", True) else None,
                                   _np(layer.beta) if cfg.get("center", True) else None,
                                   float(cfg.get("epsilon", 1e-3)), where=where)
        if x.spatial:
            y = net.permute(y, [len(y.shape) - 1, *range(len(y.shape) - 1)], where=where)
        return _Tensor(y, x.spatial)
    if name in ("GroupNormalization", "UnitNormalization", "RMSNormalization"):
        raise ConversionError(f"Keras {where} normalizes each sample by statistics of its own values (a division by "
                              "a value computed from the input), which the circuit's arithmetic (affine maps and "
                              "ReLUs) cannot compute", hint="use BatchNormalization (its statistics are constants at "
                              "inference), or Normalization (adapted to the data beforehand)")
    if name in ("Embedding", "StringLookup", "IntegerLookup", "CategoryEncoding", "Hashing"):
        raise ConversionError(f"Keras {where} looks values up by an integer index, which is not supported (the "
                              "circuit takes real-valued features)", hint=SUPPORTED)
    if name == "BatchNormalization":
        axis = cfg["axis"]
        axis = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
        if axis not in (-1, len(x.node.shape)):
            raise ConversionError(f"Keras {where} normalizes axis {axis}; the channel axis (-1) is supported",
                                  hint=SUPPORTED)
        gamma = _np(layer.gamma) if layer.scale else None
        beta = _np(layer.beta) if layer.center else None
        return _Tensor(net.batch_norm(x.node, _np(layer.moving_mean), _np(layer.moving_variance), gamma, beta,
                                      eps=float(cfg["epsilon"]), where=where), x.spatial)
    if name == "Flatten":
        return _Tensor(_flat(net, x, where))
    if name == "Reshape":
        flat = _flat(net, x, where)
        target = tuple(int(v) for v in cfg["target_shape"])
        if len(target) == 1 or target == (-1,):
            return _Tensor(net.reshape(flat, target, where=where))
        node = net.reshape(flat, target, where=where)   # Keras' (…, C) order: to channels-first
        return _Tensor(net.permute(node, (len(target) - 1, *range(len(target) - 1)), where=where), True)
    if name in ("MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"):
        if not x.spatial:
            raise ConversionError(f"Keras {where} gets a tensor of shape {x.node.shape}", hint=SUPPORTED)
        k = tuple(cfg["pool_size"])
        s = tuple(cfg["strides"] or k)
        p = nn.same_padding(x.node.shape[1:], k, s, (1,) * len(k)) if cfg["padding"] == "same" else (0,) * len(k)
        if name.startswith("Max"):
            return _Tensor(net.max_pool(x.node, k, s, p, where=where), True)
        return _Tensor(net.avg_pool(x.node, k, s, p, count_include_pad=False, where=where), True)
    if name in ("GlobalAveragePooling1D", "GlobalAveragePooling2D"):
        if not x.spatial or cfg.get("keepdims"):
            raise ConversionError(f"Keras {where} (shape {x.node.shape}, keepdims={cfg.get('keepdims')}) is not "
                                  "supported", hint=SUPPORTED)
        return _Tensor(net.flatten(net.avg_pool(x.node, x.node.shape[1:], where=where), where=where))
    if name in ("Add", "Subtract"):
        if len(args) != 2 and name == "Subtract" or any(a.spatial != x.spatial for a in args):
            raise ConversionError(f"Keras {where} combines tensors of different layouts", hint=SUPPORTED)
        node = x.node
        for a in args[1:]:
            node = (net.add if name == "Add" else net.sub)(node, a.node, where=where)
        return _Tensor(node, x.spatial)
    if name == "Concatenate":
        if any(a.spatial != x.spatial for a in args):
            raise ConversionError(f"Keras {where} joins tensors of different layouts", hint=SUPPORTED)
        axis = int(cfg["axis"])
        rank = len(x.node.shape)
        axis = axis + rank + 1 if axis < 0 else axis        # in Keras' shape with the batch
        if x.spatial:                                       # Keras (…, C) → channels-first (C, …)
            axis = 0 if axis == rank else axis
        else:
            axis -= 1
        return _Tensor(net.concat([a.node for a in args], axis, where=where), x.spatial)
    raise ConversionError(f"Keras {where} is not supported", hint=SUPPORTED)


class KerasModel:
    """The float model: the Keras model's own ``predict`` (argmax of its outputs, a final sigmoid's
    > 0.5, or a regressor's value, as the description's head says)."""

    def __init__(self, model: Any, head: str) -> None:
        self.model, self.head = model, head

    def predict(self, X: Any) -> np.ndarray:
        shape = tuple(int(d) for d in self.model.inputs[0].shape[1:] if d is not None)
        A = np.asarray(X, dtype=np.float32)
        A = A.reshape(len(A), *shape) if shape and int(np.prod(shape)) == A[0].size else A
        out = np.asarray(self.model.predict(A, verbose=0, batch_size=256), dtype=np.float64).reshape(len(A), -1)
        return nn.decide(out, self.head)


def from_keras(model: Any, X: Any = None, *, input_range: Any = None, input_bits: Any = None, name: str | None = None,
               weights: str = "public", inputs: str = "private", output: str = "public",
               resolution: int = MLP_RESOLUTION, approximate: bool = True, min_agreement: float = 1.0,
               max_error: float = 1e-3, strict: bool = True, check_rows: int | None = CHECK_ROWS,
               fit: bool = True) -> ZkModel:
    """Convert a Keras 3 model (``Sequential`` or functional, or a ``.keras`` file path) to a
    :class:`~stdlib_ml.convert.ZkModel`, on the torch backend.

    ``X``: calibration rows, (n_samples, *input_shape) as the model takes them or flattened
    (n_samples, n_features): the input range the circuit is sized for, and the rows the conversion
    checks itself on against the model's own ``predict`` (classifiers: argmax of a softmax or of
    several outputs, a final sigmoid's > 0.5; one linear output: a regressor's value). ``options``:
    those of :func:`stdlib_ml.convert.nn.convert` (``input_range``, ``input_bits``, ``name``,
    ``weights``, ``inputs``, ``output``, ``resolution``, ``approximate``, ``min_agreement``,
    ``max_error``, ``strict``, ``check_rows``, ``fit``). Raises :class:`ModelInputError` (missing or damaged
    file, malformed ``X``) and :class:`ConversionError` (Keras missing; an unsupported layer, named
    with its place in the model; fidelity below the bar).
    """
    model = load_keras(model)
    Xa = calibration_rows(X, samples=True)
    net = network(model, Xa)
    float_model = KerasModel(model, net.head)
    return nn.convert(net, Xa, reference=float_model.predict, model_name=type(model).__name__, input_range=input_range,
                      input_bits=input_bits, name=name, weights=weights, inputs=inputs, output=output,
                      resolution=resolution, approximate=approximate, min_agreement=min_agreement, max_error=max_error,
                      strict=strict, check_rows=check_rows, fit=fit)


FAMILIES = "Keras: " + SUPPORTED.removeprefix("supported Keras layers: ")
"""What this frontend converts, in words."""

PRIVATE = "Keras networks"
"""What converts with ``weights="private"``."""


def recognises(obj: Any) -> bool:
    """Whether ``obj`` is a Keras model (the registry matched its package)."""
    return True


def load(path: str | os.PathLike[str]) -> Any:
    """The Keras model in a ``.keras`` file (:func:`load_keras`)."""
    return load_keras(path)


def float_model(model: Any) -> Any:
    """The model's own ``predict``, deciding as its converted network's head (:class:`KerasModel`)."""
    model = load_keras(model)
    return KerasModel(model, network(model, None).head)
