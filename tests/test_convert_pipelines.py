"""Whole pipelines (issue 24, point 3), each against the pipeline's own ``predict`` (``predict_proba``) on
held-out rows of data of our own: steps that mix or select features (PCA, TruncatedSVD, SelectKBest,
VarianceThreshold) folded into the models linear in their inputs, and first steps on raw columns
(ColumnTransformer with OneHotEncoder / OrdinalEncoder on string or integer categories, SimpleImputer,
scalers) made the model file's PREPARE, with a DataFrame's columns kept by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from stdlib_ml import ConversionError, ModelInputError, from_sklearn, load
from stdlib_ml.convert import prepare

from .test_convert_families import tabular_data


def _people(n: int = 400, seed: int = 0) -> tuple[Any, np.ndarray]:
    """A DataFrame with a string category, an integer category, a numeric column with 10% missing values and
    one without; labels that depend on all four."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"age": rng.normal(40, 10, n), "color": rng.choice(["red", "green", "blue"], n),
                       "size": rng.integers(1, 4, n), "income": rng.lognormal(10, 0.5, n)})
    df.loc[rng.random(n) < 0.1, "income"] = np.nan
    score = ((df.color == "green") * 1.5 + (df.age - 40) / 10 + np.nan_to_num(np.log(df.income) - 10)
             + (df["size"] == 2) + rng.normal(0, 0.5, n))
    return df, (score > np.median(score)).astype(int).to_numpy()


def _column_transformer(drop: str | None = None, unknown: str = "ignore") -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    return ColumnTransformer([("cat", OneHotEncoder(handle_unknown=unknown, drop=drop), ["color"]),
                              ("ord", OrdinalEncoder(), ["size"]),
                              ("num", make_pipeline(SimpleImputer(), StandardScaler()), ["age", "income"])])


@pytest.mark.parametrize("final", ["logistic", "forest"])
def test_column_transformer_with_categories_and_missing_values(final: str) -> None:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    df, y = _people()
    est = LogisticRegression() if final == "logistic" else RandomForestClassifier(5, max_depth=4, random_state=0)
    pipe = make_pipeline(_column_transformer(), est).fit(df[:300], y[:300])
    zk = from_sklearn(pipe, df[:300])
    held = df[300:]
    assert held["income"].isna().any()
    assert np.array_equal(zk.predict(held), pipe.predict(held))
    # columns by name, in any order; an unknown category is all zeros (handle_unknown="ignore")
    assert np.array_equal(zk.predict(held[["income", "size", "color", "age"]]), pipe.predict(held))
    odd = held.iloc[:3].copy()
    odd["color"] = "purple"
    assert np.array_equal(zk.predict(odd), pipe.predict(odd))
    assert "PREPARE = [" in zk.source and "FEATURE_NAMES = ['age', 'color', 'size', 'income']" in zk.source


def test_prepared_model_file_round_trips_and_refuses_what_it_does_not_know(tmp_path: Any) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    df, y = _people(seed=1)
    pipe = make_pipeline(_column_transformer(drop="first", unknown="error"), LogisticRegression()).fit(df, y)
    zk = from_sklearn(pipe, df, response_method="predict_proba")
    assert np.max(np.abs(zk.predict(df) - pipe.predict_proba(df))) <= 1e-3
    again = load(zk.save(tmp_path / "people.py"))
    assert np.array_equal(again.predict(df[:20]), zk.predict(df[:20]))
    odd = df.iloc[:1].copy()
    odd["color"] = "purple"
    with pytest.raises(ModelInputError, match="'purple', a category the model does not know"):
        zk.predict(odd)
    with pytest.raises(ModelInputError, match="no column 'size'"):
        zk.predict(df.drop(columns=["size"]))
    with pytest.raises(ModelInputError, match="takes a number there"):
        zk.predict(df.assign(age="old")[:1])


