"""The scikit-learn frontend's families linear in their inputs (or nearly): linear regressors and
classifiers, GLMs (Poisson, Gamma, Tweedie), naive Bayes (multinomial, complement, Bernoulli; Gaussian:
a quadratic form), NearestCentroid, SVMs (linear and poly kernels) and MLPs. Each reads a fitted
estimator (and the scalers in front, composed) into a :class:`~stdlib_ml.convert.render.Spec`. Imports
no ML framework."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import polynomial
from .linear import linear_spec
from .model import ConversionError
from .nn import Network, network_spec
from .normalizer import Normalized, normalized_classifier
from .options import Options
from .quantize import (MLP_RESOLUTION, Affine, LinearMap, ceil_log2, class_labels, dense_bound, feature_range,
                       input_bits_for, input_bound, new_spec, pow2, qint, score_head, sign_width)
from .render import Spec
from .sklearn_neighbours import points_range
from .sklearn_steps import is_a, scaler_range
from .svm import kernel_svc_spec, kernel_svr_spec
from .tree_ensembles import RawTree, leaf_bits, tree_spec


# ---- linear models ------------------------------------------------------------------------------
def linear(model: Any, est: Any, aff: Affine, n: int, opts: Options, kind: str) -> Spec:
    W = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
    b = np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64)) * np.ones(W.shape[0])
    if hasattr(est.coef_, "toarray"):
        W = np.atleast_2d(est.coef_.toarray())
    classes = class_labels(est) if kind == "classifier" else None
    ovo = is_a(est, "SVC", "NuSVC") and classes is not None and len(classes) > 2
    if isinstance(aff, Normalized):
        if classes is None or ovo:
            raise ConversionError(f"Normalizer in front of {type(est).__name__} is not supported (its value or "
                                  "one-vs-one votes would need the division by the norm)")
        return normalized_classifier(est, W, b, aff, n, opts, classes, scaler_range(model, n))
    return linear_spec(est, W, b, aff, n, opts, kind, classes, scaler_range(model, n), ovo, links=linear_links(est))


def linear_links(est: Any) -> dict[str, str]:
    """The scores a linear classifier defines on W·z + b (scikit-learn's methods → link): every one its
    ``decision_function``; LogisticRegression and LinearDiscriminantAnalysis (and SGDClassifier with
    log loss) ``predict_proba`` too (σ of one logit; softmax over classes, or one-vs-rest sigmoids)."""
    if not hasattr(est, "decision_function") or not hasattr(est, "classes_"):
        return {}
    links = {"decision_function": "identity"}
    binary = len(est.classes_) == 2
    name = type(est).__name__
    if name in ("LogisticRegression", "LinearDiscriminantAnalysis") or (
            name == "SGDClassifier" and getattr(est, "loss", "") == "log_loss" and binary):
        ovr = getattr(est, "multi_class", "auto") == "ovr" or name == "SGDClassifier"
        links["predict_proba"] = "sigmoid" if binary else "ovr" if ovr else "softmax"
    return links


def naive_bayes(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    """Multinomial, complement and Bernoulli naive Bayes: their joint log-likelihood is linear in the
    features (``X @ feature_log_prob_.T`` + the class log-prior; Bernoulli:
    ``x·(log p − log(1 − p))`` + Σ log(1 − p)), argmax'd; with ``binarize=t`` Bernoulli's features
    are ``x > t``: a forest of one stump per feature (exact comparisons, :func:`bernoulli_stumps`)."""
    flp = np.asarray(est.feature_log_prob_, dtype=np.float64)
    prior = np.asarray(est.class_log_prior_, dtype=np.float64)
    name = type(est).__name__
    if name == "BernoulliNB":
        neg = np.log1p(-np.exp(flp))
        if est.binarize is not None:
            return bernoulli_stumps(model, est, aff, n, opts, flp, neg, prior)
        W, b = flp - neg, prior + neg.sum(axis=1)
    else:
        W = flp
        b = prior if name != "ComplementNB" or len(est.classes_) == 1 else np.zeros(len(flp))
    return linear_spec(est, W, b, aff, n, opts, "classifier", class_labels(est), scaler_range(model, n),
                       links={"predict_proba": "softmax"})


def bernoulli_stumps(model: Any, est: Any, aff: Affine | LinearMap, n: int, opts: Options, flp: np.ndarray,
                     neg: np.ndarray, prior: np.ndarray) -> Spec:
    """BernoulliNB(binarize=t): feature j adds log p_jk when x_j > t, else log(1 − p_jk): a stump per
    feature (left when x_j <= t), summed with the log-prior, argmax'd (behind a :class:`LinearMap`, the
    stumps test its outputs, :func:`~stdlib_ml.convert.tree_ensembles.tree_spec`)."""
    K = len(prior)
    raws = []
    for j in range(flp.shape[1]):
        value = np.vstack([np.zeros(K), neg[:, j], flp[:, j]])
        t = float(est.binarize) if isinstance(aff, LinearMap) else (float(est.binarize) - aff.e[j]) / aff.d[j]
        thr = np.asarray([t, np.nan, np.nan])   # float64, x <= t: left
        raws.append(RawTree(np.asarray([j, 0, 0]), thr, np.asarray([1, -1, -1]), np.asarray([2, -1, -1]), value,
                            strict=False).compact())
    total = float(np.sum(np.max(np.abs(np.vstack([flp, neg])), axis=0))) + float(np.max(np.abs(prior)))
    spec = tree_spec(model, est, aff, n, opts, "classifier", raws, "argmax", prior, leaf_bits(total),
                     f"BernoulliNB (binarize={est.binarize}, {K} classes, {n} features), converted to pyleo: one stump "
                     "per feature, the joint log-likelihood's terms as leaves.", class_labels(est),
                     links={"predict_proba": "softmax"})
    spec.float32 = False   # binarize compares the float64 value (trees compare float32 copies)
    return spec


def nearest_centroid(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    """NearestCentroid (Euclidean): scikit-learn's discriminant −‖(x − c_k)/s‖² + 2·log prior_k
    (s: the within-class deviations with non-uniform priors, else 1, and no prior term) is linear in x
    once the common −‖x/s‖² is dropped: 2·(c_k/s²)·x − ‖c_k/s‖² (+ 2·log prior_k); argmax."""
    if est.metric != "euclidean":
        raise ConversionError(f"NearestCentroid(metric={est.metric!r}) is not supported; use metric='euclidean'")
    C = np.asarray(est.centroids_, dtype=np.float64)
    s, extra = np.ones(n), np.zeros(len(C))
    if not np.isclose(est.class_prior_, 1 / len(est.classes_)).all():
        s = np.where(est.within_class_std_dev_ != 0, est.within_class_std_dev_, 1.0)
        extra = 2 * np.log(np.asarray(est.class_prior_, dtype=np.float64))
    return linear_spec(est, 2 * C / s**2, -np.sum((C / s) ** 2, axis=1) + extra, aff, n, opts, "classifier",
                       class_labels(est), points_range(C, aff) if isinstance(aff, Affine) else None)


def glm(model: Any, est: Any, aff: Affine, n: int, opts: Options) -> Spec:
    """Poisson, Gamma and Tweedie regressors: the circuit outputs the linear predictor η = w·x + b
    exactly (its link is monotone, so any threshold on the prediction is one on η); the prediction
    exp(η) (log link) is applied by :meth:`ZkModel.decode` in floating point (LINK = 'exp')."""
    link = type(est._base_loss.link).__name__
    if link not in ("LogLink", "IdentityLink"):
        raise ConversionError(f"{type(est).__name__} with a {link} is not supported (log or identity links only)")
    W = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
    spec = linear_spec(est, W, np.atleast_1d(float(est.intercept_)), aff, n, opts, "regressor", None,
                       scaler_range(model, n), link="exp" if link == "LogLink" else "identity")
    if link == "LogLink":
        spec.notes.append("Log link: the circuit outputs the linear predictor η·OUT_SCALE (exact); the prediction is "
                          "exp(η), applied by ZkModel.decode after the circuit (LINK = 'exp').")
    return spec


def gaussian_nb(model: Any, est: Any, aff: Affine | LinearMap, n: int, opts: Options) -> Spec:
    theta = np.asarray(est.theta_, dtype=np.float64)
    var = np.asarray(est.var_, dtype=np.float64)
    prior = np.log(np.asarray(est.class_prior_, dtype=np.float64))
    a = -0.5 / var
    bz = theta / var
    c = prior - 0.5 * np.sum(np.log(2 * np.pi * var), axis=1) - 0.5 * np.sum(theta**2 / var, axis=1)
    if isinstance(aff, LinearMap):   # Σ_j a_j·z_j² + b_j·z_j + c with z_j = M_j·x + c_j: a quadratic in x
        total: dict[tuple[int, ...], np.ndarray] = {(): c.copy()}
        for j, form in enumerate(zip(aff.M, aff.c)):
            for power, w in ((2, a[:, j]), (1, bz[:, j])):
                for mono, coef in polynomial.expand([form], np.asarray([power])).items():
                    total[mono] = total.get(mono, np.zeros(len(c))) + w * float(coef)
        return polynomial.monomial_spec(est, total, n, opts, f"GaussianNB ({len(c)} classes) behind steps mixing "
                                        "features", "The joint log-likelihood Σ_j a_j·z_j² + b_j·z_j + c, with the steps' "
                                        "z = M·x + c, expanded in float64 into one coefficient per monomial of the raw "
                                        "inputs (Q); the circuit computes the monomials and one dense layer.",
                                        class_labels(est), {"predict_proba": "softmax"})
    d, e = aff.d, aff.e  # z = d·x + e
    A = a * d**2
    Bx = 2 * a * d * e + bz * d
    C = c + np.sum(a * e**2 + bz * e, axis=1)
    std = np.sqrt(var)
    k = max(100.0, math.sqrt(max(float(np.max(est.class_count_)) - 1.0, 0.0)))   # holds every fitted row (Samuelson)
    zlo, zhi = (theta - k * std).min(axis=0), (theta + k * std).max(axis=0)
    low, high, unit = feature_range(opts, n, (aff.to_raw(zlo), aff.to_raw(zhi)))
    ib = input_bits_for(opts, unit, low, high, 14)
    classes = class_labels(est)
    spec = new_spec(est, opts, n, "classifier", low, high, ib,
                 f"GaussianNB ({len(classes)} classes, {n} features), converted to pyleo: argmax of the joint "
                 "log-likelihood.")
    spec.classes = classes
    spec.imports |= {"models", "reduce"}
    spec.notes.append("log P(x, k) = Σ_j A[k][j]·x_j² + Σ_j B[k][j]·x_j + C[k] (the Gaussian's square expanded; "
                      "one constraint per feature for x_j², the rest is free field arithmetic).")
    inb = input_bound(low, high, ib)
    sq = np.asarray([int(m) * int(m) for m in inb], dtype=object)
    ab = int(np.clip(60 - ceil_log2(float(np.max(np.abs(A)))), 0, 100))
    while True:
        T = ab + 2 * int(np.max(ib))   # the scores' scale
        Aq, Bq, Cq = qint(A, T - 2 * ib[None, :]), qint(Bx, T - ib[None, :]), qint(C, T)
        bound = int(max(dense_bound(np.concatenate([Aq, Bq], axis=1), Cq, np.concatenate([sq, inb]))))
        if bound < 2**125 or ab == 0:
            break
        ab -= 2
    spec.param("A", Aq, f"−1/(2σ²), column j at 2**({T} − 2·IN_BITS[j])")
    spec.param("B", Bq, f"μ/σ², column j at 2**({T} − IN_BITS[j])")
    spec.param("C", Cq, f"log prior − Σ log(σ√(2π)) − Σ μ²/(2σ²), at 2**{T}")
    spec.body.append("scores = linalg.add(linalg.matvec(A, models.squares(xf)), linalg.dense(B, xf, C))")
    if not score_head(spec, opts, "scores", len(classes), bound, 2**T, {"predict_proba": "softmax"}, "GaussianNB"):
        spec.use(f"argmax = reduce.argmax({sign_width(2 * bound + 1)})", f"|log-likelihood| <= {pow2(bound)}")
        spec.body.append("return argmax(scores)")
    return spec

def svm(model: Any, est: Any, aff: Affine, n: int, opts: Options, kind: str) -> Spec:
    """SVC / NuSVC (``kind="classifier"``) and SVR / NuSVR: a linear kernel as a linear model, a poly
    kernel exactly and rbf / sigmoid kernels approximated with a proved bound, by :mod:`~stdlib_ml.convert.svm`."""
    name = type(est).__name__
    if getattr(est, "break_ties", False):
        raise ConversionError(f"{name}(break_ties=True) is not supported")
    if est.kernel == "linear":
        return linear(model, est, aff, n, opts, kind)
    if callable(est.kernel) or est.kernel == "precomputed":
        raise ConversionError(f"{name} with a {'callable' if callable(est.kernel) else 'precomputed'} kernel is not "
                              "supported (linear, poly, rbf and sigmoid kernels convert)")
    sv, dual = np.asarray(est.support_vectors_, dtype=np.float64), np.asarray(est.dual_coef_)
    kernel = (est.kernel, float(est._gamma), float(est.coef0), int(est.degree), aff, n, opts)
    if kind == "regressor":
        return kernel_svr_spec(est, sv, dual, float(np.ravel(est.intercept_)[0]), *kernel, scaler_range(model, n))
    return kernel_svc_spec(est, sv, dual, np.asarray(est.intercept_), np.asarray(est.n_support_), *kernel,
                           class_labels(est), scaler_range(model, n))


# ---- MLP ----------------------------------------------------------------------------------------
SCORE_RESOLUTION = 16
"""An MLP whose probabilities (or a threshold on them) are the output is quantized finer than a label needs
(bits per input spread and weight): at 12 its probabilities were off by up to 1.5e-3 on held-out rows
(breast_cancer), at 16 by 4.9e-5."""


def mlp(model: Any, est: Any, aff: Affine, n: int, opts: Options, kind: str) -> Spec:
    """An MLP as a :class:`~stdlib_ml.convert.nn.Network` (the scalers an elementwise affine layer in
    front), quantized and rendered by :func:`~stdlib_ml.convert.nn.network_spec`."""
    if est.activation not in ("relu", "identity"):
        raise ConversionError(f"{type(est).__name__}(activation={est.activation!r}) is not supported: hidden layers "
                              "must use 'relu' or 'identity' (a circuit computes ReLU exactly; tanh and logistic "
                              "would need approximations)")
    out_act = est.out_activation_
    if kind == "classifier" and out_act == "logistic" and est.n_outputs_ > 1:
        raise ConversionError("multi-label MLPClassifier is not supported")
    if kind == "regressor" and est.n_outputs_ != 1:
        raise ConversionError("multi-output MLPRegressor is not supported")
    net = Network(n)
    h = (net.dense(net.input, aff.M, aff.c, where="the pipeline's steps") if isinstance(aff, LinearMap) else
         net.input if aff.identity else net.scale_shift(net.input, aff.d, aff.e, where="the scalers"))
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_), 1):
        h = net.dense(h, np.asarray(W, dtype=np.float64).T, np.asarray(b, dtype=np.float64), where=f"layer {i}")
        if i < len(est.coefs_):
            h = net.activation(h, est.activation, where=f"layer {i}")
    if kind == "regressor":
        net.output(h, "regression")
    else:
        net.output(h, "argmax" if h.size > 1 else "threshold", classes=class_labels(est))
    low, high, unit = feature_range(opts, n, scaler_range(model, n))
    sizes = "→".join([str(n), *(str(np.shape(w)[1]) for w in est.coefs_)])
    links = {} if kind == "regressor" else {"predict_proba": "softmax" if h.size > 1 else "sigmoid"}
    scores = opts.response != "predict" or opts.threshold is not None
    return network_spec(net, opts, low, high, unit, source=est, links=links,
                        resolution=SCORE_RESOLUTION if scores else MLP_RESOLUTION,
                        title=f"{type(est).__name__} {sizes} ({est.activation} hidden layers, {out_act} output), "
                        "converted to pyleo.")

