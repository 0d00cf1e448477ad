"""Behaviour prediction: churn and purchase propensity from point-in-time feature snapshots.

Used by the dbt Python models in models/ml/prediction/; importable and tested without dbt.

- Training rows: feature snapshots whose label window has fully passed (fct_customer_labels).
  Validation is out of time: train on the earlier snapshot dates, validate on the latest
  labelled one. With a single labelled date there is no "later" to validate on: customers are
  then split at random (seeded, 30 %), and the registry says so. Both splits need both classes,
  or the target is skipped (`TooFewLabelsError`, with the counts).
- Features: the numeric features feature_importance selected, scaled with the stored
  parameters of feature_scaling_params (the same scaling scoring uses), missing values
  imputed with the training median.
- Candidates: logistic regression, decision tree, histogram gradient boosting, and a
  multi-layer perceptron, each balanced for the class imbalance, seeded and regularised (a
  shallow tree, boosting with early stopping, few leaves and an L2 penalty, a small network with
  early stopping and a weight penalty); the train-minus-validation gap of each is kept.
- Baselines (customer_journey.ml.baselines: recency, a recency + frequency rank-sum, BG/NBD)
  are fitted on the same training rows and scored on the same validation rows.
- The best learned candidate by `selection_metric` on validation wins the run only if it beats
  the best baseline by `promotion_margin`; otherwise the best baseline does. The run's winner
  replaces the stored champion only if it beats the champion's score on the same validation rows
  by `promotion_margin` (the promotion gate). `TrainingResult.reason` says which and why.
- Probabilities are calibrated (isotonic) on the validation rows; the reliability table
  shows predicted vs observed by decile.
- Attribution ("why this score"): for each customer, the change in probability when a
  feature is replaced by its training median (occlusion), for the 8 features the model
  relies on most; the top 3 by size are reported.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

KEYS = ("customer_id", "as_of_date")


class StoredScaler(BaseEstimator, TransformerMixin):
    """Applies the warehouse's stored scaling (feature_scaling_params, method 'auto'): log(1 + x)
    then z-score for `logged` features, z-score for the rest. Fits nothing: training and scoring
    share the stored parameters."""

    def __init__(self, params: dict[str, dict[str, float]] | None = None, logged: tuple[str, ...] = ()):
        self.params = params
        self.logged = logged

    def fit(self, X, y=None):
        self.feature_names_in_ = np.array(list(X.columns))
        return self

    def transform(self, X):
        out = {}
        params = self.params or {}
        for name in X.columns:
            p = params[name]
            x = X[name].astype("float64")
            if name in self.logged:
                mean, std = p["log1p_mean_value"], p["log1p_std_value"]
                x = np.log1p(x.clip(lower=0))
            else:
                mean, std = p["mean_value"], p["std_value"]
            out[name] = (x - mean) / (std if std and std > 0 else 1.0)
        return pd.DataFrame(out, index=X.index)


def candidates(random_state: int) -> dict[str, BaseEstimator]:
    """The learned candidates, regularised against the overfitting short data invites (on a 9-day
    clickstream, unregularised boosting scored 0.88 on training and 0.54 on validation)."""
    return {
        "logistic_regression": LogisticRegression(class_weight="balanced", max_iter=2000, C=1.0),
        "decision_tree": DecisionTreeClassifier(
            max_depth=4, min_samples_leaf=25, class_weight="balanced", random_state=random_state
        ),
        "gradient_boosting": HistGradientBoostingClassifier(
            max_iter=300,
            learning_rate=0.05,
            max_depth=3,
            max_leaf_nodes=8,
            min_samples_leaf=50,
            l2_regularization=10.0,
            early_stopping=True,
            validation_fraction=0.2,
            n_iter_no_change=15,
            class_weight="balanced",
            random_state=random_state,
        ),
        "neural_network": MLPClassifier(
            hidden_layer_sizes=(16,),
            alpha=1e-2,
            max_iter=500,
            early_stopping=True,
            validation_fraction=0.2,
            n_iter_no_change=10,
            random_state=random_state,
        ),
    }


def make_pipeline(estimator: BaseEstimator, params: dict, logged: tuple[str, ...]) -> Pipeline:
    return Pipeline(
        [
            ("scale", StoredScaler(params, logged)),
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("model", estimator),
        ]
    )


@dataclass
class Split:
    train: pd.DataFrame
    validation: pd.DataFrame
    scheme: str
    train_dates: list[str]
    validation_date: str


def out_of_time_split(rows: pd.DataFrame, target: str, random_state: int, holdout_customer_share: float = 0.3) -> Split:
    """Train on the earlier labelled snapshot dates, validate on the latest, on unseen customers.

    Snapshots of one customer a few weeks apart carry nearly the same label (their label windows
    overlap), so validating on customers the model also trained on flatters it. A seeded
    `holdout_customer_share` of customers is kept out of training and validated on; 0 validates on
    everyone's latest snapshot.
    """
    rows = rows[rows[target].notna()].sort_values(list(KEYS)).reset_index(drop=True)
    dates = sorted(rows.as_of_date.unique())
    if not dates:
        raise ValueError(f"no labelled snapshots for {target}: the data is shorter than the label horizon")
    rng = np.random.default_rng(random_state)
    customers = np.sort(rows.customer_id.unique())
    if len(dates) >= 2:
        last = dates[-1]
        train, validation = rows[rows.as_of_date < last], rows[rows.as_of_date == last]
        scheme = "out_of_time"
        if holdout_customer_share > 0:
            held = rng.choice(customers, size=max(1, int(holdout_customer_share * len(customers))), replace=False)
            train = train[~train.customer_id.isin(held)]
            validation = validation[validation.customer_id.isin(held)]
            scheme = "out_of_time_unseen_customers"
        return Split(train, validation, scheme, [str(d) for d in dates[:-1]], str(last))
    held_out = set(rng.choice(customers, size=max(1, int(0.3 * len(customers))), replace=False))
    mask = rows.customer_id.isin(held_out)
    return Split(rows[~mask], rows[mask], "random_customers_single_labelled_date", [str(dates[0])], str(dates[0]))


def best_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The score cut-off, among 37 quantiles of `p`, with the best F1 (all cut-offs at once)."""
    grid = np.unique(np.quantile(p, np.linspace(0.05, 0.95, 37))) if len(p) else np.array([])
    if not len(grid):
        return 0.5
    positive = np.asarray(y).astype(bool)
    predicted = np.asarray(p)[None, :] >= grid[:, None]
    true_positives = (predicted & positive).sum(axis=1)
    # F1 = 2 TP / (2 TP + FP + FN) = 2 TP / (predicted positives + actual positives); 0 when both are 0
    denominator = predicted.sum(axis=1) + positive.sum()
    scores = np.where(denominator > 0, 2 * true_positives / np.maximum(denominator, 1), 0.0)
    return float(grid[int(np.argmax(scores))])


def metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    y = np.asarray(y).astype(int)
    both = len(np.unique(y)) > 1
    pred = p >= threshold
    return {
        "roc_auc": float(roc_auc_score(y, p)) if both else float("nan"),
        "pr_auc": float(average_precision_score(y, p)) if both else float("nan"),
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "brier": float(brier_score_loss(y, p)),
        "log_loss": float(log_loss(y, np.clip(p, 1e-6, 1 - 1e-6), labels=[0, 1])),
        "base_rate": float(y.mean()),
        "threshold": float(threshold),
        "rows": int(len(y)),
    }


def lift_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Deciles by score (1 = highest): rows, positives, rate, lift over the base rate, cumulative gain."""
    frame = pd.DataFrame({"y": np.asarray(y).astype(int), "p": p}).sort_values("p", ascending=False, kind="mergesort")
    frame["decile"] = np.minimum(np.arange(len(frame)) * bins // max(len(frame), 1) + 1, bins)
    table = (
        frame.groupby("decile").agg(rows=("y", "size"), positives=("y", "sum"), avg_score=("p", "mean")).reset_index()
    )
    base = frame.y.mean() if len(frame) else 0.0
    table["positive_rate"] = table.positives / table.rows
    table["lift"] = table.positive_rate / base if base > 0 else np.nan
    table["cumulative_gain"] = table.positives.cumsum() / max(frame.y.sum(), 1)
    return table


def reliability_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> pd.DataFrame:
    frame = pd.DataFrame({"y": np.asarray(y).astype(int), "p": p})
    frame["bin"] = np.minimum((frame.p * bins).astype(int), bins - 1)
    table = (
        frame.groupby("bin")
        .agg(rows=("y", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean"))
        .reset_index()
    )
    table["bin_low"] = table["bin"] / bins
    return table


@dataclass
class TrainingResult:
    target: str
    split: Split
    features: list[str]
    rows: list[dict] = field(default_factory=list)  # one per candidate and baseline
    champion: dict | None = None
    promoted: bool = False
    bundle: dict | None = None
    validation_scores: tuple | None = None  # (labels, calibrated probabilities) of the promoted model
    reason: str = ""  # which model won the run and whether it replaced the stored champion, in words
    notes: list[str] = field(default_factory=list)  # what could not be fitted or scored, and why


class TooFewLabelsError(ValueError):
    """A target whose split lacks a class: nothing can be trained or validated. `split` holds the rows."""

    def __init__(self, message: str, split: Split):
        super().__init__(message)
        self.split = split


def _fingerprint(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _class_counts(y: np.ndarray) -> str:
    return f"{int(np.sum(y == 1))} positive, {int(np.sum(y == 0))} negative"


def _check_classes(split: Split, target: str) -> None:
    y_train, y_val = split.train[target].astype(int).to_numpy(), split.validation[target].astype(int).to_numpy()
    if len(np.unique(y_train)) < 2 or len(np.unique(y_val)) < 2:
        raise TooFewLabelsError(
            f"{target}: training and validation rows need both classes; training has {len(y_train)} rows "
            f"({_class_counts(y_train)}) on {len(split.train_dates)} snapshot dates, validation "
            f"{len(y_val)} rows ({_class_counts(y_val)}) on {split.validation_date} ({split.scheme})",
            split,
        )


def _champion_score(
    champion: Mapping | None, validation: pd.DataFrame, y_val: np.ndarray, selection_metric: str
) -> tuple[float | None, str | None]:
    """The stored champion's score on this run's validation rows, or (None, why it cannot be scored)."""
    if champion is None:
        return None, None
    version = champion.get("model_version")
    try:
        bundle = joblib.load(champion["artefact_path"])
    except (OSError, EOFError, KeyError, TypeError, ValueError) as error:
        return None, f"the stored champion {version} could not be loaded ({type(error).__name__}: {error})"
    missing = [f for f in bundle["features"] if f not in validation.columns]
    if missing:
        return None, f"the stored champion {version} uses columns these rows lack ({', '.join(missing)})"
    p = bundle["raw_model"].predict_proba(validation[bundle["features"]])[:, 1]
    return metrics(y_val, p, 0.5)[selection_metric], None


def _run_winner(rows: list[dict], selection_metric: str, margin: float) -> tuple[dict, str]:
    """The run's best model: the best learned candidate when it beats the best baseline by `margin`,
    otherwise the best baseline; and why, in words."""

    def best(group: list[dict]) -> dict | None:
        return max(group, key=lambda r: (r["selection_score"], r["model_version"])) if group else None

    learned, baseline = best([r for r in rows if not r["is_baseline"]]), best([r for r in rows if r["is_baseline"]])
    if baseline is None:
        if learned is None:
            raise ValueError("no candidate or baseline could be fitted")
        return (
            learned,
            f"{learned['algorithm']} ({selection_metric} {learned['selection_score']:.3f}) won; no baseline was scored",
        )
    if learned is None:
        return (
            baseline,
            f"{baseline['algorithm']} ({selection_metric} {baseline['selection_score']:.3f}) won; no candidate was fitted",
        )
    if learned["selection_score"] >= baseline["selection_score"] + margin:
        return learned, (
            f"{learned['algorithm']} ({selection_metric} {learned['selection_score']:.3f}) beat the best baseline, "
            f"{baseline['algorithm']} ({baseline['selection_score']:.3f}), by at least {margin:g}"
        )
    return baseline, (
        f"no candidate beat {baseline['algorithm']} ({selection_metric} {baseline['selection_score']:.3f}) by "
        f"{margin:g} (best candidate: {learned['algorithm']}, {learned['selection_score']:.3f}), so the baseline won"
    )


def train_target(
    rows: pd.DataFrame,
    target: str,
    features: list[str],
    params: dict,
    logged: tuple[str, ...],
    random_state: int = 42,
    selection_metric: str = "roc_auc",
    promotion_margin: float = 0.005,
    current_champion: dict | None = None,
    artefact_dir: Path | None = None,
    holdout_customer_share: float = 0.3,
    max_training_rows: int | None = None,
    baselines: Mapping[str, BaseEstimator] | None = None,
) -> TrainingResult:
    """Train every candidate and baseline, evaluate out of time, pick the run's winner (a candidate
    only if it beats the best baseline by `promotion_margin`), apply the promotion gate against the
    stored champion, persist the champion.

    `baselines`: name -> an unfitted classifier over its own raw columns (its `columns`), fitted on
    the same training rows; rows must carry those columns. With `max_training_rows`, a larger
    training split is cut to a seeded random sample of that many rows (validation keeps every row):
    at a million customers the candidates learn as much from a few hundred thousand rows, in a
    fraction of the time. Raises `TooFewLabelsError` when a split lacks a class.
    """
    split = out_of_time_split(rows, target, random_state, holdout_customer_share)
    if max_training_rows and len(split.train) > max_training_rows:
        sampled = split.train.sample(n=max_training_rows, random_state=random_state).sort_index()
        split = Split(sampled, split.validation, split.scheme, split.train_dates, split.validation_date)
    _check_classes(split, target)
    y_train = split.train[target].astype(int).to_numpy()
    y_val = split.validation[target].astype(int).to_numpy()
    result = TrainingResult(target, split, features)
    models: list[tuple[str, BaseEstimator, BaseEstimator, list[str], bool]] = []
    if features:
        for name, estimator in candidates(random_state).items():
            models.append((name, estimator, make_pipeline(clone(estimator), params, logged), list(features), False))
    else:
        result.notes.append("no usable feature: only the baselines competed")
    for name, estimator in (baselines or {}).items():
        models.append((name, estimator, clone(estimator), list(estimator.columns), True))
    fitted = {}
    for name, estimator, model, columns, is_baseline in models:
        X_train, X_val = split.train[columns], split.validation[columns]
        try:
            model.fit(X_train, y_train)
        except ValueError as error:  # e.g. early stopping's split of a handful of positives
            result.notes.append(f"{name} could not be fitted: {error}")
            continue
        p_val = model.predict_proba(X_val)[:, 1]
        threshold = best_f1_threshold(y_val, p_val)
        version = f"{target}-{name}-{_fingerprint([split.train_dates, split.validation_date, columns, random_state, estimator.get_params()])}"
        train_metrics = metrics(y_train, model.predict_proba(X_train)[:, 1], threshold)
        validation_metrics = metrics(y_val, p_val, threshold)
        result.rows.append(
            {
                "model_version": version,
                "target": target,
                "algorithm": name,
                "is_baseline": is_baseline,
                "hyperparameters": json.dumps(estimator.get_params(), sort_keys=True, default=str),
                "feature_list": ", ".join(columns),
                "validation_scheme": split.scheme,
                "train_dates": ", ".join(split.train_dates),
                "validation_date": split.validation_date,
                "metrics": {"train": train_metrics, "validation": validation_metrics},
                "selection_score": validation_metrics[selection_metric],
                "train_validation_gap": train_metrics[selection_metric] - validation_metrics[selection_metric],
            }
        )
        fitted[version] = (model, p_val, threshold, columns)
    if not result.rows:
        raise ValueError("no candidate or baseline could be fitted: " + "; ".join(result.notes))
    best, result.reason = _run_winner(result.rows, selection_metric, promotion_margin)
    challenger_score = best["selection_score"]
    champion_score, note = _champion_score(current_champion, split.validation, y_val, selection_metric)
    if note:
        result.notes.append(f"{note}: the run's winner replaces it")
    promote = champion_score is None or challenger_score >= champion_score + promotion_margin
    baseline_scores = [r["selection_score"] for r in result.rows if r["is_baseline"]]
    best_baseline = max(baseline_scores) if baseline_scores else None
    stored_is_baseline = bool(current_champion.get("is_baseline")) if current_champion is not None else False
    if (
        not promote
        and current_champion is not None
        and champion_score is not None
        and not stored_is_baseline
        and best_baseline is not None
        and champion_score < best_baseline + promotion_margin
    ):
        # a learned champion stays only while it beats today's best baseline by the margin too
        promote = True
        result.notes.append(
            f"the stored champion {current_champion['model_version']} ({champion_score:.3f}) no longer beats the "
            f"best baseline ({best_baseline:.3f}) by {promotion_margin:g}: the run's winner replaces it"
        )
    for r in result.rows:
        r["challenger_score"] = challenger_score
        r["champion_score_before"] = champion_score
    if not promote and current_champion is not None:
        result.champion = current_champion
        result.reason = (
            f"the stored champion {current_champion['model_version']} ({champion_score:.3f} on these validation "
            f"rows) stays: the run's winner did not beat it by {promotion_margin:g} ({result.reason})"
        )
        return result
    model, p_val, threshold, columns = fitted[best["model_version"]]
    X_val = split.validation[columns]
    calibrator = CalibratedClassifierCV(FrozenEstimator(model), method="isotonic").fit(X_val, y_val)
    p_cal = calibrator.predict_proba(X_val)[:, 1]
    medians = split.train[columns].median(numeric_only=True).to_dict()
    importance = _occlusion_importance(model, X_val, medians)
    bundle = {
        "version": best["model_version"],
        "target": target,
        "features": columns,
        "is_baseline": best["is_baseline"],
        "raw_model": model,
        "calibrated_model": calibrator,
        "threshold": threshold,
        "medians": medians,
        "attribution_features": importance[:8],
        "lift": lift_table(y_val, p_cal).to_dict("records"),
        "reliability": reliability_table(y_val, p_cal).to_dict("records"),
        "calibrated_metrics": metrics(y_val, p_cal, threshold),
    }
    if artefact_dir is not None:
        artefact_dir.mkdir(parents=True, exist_ok=True)
        path = artefact_dir / f"{best['model_version']}.joblib"
        joblib.dump(bundle, path)
        best["artefact_path"] = str(path)
        best["artefact_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    result.champion = best
    result.promoted = True
    result.bundle = bundle
    result.validation_scores = (y_val, p_cal)
    result.reason = f"promoted {best['algorithm']}: {result.reason}"
    return result


def _occlusion_importance(pipe: BaseEstimator, X: pd.DataFrame, medians: dict) -> list[str]:
    base = pipe.predict_proba(X)[:, 1]
    scores = {}
    for name in X.columns:
        occluded = X.copy()
        occluded[name] = medians.get(name, np.nan)
        scores[name] = float(np.mean(np.abs(base - pipe.predict_proba(occluded)[:, 1])))
    return sorted(scores, key=lambda n: (-scores[n], n))


def score(bundle: dict, features: pd.DataFrame, tiers: dict[str, float]) -> pd.DataFrame:
    """Calibrated probability, percentile, risk tier and top-3 contributing features per customer."""
    X = features[bundle["features"]]
    model = bundle["calibrated_model"]
    p = model.predict_proba(X)[:, 1]
    out = pd.DataFrame({"customer_id": features.customer_id.to_numpy(), "probability": p})
    out["percentile"] = pd.Series(p).rank(pct=True, method="max").to_numpy()
    ordered = sorted(tiers.items(), key=lambda kv: -kv[1])
    tier = np.full(len(p), "low", dtype=object)
    for name, cut in reversed(ordered):
        tier = np.where(p >= cut, name, tier)
    out["risk_tier"] = tier
    raw = bundle["raw_model"]
    base = raw.predict_proba(X)[:, 1]
    contributions = {}
    for name in bundle["attribution_features"]:
        occluded = X.copy()
        occluded[name] = bundle["medians"].get(name, np.nan)
        contributions[name] = base - raw.predict_proba(occluded)[:, 1]
    contrib = pd.DataFrame(contributions)
    top = np.argsort(-np.abs(contrib.to_numpy()), axis=1)[:, :3] if len(contrib.columns) else np.empty((len(p), 0), int)
    names = np.array(contrib.columns)
    for i in range(3):
        has = top.shape[1] > i
        out[f"top_feature_{i + 1}"] = names[top[:, i]] if has else None
        out[f"top_feature_{i + 1}_effect"] = contrib.to_numpy()[np.arange(len(p)), top[:, i]] if has else np.nan
    out["model_version"] = bundle["version"]
    return out


def empty_predictions() -> pd.DataFrame:
    """The predictions table's columns, with no rows: what scoring returns before any model exists."""
    columns = {
        "customer_id": "string",
        "probability": "float64",
        "percentile": "float64",
        "risk_tier": "string",
        "top_feature_1": "string",
        "top_feature_1_effect": "float64",
        "top_feature_2": "string",
        "top_feature_2_effect": "float64",
        "top_feature_3": "string",
        "top_feature_3_effect": "float64",
        "model_version": "string",
        "scored_at": "datetime64[us]",
    }
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def predictions_table(registry: pd.DataFrame, load_features, target: str, tiers: dict[str, float]) -> pd.DataFrame:
    """The `<target>_predictions` models: score the customers with the target's current champion in
    the registry (its latest row with is_champion), or return an empty, typed table when there is none.
    `load_features(columns)` returns dim_customer_features with only those columns (plus the keys), so
    only what the champion uses leaves the warehouse."""
    champions = registry[(registry.target == target) & registry.is_champion.astype(bool)].sort_values("trained_at")
    if champions.empty:
        # no label window has passed yet (young or small data): an empty table, not a failure
        return empty_predictions()
    bundle = joblib.load(champions.iloc[-1].artefact_path)
    features = load_features(bundle["features"]).sort_values("customer_id").reset_index(drop=True)
    # one OpenMP thread: the gradient boosting's predict spins up a thread per core per call, and the
    # build's other dbt thread runs DuckDB on those cores; with both, scoring took 2 to 3 times as
    # long as alone (100k customers: 23-32 s against 10.5 s)
    with threadpool_limits(limits=1, user_api="openmp"):
        out = score(bundle, features, tiers)
    out["scored_at"] = features.as_of_date.max()
    return out
