"""The scikit-learn frontend's table of estimator classes: which classes convert (a subclass as its
base), by which function, under which name in messages, what ``weights="private"`` hides and which scores
``response_method=`` converts; and what is derived from it (:data:`PRIVATE`, :data:`COVERAGE`,
:data:`FAMILIES`). Imports no ML framework."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import frontends, hist_gradient_boosting
from .options import Options
from .functions import MONOTONE
from .quantize import Affine
from .render import Spec
from .sklearn_linear import gaussian_nb, glm, linear, mlp, naive_bayes, nearest_centroid, svm
from .sklearn_neighbours import kmeans, knn, knn_regressor
from .sklearn_steps import MIXING_STEPS, PREPARE_STEPS, SCALERS, is_a
from .sklearn_trees import isolation_forest, trees


@dataclass(frozen=True)
class Family:
    """Estimator classes converted alike: their scikit-learn class ``names`` (a subclass converts as its
    base), how they read as a spec, ``label`` (how messages name them), ``private`` (what
    ``weights="private"`` hides, when more than their coefficients) and ``scores`` (per class,
    or ``"*"`` for all, the scores ``response_method=`` converts, in words; the functions' ``links`` decide)."""

    names: tuple[str, ...]
    spec: Callable[[Any, Any, Affine, int, Options], Spec]
    label: str = ""
    private: str = ""
    scores: tuple[tuple[str, str], ...] = ()   # (class, or "*" for every class; its response methods besides predict)
    linear: bool = False   # linear in its inputs: steps of MIXING_STEPS in front fold into it
    normalized: bool = False   # a Normalizer in front converts (stdlib_ml.convert.normalizer)
    mixed: bool = False   # a tree model: steps of MIXING_STEPS in front are computed in the circuit (tree_spec)
    distances: bool = False   # steps of MIXING_STEPS in front fold into its (squared) distances: K-Means and KNN
    # (folded_scores), GaussianNB (its log-likelihood expanded into monomials of the raw inputs)

    def scores_of(self, name: str) -> str:
        """The scores ``response_method=`` converts for the class ``name``, in words ("" none)."""
        return dict(self.scores).get(name, dict(self.scores).get("*", ""))

    def takes(self, est: Any) -> bool:
        return is_a(est, *self.names)


TABLE: tuple[Family, ...] = (
    Family(("LinearRegression", "Ridge", "Lasso", "ElasticNet", "SGDRegressor", "LinearSVR", "QuantileRegressor",
            "HuberRegressor", "TheilSenRegressor", "ARDRegression", "BayesianRidge"),
           lambda m, e, a, n, o: linear(m, e, a, n, o, "regressor"), linear=True),
    Family(("LogisticRegression", "RidgeClassifier", "SGDClassifier", "LinearSVC", "Perceptron",
            "PassiveAggressiveClassifier", "LinearDiscriminantAnalysis"),
           lambda m, e, a, n, o: linear(m, e, a, n, o, "classifier"),
           scores=(("*", "decision_function"), ("LogisticRegression", "decision_function, predict_proba"),
                   ("LinearDiscriminantAnalysis", "decision_function, predict_proba"),
                   ("SGDClassifier", "decision_function, predict_proba (binary, loss='log_loss')")), linear=True,
           normalized=True),
    Family(("PoissonRegressor", "GammaRegressor", "TweedieRegressor"), glm,
           "PoissonRegressor, GammaRegressor, TweedieRegressor (the linear predictor proved, exp applied after)",
           linear=True),
    Family(("MultinomialNB", "ComplementNB", "BernoulliNB"), naive_bayes, scores=(("*", "predict_proba"),),
           linear=True),
    Family(("NearestCentroid",), nearest_centroid, "NearestCentroid (Euclidean)", linear=True),
    Family(("SVC", "NuSVC"), lambda m, e, a, n, o: svm(m, e, a, n, o, "classifier"),
           "SVC, NuSVC (kernel='linear' or 'poly' exactly; 'rbf' or 'sigmoid' interpolated, with a proved bound on "
           "each decision that the fidelity check reports)",
           scores=(("*", "decision_function (two classes, linear and poly kernels)"),), linear=True),
    Family(("SVR", "NuSVR"), lambda m, e, a, n, o: svm(m, e, a, n, o, "regressor"),
           "SVR, NuSVR (kernel='linear' or 'poly' exactly; 'rbf' or 'sigmoid' interpolated, with a proved bound)",
           linear=True),
    Family(("DecisionTreeClassifier", "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor",
            "ExtraTreesClassifier", "ExtraTreesRegressor", "GradientBoostingClassifier", "GradientBoostingRegressor",
            "AdaBoostClassifier"), lambda m, e, a, n, o: trees(m, e, a, n, o),
           "DecisionTreeClassifier, DecisionTreeRegressor, RandomForestClassifier, RandomForestRegressor, "
           "ExtraTreesClassifier, ExtraTreesRegressor, GradientBoostingClassifier, GradientBoostingRegressor, "
           "AdaBoostClassifier (SAMME)",
           "thresholds and leaf values private, the trees' shape public",
           tuple((c, "predict_proba") for c in ("DecisionTreeClassifier", "RandomForestClassifier",
                                                 "ExtraTreesClassifier"))
           + (("GradientBoostingClassifier", "decision_function, predict_proba"),), mixed=True),
    Family(("IsolationForest",), isolation_forest, scores=(("*", "score_samples, decision_function"),), mixed=True),
    Family(hist_gradient_boosting.NAMES, hist_gradient_boosting.spec, "",
           "thresholds and leaf values private, the trees' shape public", mixed=True),
    Family(("KMeans", "MiniBatchKMeans"), kmeans, distances=True),
    Family(("KNeighborsClassifier",), knn, "KNeighborsClassifier (uniform or distance weights: 1/distance checked "
           "in the circuit)", "training points and labels private (uniform weights)", distances=True),
    Family(("KNeighborsRegressor",), knn_regressor, "KNeighborsRegressor (uniform or distance weights: the weighted "
           "mean a checked division)", "no: public weights only (its targets would need a packing of their own)"),
    Family(("GaussianNB",), gaussian_nb, scores=(("*", "predict_proba"),), distances=True),
    Family(("MLPClassifier", "MLPRegressor"),
           lambda m, e, a, n, o: mlp(m, e, a, n, o, "regressor" if type(e).__name__.endswith("Regressor") else "classifier"),
           scores=(("MLPClassifier", "predict_proba"),), linear=True),
)
"""Every estimator class the frontend converts, and how (the first family that takes an estimator)."""

PRIVATE = ("scikit-learn: " + "; ".join((f.label or ", ".join(f.names)) + (f" ({f.private})" if f.private else "")
                                        for f in TABLE if not f.private.startswith("no")))
"""What converts with ``weights="private"``: the families of :data:`TABLE` but those marked "no: why"."""

COVERAGE = tuple(frontends.Coverage(f.label or ", ".join(f.names), f.names,
                                   "; ".join(f"{c}: {m}" if c != "*" else m for c, m in f.scores), f.private or "yes",
                                   tuple((c, f.scores_of(c)) for c in f.names if f.scores_of(c)))
                 for f in TABLE) + (
    frontends.Coverage(f"each alone or after {'/'.join(SCALERS)} in a Pipeline", SCALERS, "", "yes"),
    frontends.Coverage(f"the models linear in their inputs (and MLPs) also after {', '.join(MIXING_STEPS)} (folded "
                       "into their weights); tree models too (XGBoost, LightGBM, CatBoost included): a selection's "
                       "thresholds mapped to the raw features, other combinations computed in the circuit (one "
                       "128-bit sign test per node); K-Means and uniform KNeighborsClassifier (public weights) too, "
                       "folded into their distance scores, and GaussianNB (its log-likelihood a monomial layer)", MIXING_STEPS, "", "yes"),
    frontends.Coverage("FunctionTransformer: without a function (the identity); np.clip with fixed bounds and NumPy's "
                       f"increasing functions ({', '.join('np.' + k for k in MONOTONE)}) in front of tree models, "
                       "folded into their thresholds; np.square in front of the models with coef_ (a monomial per "
                       "feature, as PolynomialFeatures)", ("FunctionTransformer",), "", "yes"),
    frontends.Coverage("Normalizer (l2, l1, max; the norm computed in the circuit, labels only) in front of "
                       + ", ".join(n for f in TABLE if f.normalized for n in f.names), ("Normalizer",), "", "yes"),
    frontends.Coverage("PolynomialFeatures in front of the models with coef_ (linear, GLM, LDA), scalers and the steps "
                       "above around it (one coefficient per monomial)", ("PolynomialFeatures",), "", "yes"),
    frontends.Coverage(f"steps on raw columns (string or integer categories, missing values; a DataFrame's columns by "
                       f"name), made numbers by encode: {', '.join(PREPARE_STEPS)}; the binning steps anywhere in a "
                       "Pipeline or ColumnTransformer (the steps in front of them run by encode too), in front of "
                       "any final model", PREPARE_STEPS, "", "yes"))
"""This frontend's rows of the table of what is supported (:func:`stdlib_ml.convert.frontends.coverage`)."""

FAMILIES = ", ".join(row.what for row in COVERAGE)
"""What this frontend converts, in words (derived from :data:`COVERAGE`, as ``SUPPORTED`` is)."""


def normalized_names() -> list[str]:
    """The estimators a Normalizer converts in front of (labels only)."""
    return [name for f in TABLE if f.normalized for name in f.names]


def linear_names() -> list[str]:
    return [name for f in TABLE if f.linear for name in f.names]


def distance_names() -> list[str]:
    """The distance models whose scores fold the steps mixing features in front."""
    return [name for f in TABLE if f.distances for name in f.names]


def mixed_names() -> list[str]:
    """The tree models that take steps mixing features in front (each combination computed in the circuit)."""
    return [name for f in TABLE if f.mixed for name in f.names]