@pytest.mark.parametrize("encoder", ["onehot", "ordinal"])
def test_a_missing_value_is_a_category_of_the_encoder(encoder: str, tmp_path: Any) -> None:
    """An encoder fitted on a column with missing values has NaN among its categories (scikit-learn's own
    reading): the model file writes it (a bare ``nan`` failed to import) and encode matches a missing value
    (None or any NaN, which ``==`` never equals) to it, as the pipeline's predict does (OrdinalEncoder: its
    ``encoded_missing_value``; the default, NaN, is a missing value for the estimator, refused here)."""
    import pandas as pd
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame({"c": rng.choice(np.array(["a", "b", None], dtype=object), n),
                       "k": rng.choice([1.0, 2.0, np.nan], n), "x": rng.normal(size=n)})
    y = (df.c.isna().to_numpy() | (df.k.isna().to_numpy() ^ (df.x > 0).to_numpy())).astype(int)
    enc = (OneHotEncoder(handle_unknown="ignore") if encoder == "onehot"
           else OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2))
    pipe = make_pipeline(make_column_transformer((enc, ["c", "k"]), remainder="passthrough"),
                         DecisionTreeClassifier(max_depth=4, random_state=0)).fit(df, y)
    assert any(pd.isna(c).any() for c in pipe[0].transformers_[0][1].categories_)
    zk = load(from_sklearn(pipe, df).save(tmp_path / "m.py"))
    odd = pd.DataFrame({"c": [None, float("nan"), "a", "b"], "k": [float("nan"), np.nan, 1.0, float("nan")],
                        "x": [0.5, -0.5, -0.5, 0.5]})
    assert zk.fidelity["agreement"] == 1.0
    assert np.array_equal(zk.predict(odd), pipe.predict(odd))
    assert np.array_equal(zk.predict(df), pipe.predict(df))
    assert zk.predict(df[:0]).shape == (0,)
    if encoder == "ordinal":
        pipe[0].transformers_[0][1].encoded_missing_value = np.nan
        with pytest.raises(ConversionError, match="missing"):
            from_sklearn(pipe, df)


def test_a_model_file_edited_by_hand_is_refused_when_loaded(tmp_path: Any) -> None:
    """A model file whose PREPARE, DOMAIN or SAMPLE_SHAPE was edited into something encode cannot read (another kind
    of entry, a column past the table, edges that are not numbers, a DOMAIN of another length) failed on the first
    sample with an internal error (KeyError, IndexError, TypeError); load refuses it naming the file and the entry.
    Every PREPARE the converters write is accepted (the tests above load them)."""
    import re

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, KBinsDiscretizer
    from sklearn.tree import DecisionTreeClassifier

    d = tabular_data(7)
    X, y = np.abs(d["X"]) + 0.1, d["y3"]
    binned = from_sklearn(make_pipeline(KBinsDiscretizer(4, encode="ordinal"), DecisionTreeClassifier(max_depth=3)).fit(X, y), X)
    logged = from_sklearn(make_pipeline(FunctionTransformer(np.log), DecisionTreeClassifier(max_depth=3)).fit(X, y), X)
    src, src2 = binned.source, logged.source
    assert "PREPARE = [" in src and "DOMAIN = [" in src2
    edits = {"PREPARE entry 0": src.replace("['bins', 0,", "['binz', 0,", 1),
             "column 9": src.replace("['bins', 0,", "['bins', 9,", 1),
             "PREPARE entry 1": src.replace("['bins', 1, [", "['bins', 1, ['a', ", 1),
             "PREPARE must be a list": re.sub(r"PREPARE = \[.*?\]  #", "PREPARE = 5  #", src, flags=re.S),
             "['function', 'sin'] is not an op": src.replace("PREPARE = [", "PREPARE = [['then', [['function', 'sin']]], ", 1),
             "DOMAIN must give": re.sub(r"DOMAIN = \[.*?\]  # per", "DOMAIN = [[0.0]]  # per", src2, flags=re.S),
             "SAMPLE_SHAPE must be": src.replace("PREPARE = [", "SAMPLE_SHAPE = 'ab'\nPREPARE = [", 1)}
    for i, (said, text) in enumerate(edits.items()):
        assert text not in (src, src2), said
        path = tmp_path / f"edited{i}.py"
        path.write_text(text)
        with pytest.raises(ModelInputError, match=re.escape(said)):
            load(path)
    for zk in (binned, logged):   # the honest files load and predict as converted
        assert np.array_equal(load(zk.save(tmp_path / f"{zk.name}.py")).predict(X[:50]), zk.predict(X[:50]))


