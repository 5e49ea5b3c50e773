"""Two CNNs that had no split at the local budget split, prove and verify here in linked parts (issue 25, point 6;
docs/split.md, "Two CNNs at 16,384"): the digits CNN of ``examples/torch_digits.py`` converted at ``resolution=9``
(its logits' partial sums cross every cut after the convolution as 64-bit values) and the int8 CNN of
``tests/test_convert_quantized.py`` (onnxruntime's QOperator graph: requantized int8 activations, int32 sums).

Each (``-m slow``: proving keys for every part): ``pyleo prove`` on a held-out row, the proof verified by ``pyleo
verify``, its label equal to the framework's own (PyTorch's argmax; onnxruntime's int8 outputs' argmax) and the
circuit's, snarkVM's count of every part within the budget, and the file with two parts swapped, its last part
dropped, or part 1 from another run INVALID (``tests/split_forgeries.py``). Planning both alone takes ~45 s, so all
of it is ``-m slow``."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pyleo import split
from tests.split_forgeries import assert_forgeries_rejected, cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def digits() -> tuple[Any, np.ndarray, int]:
    """The example's trained digits CNN converted at resolution 9, a held-out row and PyTorch's label for it."""
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import torch_digits
    finally:
        sys.path.remove(str(ROOT / "examples"))
    from stdlib_ml import from_torch

    zk = from_torch(torch_digits.net, torch_digits.X_train, input_range=(0, 16), input_bits=0, resolution=9, fit=False)
    row = torch_digits.X_test[0]
    with torch.no_grad():
        label = int(torch_digits.net(torch.tensor(row[None])).argmax())
    return zk, row, label


@pytest.fixture(scope="module")
def int8(tmp_path_factory) -> tuple[Any, np.ndarray, int]:
    """The int8 CNN (onnxruntime's quantizer, QOperator), a held-out int8 row and onnxruntime's label for it."""
    pytest.importorskip("onnxruntime")
    from stdlib_ml import from_onnx
    from stdlib_ml.convert.onnx import Graph, OrtInt8
    from tests.test_convert_quantized import _ort

    proto, Q = _ort("digits", tmp_path_factory)
    zk = from_onnx(proto, Q)
    return zk, Q[0], int(OrtInt8(Graph.read(proto)).outputs(Q[:1])[0].argmax())


@pytest.mark.slow   # training, converting and planning both: ~45 s
@pytest.mark.parametrize("model", ["digits", "int8"])
def test_each_cnn_plans_at_the_local_budget(model, request) -> None:
    zk, row, label = request.getfixturevalue(model)
    plan = split.plan(zk.program.code, "predict")
    assert plan.whole > split.LOCAL_BUDGET and 2 <= len(plan.parts) <= 31
    assert all(p.constraints <= split.LOCAL_BUDGET for p in plan.parts)
    assert int(zk.predict(row[None])[0]) == label


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
@pytest.mark.parametrize("model", ["digits", "int8"])
def test_each_cnn_proves_and_verifies_in_linked_parts_with_the_frameworks_label(model, request, key_cache,
                                                                                tmp_path) -> None:
    zk, row, label = request.getfixturevalue(model)
    plan = split.plan(zk.program.code, "predict")
    path = zk.save(tmp_path / f"{model}.py")
    out = tmp_path / f"{model}.proof.json"
    values = [float(v) for v in np.ravel(row)] if model == "digits" else [int(v) for v in np.ravel(row)]
    proved = cli("prove", str(path), "predict", json.dumps(values), "--out", str(out))
    assert proved.returncode == 0, proved.stderr
    sp = split.SplitProof.load(out)
    assert len(sp.parts) == len(plan.parts) and int(re.match(r"\d+", sp.public_outputs[0]).group()) == label
    assert all(part.constraints <= split.LOCAL_BUDGET for part in sp.parts)
    ok = cli("verify", str(out), "--model", str(path))
    assert ok.returncode == 0 and f"split in {len(plan.parts)} parts" in ok.stdout, ok.stderr
    assert_forgeries_rejected(out, path, plan, zk.program.inputs("predict", zk.circuit_args(zk.encode(row[None])[0])),
                              tmp_path)
