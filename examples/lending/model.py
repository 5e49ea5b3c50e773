"""The credit model the lender imports: a scikit-learn logistic regression, converted to the Aleo program
``lending_credit_model.aleo`` (its entry point ``predict``).

The applicants are those of ``examples/credit.py``: 4 features in 0–255 bands (income, years employed, on-time
payments, low debt). Their past decisions come from a points scorecard like that example's (points per band,
approved from a threshold) with 5% of the decisions flipped (exceptions the scorecard did not explain); the
tree is fitted on 1,500 of them and scored on 500 held out.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression

from stdlib_ml import from_sklearn

POINTS = np.array([90, 40, 120, 70])
"""Points per feature band of the scorecard that made the past decisions."""
THRESHOLD = 40_000
"""Score from which the scorecard approved (about half of the applicants)."""
FLIPPED = 0.05
"""Share of past decisions that went against the scorecard."""

rng = np.random.default_rng(7)
X = rng.integers(0, 256, size=(2000, 4)).astype(np.float64)
y = (X @ POINTS >= THRESHOLD).astype(np.int64)
flip = rng.random(len(y)) < FLIPPED
y[flip] = 1 - y[flip]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=500, random_state=0, stratify=y)

clf = LogisticRegression(max_iter=1000).fit(X_train, y_train)
zk = from_sklearn(clf, name="lending_credit_model")
"""The converted model; ``zk.program`` is the ``pl.Program`` the lender imports."""

APPROVED = int(np.flatnonzero(zk.classes_ == 1)[0])
"""The index ``predict`` returns for an approval (the position of class 1 among the model's classes)."""