def test_simple_imputer_first_on_a_numeric_table() -> None:
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    df, _ = _people(seed=2)
    X, t = df[["age", "income"]], df["age"] * 0.3 + np.nan_to_num(df["income"]) * 1e-4
    pipe = make_pipeline(SimpleImputer(strategy="median"), Ridge()).fit(X[:300], t[:300])
    zk = from_sklearn(pipe, X[:300])
    got, want = zk.predict(X[300:]), pipe.predict(X[300:])
    assert np.max(np.abs(got - want)) <= 1e-5 * np.ptp(want)


def test_pipeline_steps_that_mix_features_fold_into_linear_models() -> None:
    """PCA, TruncatedSVD, SelectKBest and VarianceThreshold (with scalers around them) in front of linear
    models, an MLP and a poly SVC, against the pipeline's own predict / predict_proba (trees behind them:
    tests/test_convert_tree_steps.py)."""
    from sklearn.decomposition import PCA, TruncatedSVD
    from sklearn.feature_selection import SelectKBest, VarianceThreshold, f_classif
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    d = tabular_data(6)
    X, Xt, y = d["X"][:200], d["X"][200:], d["y3"][:200]
    pipes = [make_pipeline(StandardScaler(), PCA(3, whiten=True), StandardScaler(), LogisticRegression()),
             make_pipeline(VarianceThreshold(0.05), SelectKBest(f_classif, k=3), StandardScaler(),
                           LogisticRegression()),
             make_pipeline(StandardScaler(), PCA(3), MLPClassifier((6,), max_iter=3000, random_state=0))]
    for pipe in pipes:
        pipe.fit(X, y)
        assert np.array_equal(from_sklearn(pipe, X).predict(Xt), pipe.predict(Xt)), pipe.steps
    pipe = make_pipeline(StandardScaler(), PCA(3), LogisticRegression()).fit(X, y)
    zk = from_sklearn(pipe, X, response_method="predict_proba")
    assert np.max(np.abs(zk.predict(Xt) - pipe.predict_proba(Xt))) <= 1e-3
    reg = make_pipeline(TruncatedSVD(2), Ridge()).fit(X, d["yr"][:200])
    got, want = from_sklearn(reg, X).predict(Xt), reg.predict(Xt)
    assert np.max(np.abs(got - want)) <= 1e-5 * np.ptp(want)


