"""The benchmark's models: fitted the same way in every script, so every stack sees the same weights.

Each entry fits a scikit-learn model on a data set that ships with scikit-learn (30% held out,
stratified, ``random_state=0``) and returns a :class:`Fitted`. pyleo converts it with
:func:`stdlib_ml.from_sklearn`; the EZKL runner exports the same weights to ONNX; the hand-written
Aleo baselines were written for the same fitted models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .fidelity import load_dataset


@dataclass
class Fitted:
    """A fitted float model and its data."""

    name: str
    dataset: str
    model: Any
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    family: str  # "mlp", "linear", "tree", "forest", "kmeans", "knn", "cnn"


def iris_mlp(hidden: int = 16) -> Fitted:
    """MLP 4→hidden→3 with ReLU on iris."""
    from sklearn.neural_network import MLPClassifier

    Xtr, Xte, ytr, yte = load_dataset("iris")
    m = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=3000, random_state=0).fit(Xtr, ytr)
    return Fitted(f"iris MLP 4→{hidden}→3", "iris", m, Xtr, Xte, ytr, yte, "mlp")


def digits_mlp(hidden: int = 32) -> Fitted:
    """MLP 64→hidden→10 with ReLU on scikit-learn's 8×8 digits (pixels 0–16): issue 12's MLP."""
    from sklearn.neural_network import MLPClassifier

    Xtr, Xte, ytr, yte = load_dataset("digits")
    m = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=1000, random_state=0).fit(Xtr, ytr)
    return Fitted(f"digits MLP 64→{hidden}→10", "digits", m, Xtr, Xte, ytr, yte, "mlp")


def breast_cancer_logreg() -> Fitted:
    """Logistic regression (standardized inputs) on breast_cancer: 30 features, 2 classes."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    Xtr, Xte, ytr, yte = load_dataset("breast_cancer")
    m = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(Xtr, ytr)
    return Fitted("breast_cancer logistic regression", "breast_cancer", m, Xtr, Xte, ytr, yte, "linear")


def wine_tree(depth: int = 4) -> Fitted:
    """Decision tree of depth ``depth`` on wine: 13 features, 3 classes."""
    from sklearn.tree import DecisionTreeClassifier

    Xtr, Xte, ytr, yte = load_dataset("wine")
    m = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(Xtr, ytr)
    return Fitted(f"wine decision tree depth {depth}", "wine", m, Xtr, Xte, ytr, yte, "tree")


def wine_forest(trees: int = 4, depth: int = 3) -> Fitted:
    """Random forest on wine."""
    from sklearn.ensemble import RandomForestClassifier

    Xtr, Xte, ytr, yte = load_dataset("wine")
    m = RandomForestClassifier(n_estimators=trees, max_depth=depth, random_state=0).fit(Xtr, ytr)
    return Fitted(f"wine random forest {trees}×depth {depth}", "wine", m, Xtr, Xte, ytr, yte, "forest")


def iris_kmeans(k: int = 3) -> Fitted:
    """K-Means with k clusters on iris (the labels are not used to fit)."""
    from sklearn.cluster import KMeans

    Xtr, Xte, ytr, yte = load_dataset("iris")
    m = KMeans(n_clusters=k, n_init=10, random_state=0).fit(Xtr)
    return Fitted(f"iris K-Means k={k}", "iris", m, Xtr, Xte, ytr, yte, "kmeans")


def iris_knn(points: int = 12, k: int = 3) -> Fitted:
    """k-nearest neighbours on iris, fitted on a stratified sample of ``points`` training points."""
    from sklearn.model_selection import train_test_split
    from sklearn.neighbors import KNeighborsClassifier

    Xtr, Xte, ytr, yte = load_dataset("iris")
    if points < len(Xtr):
        Xs, _, ys, _ = train_test_split(Xtr, ytr, train_size=points, random_state=0, stratify=ytr if points >= 3 else None)
    else:
        Xs, ys = Xtr, ytr
    m = KNeighborsClassifier(n_neighbors=min(k, points)).fit(Xs, ys)
    return Fitted(f"iris KNN k={min(k, points)}, {points} points", "iris", m, Xs, Xte, ys, yte, "knn")


def digits_cnn(channels: int = 4, epochs: int = 15) -> Fitted:
    """PyTorch CNN on the 8×8 digits, as examples/torch_digits.py: Conv2d(1→channels, 3×3) → BatchNorm2d → ReLU →
    MaxPool2d(2) → Linear(channels·9 → 10), trained with Adam (seed 0, one thread); rows shaped (n, 1, 8, 8)."""
    import torch
    from torch import nn

    Xtr, Xte, ytr, yte = load_dataset("digits")
    Xtr, Xte = (a.reshape(-1, 1, 8, 8).astype(np.float32) for a in (Xtr, Xte))
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # a network this small trains fastest on one thread
    net = nn.Sequential(nn.Conv2d(1, channels, 3), nn.BatchNorm2d(channels), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(channels * 9, 10))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    X, y = torch.tensor(Xtr), torch.tensor(ytr)
    for _ in range(epochs):
        for batch in torch.randperm(len(X)).split(32):
            opt.zero_grad()
            nn.functional.cross_entropy(net(X[batch]), y[batch]).backward()
            opt.step()
    torch.set_num_threads(threads)
    return Fitted(f"digits CNN {channels}×3×3", "digits", net.eval(), Xtr, Xte, ytr, yte, "cnn")


MODELS: dict[str, Callable[[], Fitted]] = {
    "iris_mlp16": iris_mlp,
    "breast_cancer_logreg": breast_cancer_logreg,
    "wine_tree4": wine_tree,
    "wine_forest": wine_forest,
    "iris_kmeans": iris_kmeans,
    "iris_knn": iris_knn,
}
"""The models of the main table, by key (the widest provable iris MLP is added by the runner)."""
