"""A PyTorch CNN on handwritten digits, trained as usual, then proved on snarkVM.

    python examples/torch_digits.py [--out DIR]   # DIR keeps the model file and the proof

The steps follow PyTorch's own tutorials: load the data, define the network, train it, measure its
accuracy; then ``from_torch`` converts it to a pyleo program (checking the circuit against the
network's own output on the training rows), and the circuit predicts, proves and verifies one digit.
The network: Conv2d(1→4, 3×3) → BatchNorm2d → ReLU → MaxPool2d(2) → Linear(36→10). BatchNorm folds
into the convolution and the ReLU runs after the pool (on 36 values, not 144): 144 sign tests (108
for the pool's maxima, 36 ReLUs) and an argmax, 16,043 constraints, one local proof (the limit here
is 16,384). Measured: held-out accuracy 0.9644 for both, labels agreeing on 449 of 450 digits (the
other's two top logits differ by 0.0003; resolution=9 matches it too, at 32/64-bit sign tests that
no longer fit one local proof).

From the command line: save the trained network with ``torch.export.save(torch.export.export(net,
(x,)), "cnn.pt2")`` and the rows with ``np.save("X.npy", X_train)``, then ``pyleo import cnn.pt2 --data
X.npy --input-range 0,16 --input-bits 0 --resolution 8 --out cnn.py`` and ``pyleo prove cnn.py predict ...``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from stdlib_ml import from_torch

torch.manual_seed(0)
torch.set_num_threads(1)   # a network this small trains fastest on one thread

# 1. Data: 8×8 images with pixel values 0..16, as (N, C, H, W) tensors.
X, y = load_digits(return_X_y=True)
X = X.reshape(-1, 1, 8, 8).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
train_loader = DataLoader(TensorDataset(torch.tensor(X_train), torch.tensor(y_train)), batch_size=32, shuffle=True)


# 2. The network.
class DigitsCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, kernel_size=3)
        self.bn = nn.BatchNorm2d(4)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(4 * 3 * 3, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(torch.relu(self.bn(self.conv(x))))
        return self.fc(torch.flatten(x, 1))


net = DigitsCNN()

# 3. Train.
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(15):
    for images, labels in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(net(images), labels)
        loss.backward()
        optimizer.step()
net.eval()
with torch.no_grad():
    float_labels = net(torch.tensor(X_test)).argmax(dim=1).numpy()

# 4. Convert. Pixels are integers in [0, 16]: the circuit takes them exactly (input_bits=0) over that
#    range; resolution=8 keeps the weights at 10 bits, so the sign tests fit 16 and 32 bits.
zk = from_torch(net, X_train, input_range=(0, 16), input_bits=0, resolution=8, name="digits_cnn")


def main(out: Path) -> None:
    circuit = zk.predict(X_test)                           # the circuit's exact semantics (interpreter)
    print(f"float model accuracy (held-out): {np.mean(float_labels == y_test):.4f}")
    print(f"circuit accuracy (held-out):     {np.mean(circuit == y_test):.4f}")
    print(f"label agreement with float:      {np.mean(circuit == float_labels):.4f}")
    zk.save(out / "digits_cnn.py")

    # 5. Prove one digit, then verify the proof as anyone could (it reveals the class, not the image).
    proof = zk.prove(X_test[0])
    proof.save(out / "predict.proof.json")
    print(f"constraints: {proof.constraints:,}")
    print(f"proved: class {zk.decode_proof(proof)} (float model: {float_labels[0]})")
    print(f"verified: {zk.verify(proof)}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, help="folder for the model file and the proof (default: a temporary one)")
    args = ap.parse_args()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        main(args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