@pytest.mark.parametrize("step", ["kbins-ordinal", "kbins-onehot", "kbins-float32", "binarizer"])
def test_binning_and_binarizing_first_steps(step: str) -> None:
    """KBinsDiscretizer and Binarizer made numbers by encode (bins by the library's rule, x > t), before a
    linear model and a tree; exact at an edge and one float step past it. A KBinsDiscretizer of dtype=np.float32
    bins float32 copies of its inputs (a value at an edge may round below it): encode did it in float64, so the
    conversion disagreed with the pipeline and was refused."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Binarizer, KBinsDiscretizer
    from sklearn.tree import DecisionTreeClassifier

    d = tabular_data(7)
    X, y = d["X"], d["y3"]
    make = {"kbins-ordinal": lambda: KBinsDiscretizer(5, encode="ordinal"),
            "kbins-onehot": lambda: KBinsDiscretizer(4, encode="onehot"),
            "kbins-float32": lambda: KBinsDiscretizer(5, encode="ordinal", strategy="uniform", dtype=np.float32),
            "binarizer": lambda: Binarizer(threshold=5.0)}[step]
    for est in (LogisticRegression(max_iter=3000), DecisionTreeClassifier(max_depth=4, random_state=0)):
        pipe = make_pipeline(make(), est).fit(X[:200], y[:200])
        zk = from_sklearn(pipe, X[:200])
        edge = pipe[0].bin_edges_[0][1] if step.startswith("kbins") else 5.0
        rows = np.repeat(X[200:240], 3, axis=0)   # at the edge, one float step above and below it
        rows[::3, 0], rows[1::3, 0], rows[2::3, 0] = edge, np.nextafter(edge, np.inf), np.nextafter(edge, -np.inf)
        assert step != "kbins-float32" or np.float32(edge) != edge   # so that one of them rounds across it
        for held in (X[200:], rows):
            assert np.array_equal(zk.predict(held), pipe.predict(held)), (step, type(est).__name__)
        for v in (np.inf, -np.inf):   # the pipeline refuses infinities (ValueError); so does encode
            odd = X[200:201].copy()
            odd[0, 0] = v
            with pytest.raises(ValueError):
                pipe.predict(odd)
            with pytest.raises(ModelInputError, match="is -?inf: .*finite"):
                zk.predict(odd)


def test_one_sample_as_a_series_is_read_by_its_feature_names() -> None:
    """A DataFrame's row (``df.iloc[i]``, a Series indexed by the column names) is one sample whose values
    are taken by name, as the DataFrame's are: a Series of another column order was read position by
    position (another sample, silently)."""
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import KBinsDiscretizer
    from sklearn.tree import DecisionTreeClassifier

    d = tabular_data(7)
    names = [f"f{j}" for j in range(d["X"].shape[1])]
    df = pd.DataFrame(d["X"], columns=names)
    shuffled = df[names[::-1]]
    for model in (DecisionTreeClassifier(max_depth=4, random_state=0),
                  make_pipeline(KBinsDiscretizer(4, encode="ordinal"), LogisticRegression())):
        model.fit(df[:200], d["y3"][:200])
        zk = from_sklearn(model, df[:200])
        want = model.predict(df[200:230])
        assert np.array_equal(zk.predict(shuffled[200:230]), want)
        assert [zk.predict(shuffled.iloc[i])[0] for i in range(200, 230)] == want.tolist()
        with pytest.raises(ModelInputError, match="no column 'f0'"):
            zk.predict(shuffled.iloc[200].drop("f0"))
        # what prove encodes (encode_one) is the sample predict reads
        assert zk.encode_one(shuffled.iloc[201]) == zk.encode(df[201:202])[0] == zk.encode_one(df[201:202])


def test_prove_takes_one_raw_row_with_categories() -> None:
    """``prove`` read its sample as numbers first, so a model whose raw columns hold categories could not prove a
    row of its own DataFrame (``df.iloc[i]``, ``df[i:i+1]``, a list of raw values): it encodes the row as predict
    does (encode_one, what prove proves)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    df, y = _people(seed=3)
    pipe = make_pipeline(_column_transformer(), LogisticRegression()).fit(df, y)
    zk = from_sklearn(pipe, df)
    want = zk.encode(df[5:6])[0]
    assert zk.encode_one(df.iloc[5]) == zk.encode_one(df[5:6]) == zk.encode_one(df.iloc[5].tolist()) == want
    with pytest.raises(ModelInputError, match="one sample, got 2"):
        zk.encode_one(df[5:7])


def _poly_pipes(d: dict[str, np.ndarray]) -> list[tuple[Any, np.ndarray]]:
    from sklearn.linear_model import LogisticRegression, PoissonRegressor, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    return [(make_pipeline(PolynomialFeatures(2), StandardScaler(), LogisticRegression(max_iter=3000)), d["y3"]),
            (make_pipeline(StandardScaler(), PolynomialFeatures(2), LogisticRegression(max_iter=3000)), d["y2"]),
            (make_pipeline(StandardScaler(), PolynomialFeatures(3, interaction_only=True), Ridge()), d["yr"]),
            (make_pipeline(StandardScaler(), PolynomialFeatures(2), StandardScaler(), PoissonRegressor()), d["yr"])]


def test_polynomial_features_fold_into_monomials() -> None:
    """PolynomialFeatures with scalers before and after, in front of classifiers and regressors (a GLM
    too): one coefficient per monomial of the raw inputs; labels equal, values within 1e-5 of their range."""
    d = tabular_data(8)
    X = d["X"]
    for pipe, y in _poly_pipes(d):
        pipe.fit(X[:200], y[:200])
        got, want = from_sklearn(pipe, X[:200]).predict(X[200:]), pipe.predict(X[200:])
        if hasattr(pipe, "classes_"):
            assert np.array_equal(got, want), pipe.steps
        else:
            assert np.max(np.abs(got - want)) <= 1e-5 * np.ptp(want), pipe.steps
    with pytest.raises(ConversionError, match="PolynomialFeatures in front of KNeighborsClassifier"):
        from sklearn.neighbors import KNeighborsClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import PolynomialFeatures

        from_sklearn(make_pipeline(PolynomialFeatures(2), KNeighborsClassifier(3)).fit(X, d["y2"]), X)


@pytest.mark.prove
def test_polynomial_regressor_top_bits_on_snarkvm() -> None:
    """The 128-bit sum output as its top 64 bits (models.high_i64): snarkVM's execution (``keys=False``,
    the shared stand-in key) gives the interpreter's value."""
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    d = tabular_data(8)
    X = d["X"][:, :2]
    pipe = make_pipeline(StandardScaler(), PolynomialFeatures(2), Ridge()).fit(X[:200], d["yr"][:200])
    zk = from_sklearn(pipe, X[:200])
    for row in X[200:202]:
        (enc,) = zk.encode(row[None])
        assert zk.program.evaluate("predict", *zk.circuit_args(enc), keys=False) == zk.predict_raw(row[None])[0]


def _binning_cases() -> list[tuple[str, Any, str]]:
    """(data set, pipeline, what it shows): binning steps after scalers, PCA and a FunctionTransformer, inside a
    ColumnTransformer (alone and in a Pipeline behind a scaler), in front of linear, tree, KNN and naive Bayes
    models; every KBinsDiscretizer strategy, ordinal and one-hot, and a Binarizer's threshold."""
    from sklearn.compose import ColumnTransformer
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.naive_bayes import BernoulliNB, GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Binarizer, FunctionTransformer, KBinsDiscretizer, MinMaxScaler, StandardScaler
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    def kb(n: int, encode: str, strategy: str) -> Any:
        return KBinsDiscretizer(n, encode=encode, strategy=strategy, subsample=None)

    return [
        ("wine", make_pipeline(StandardScaler(), kb(4, "ordinal", "quantile"), LogisticRegression(max_iter=3000)),
         "scaler, ordinal quantile bins, linear"),
        ("wine", make_pipeline(StandardScaler(), PCA(4), kb(5, "onehot", "uniform"),
                               DecisionTreeClassifier(max_depth=4, random_state=0)), "PCA, one-hot uniform bins, tree"),
        ("wine", make_pipeline(StandardScaler(), ColumnTransformer([("b", kb(3, "ordinal", "kmeans"), [0, 1, 2]),
                                                                     ("p", "passthrough", [3, 4, 5, 6])]),
                               KNeighborsClassifier(3)), "kmeans bins inside a ColumnTransformer after a scaler, KNN"),
        ("breast_cancer", make_pipeline(StandardScaler(), Binarizer(threshold=0.3), BernoulliNB()),
         "scaler, Binarizer, Bernoulli NB"),
        ("breast_cancer", make_pipeline(FunctionTransformer(np.log1p), kb(4, "onehot", "quantile"),
                                        LogisticRegression(max_iter=3000)), "log1p, one-hot bins, linear"),
        ("breast_cancer", make_pipeline(ColumnTransformer([("b", make_pipeline(MinMaxScaler(), kb(3, "onehot", "uniform")),
                                                            [0, 1]), ("s", StandardScaler(), [2, 3, 4])]),
                                        GaussianNB()), "a ColumnTransformer's Pipeline of a scaler and bins, GaussianNB"),
        ("diabetes", make_pipeline(StandardScaler(), PCA(5), kb(4, "ordinal", "kmeans"), Ridge()),
         "PCA, kmeans bins, ridge"),
        ("diabetes", make_pipeline(StandardScaler(), kb(6, "ordinal", "uniform"), StandardScaler(),
                                   DecisionTreeRegressor(max_depth=5, random_state=0)), "bins then a scaler, tree"),
        ("diabetes", make_pipeline(MinMaxScaler(), Binarizer(threshold=0.4), DecisionTreeRegressor(max_depth=4, random_state=0)),
         "scaler, Binarizer, tree regressor"),
    ]


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c in (2, 3, 4, 6) else c for c in range(9)])
def test_binning_steps_anywhere(case: int) -> None:
    """A binning step wherever a user puts it (after other steps, inside a ColumnTransformer) made numbers by
    encode, the steps in front of it too: labels equal to the pipeline's own predict on held-out rows,
    values within 1e-5 of their range, and a row at a bin's edge and one float step past it (the first
    binned column after scalers)."""
    from sklearn import datasets

    data, pipe, what = _binning_cases()[case]
    X, y = getattr(datasets, f"load_{data}")(return_X_y=True)
    order = np.random.default_rng(case).permutation(len(X))
    X, y = X[order], y[order]
    fit = len(X) * 2 // 3
    pipe.fit(X[:fit], y[:fit])
    zk = from_sklearn(pipe, X[:fit])
    assert zk.fidelity is not None
    got, want = zk.predict(X[fit:]), pipe.predict(X[fit:])
    if data == "diabetes":
        assert np.max(np.abs(got - want)) <= 1e-5 * np.ptp(want), what
    else:
        assert np.array_equal(got, want), what
    if case == 0:   # a bin's index is an exact integer input of as many bits as the bins need (4 bins: 2)
        assert zk.input_widths == [2] * X.shape[1] and list(zk.in_bits) == [0] * X.shape[1]
    if type(pipe[0]).__name__ == "StandardScaler" and type(pipe[1]).__name__ == "KBinsDiscretizer":
        edge = pipe[1].bin_edges_[0][1] * pipe[0].scale_[0] + pipe[0].mean_[0]   # the first edge in raw units
        rows = np.repeat(X[fit:fit + 20], 2, axis=0)
        rows[::2, 0], rows[1::2, 0] = edge, np.nextafter(edge, np.inf)
        assert np.array_equal(pipe[:2].transform(rows)[:, 0], prepare.apply(zk.prepare, rows, None, zk.raw_features)[:, 0])
        assert np.array_equal(zk.predict(rows), pipe.predict(rows))


def test_encode_refuses_values_outside_a_folded_functions_domain(tmp_path: Any) -> None:
    """Every place encode folds a function: a FunctionTransformer folded into a tree's thresholds (behind a
    scaler; DOMAIN in the model file) and one run by encode in front of a binning step (PREPARE). A value
    where the function gives no finite number (np.log of 0 or less, np.sqrt of a negative; scikit-learn's
    trees would route its NaN to a child) is refused naming the sample, the feature, the value and the
    domain; a value
    just inside is taken and predicted as the pipeline does. The CLI prints ``error: ...`` and exits 1."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, KBinsDiscretizer, MaxAbsScaler
    from sklearn.tree import DecisionTreeClassifier

    from pyleo_cli.main import app
    from typer.testing import CliRunner

    rng = np.random.default_rng(3)
    X = rng.lognormal(0, 1, (200, 3))
    y = (X[:, 0] * X[:, 1] > 1).astype(int)
    inside = X[:2].copy()
    inside[:, 1] = [1e-300, 1e-12]
    cases = [(make_pipeline(MaxAbsScaler(), FunctionTransformer(np.log), DecisionTreeClassifier(max_depth=3)),
              0.0, "outside the domain of np.log"),
             (make_pipeline(FunctionTransformer(np.sqrt), DecisionTreeClassifier(max_depth=3)), -0.5,
              "outside the domain of np.sqrt"),
             (make_pipeline(FunctionTransformer(np.log), KBinsDiscretizer(3, subsample=None),
                            LogisticRegression(max_iter=1000)), -2.0, "FunctionTransformer(np.log): x > 0")]
    for pipe, bad, fragment in cases:
        pipe.fit(X, y)
        zk = from_sklearn(pipe, X)
        row = X[:1].copy()
        row[0, 1] = bad
        with pytest.raises(ModelInputError, match=f"sample 0, (feature|column) 1 = {bad:g} is") as e:
            zk.encode(row)
        assert fragment in str(e.value)
        with np.errstate(all="ignore"):   # where the pipeline's own function gives no finite number
            assert not np.isfinite(FunctionTransformer(pipe[-2].func if len(pipe) == 2 else np.log).transform(
                pipe[0].transform(row) if type(pipe[0]).__name__ == "MaxAbsScaler" else row)[0, 1])
        assert np.array_equal(zk.predict(inside), pipe.predict(inside))
    path = tmp_path / "log_tree.py"
    zk.save(path)
    result = CliRunner().invoke(app, ["run", str(path), "predict", f"[{X[0, 0]}, -2.0, {X[0, 2]}]"])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert ("error: sample 0, column 1 = -2 is outside the domain of the pipeline's FunctionTransformer(np.log): x > 0"
            in result.output), result.output
