"""Feature selection for the customer profile: information gain, mutual information, redundancy.

Used by the dbt Python models `feature_importance` and `model_registry`; importable and tested
without dbt.

- information gain (bits): H(y) - H(y | x) with x discretised into quantile bins
  (a missing value is its own bin; text columns are taken as they are);
- mutual information (nats): scikit-learn's `mutual_info_classif`, text columns
  as discrete codes, missing numbers filled with the median, seeded;
- fill rate: share of non-missing values;
- correlation cluster: features whose absolute Spearman correlation is at least
  `correlation_threshold` are linked; each connected group is a cluster, named
  after its best-ranked member;
- selection: features ranked by mutual information; the top `top_k` (0 = no
  limit) with mutual information at least `min_mutual_information` are
  selected, skipping a feature when a better-ranked one of its cluster is
  already in (it would add little new information).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_selection import mutual_info_classif

from customer_journey.ml.reuse import Decision, can_reuse_importance
from customer_journey.ml.warehouse_io import inner_join


def entropy_bits(labels: np.ndarray) -> float:
    """Shannon entropy in bits of a discrete array."""
    _, counts = np.unique(labels, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def discretise(values: pd.Series, bins: int = 10) -> np.ndarray:
    """Quantile bins for numbers (missing = its own bin), codes for text."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values.astype("string").fillna("<missing>").to_numpy()
    numeric = values.astype("float64")
    codes = np.full(len(numeric), -1, dtype=np.int64)
    present = numeric.notna().to_numpy()
    if present.any():
        edges = np.unique(np.nanquantile(numeric[present], np.linspace(0, 1, bins + 1)))
        codes[present] = np.searchsorted(edges[1:-1], numeric[present].to_numpy(), side="right")
    return codes


def information_gain(values: pd.Series, labels: np.ndarray, bins: int = 10) -> float:
    """H(labels) - H(labels | binned values), in bits."""
    x = discretise(values, bins)
    labels = np.asarray(labels)
    total = entropy_bits(labels)
    conditional = 0.0
    for level in np.unique(x):
        mask = x == level
        conditional += mask.mean() * entropy_bits(labels[mask])
    return max(total - conditional, 0.0)


def _encoded(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    columns, discrete = [], []
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            numeric = col.astype("float64")
            columns.append(numeric.fillna(numeric.median() if numeric.notna().any() else 0.0).to_numpy())
            discrete.append(False)
        else:
            columns.append(pd.factorize(col.astype("string").fillna("<missing>"))[0].astype("float64"))
            discrete.append(True)
    return np.column_stack(columns), np.array(discrete)


def correlation_clusters(frame: pd.DataFrame, order: list[str], threshold: float = 0.8) -> dict[str, str]:
    """Feature -> name of the best-ranked feature (in `order`) of its correlation cluster."""
    numeric = [c for c in order if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    parent = {c: c for c in order}

    def find(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    if len(numeric) > 1:
        corr = frame[numeric].astype("float64").rank().corr().abs().to_numpy()
        for i in range(len(numeric)):
            for j in range(i + 1, len(numeric)):
                if corr[i, j] >= threshold:
                    a, b = find(numeric[i]), find(numeric[j])
                    if a != b:
                        # the root is the better-ranked feature
                        if order.index(a) < order.index(b):
                            parent[b] = a
                        else:
                            parent[a] = b
    return {c: find(c) for c in order}


@dataclass(frozen=True)
class SelectionConfig:
    top_k: int = 20
    min_mutual_information: float = 0.001
    correlation_threshold: float = 0.8
    bins: int = 10
    random_state: int = 0
    # mutual information uses nearest neighbours: score on a seeded sample of this many rows
    max_rows: int = 50_000


def rank_features(frame: pd.DataFrame, labels: np.ndarray, config: SelectionConfig | None = None) -> pd.DataFrame:
    """One row per feature of `frame`: the scores, the cluster, the rank and whether it is selected."""
    config = config or SelectionConfig()
    labels = np.asarray(labels).astype(int)
    if len(np.unique(labels)) < 2:
        raise ValueError("feature selection needs both label classes in the training rows")
    keep = _seeded_sample(len(frame), config)
    frame, labels = frame.iloc[keep], labels[keep]
    features = list(frame.columns)
    matrix, discrete = _encoded(frame)
    mi = mutual_info_classif(matrix, labels, discrete_features=discrete, random_state=config.random_state)
    scores = pd.DataFrame(
        {
            "feature_name": features,
            "information_gain_bits": [information_gain(frame[f], labels, config.bins) for f in features],
            "mutual_information": mi,
            "fill_rate": [float(frame[f].notna().mean()) for f in features],
        }
    )
    scores = scores.sort_values(
        ["mutual_information", "information_gain_bits", "feature_name"], ascending=[False, False, True]
    )
    scores["importance_rank"] = np.arange(1, len(scores) + 1)
    order = scores.feature_name.tolist()
    clusters = correlation_clusters(frame, order, config.correlation_threshold)
    scores["correlation_cluster"] = scores.feature_name.map(clusters)
    selected: list[bool] = []
    used_clusters: set[str] = set()
    for row in scores.itertuples():
        ok = row.mutual_information >= config.min_mutual_information and row.correlation_cluster not in used_clusters
        if config.top_k and len(used_clusters) >= config.top_k:
            ok = False
        if ok:
            used_clusters.add(row.correlation_cluster)
        selected.append(ok)
    scores["is_selected"] = selected
    return scores.reset_index(drop=True)


KEYS = ("customer_id", "as_of_date")
# load bookkeeping of the incremental models: never a feature
BOOKKEEPING = ("dbt_loaded_at",)
RESULT_COLUMNS = (
    "feature_name",
    "target",
    "information_gain_bits",
    "mutual_information",
    "fill_rate",
    "importance_rank",
    "correlation_cluster",
    "is_selected",
    "training_rows",
    "positive_rate",
)


LABELS = ("is_churned", "will_purchase")


def labelled_snapshots(snapshots: Any, labels: Any) -> Any:
    """The relation of labelled snapshot rows (fct_customer_feature_snapshots joined with the
    LABELS of fct_customer_labels where one is known), joined in the warehouse: only those rows
    are ever transferred (at a million customers every snapshot row in pandas took 6.5 GiB)."""
    return inner_join(
        snapshots, labels, list(KEYS), list(LABELS), where=" or ".join(f"{label} is not null" for label in LABELS)
    )


def labelled_rows(snapshots: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """The snapshot rows that carry at least one label, with their labels: what the models learn
    from. (The dbt model gets the same rows from the warehouse, joined there.)"""
    label_columns = [c for c in LABELS if c in labels.columns]
    labelled = labels.loc[labels[label_columns].notna().any(axis=1), [*KEYS, *label_columns]]
    return snapshots.merge(labelled, on=list(KEYS))


def _rounded(values: pd.Series) -> pd.Series:
    # values rounded past float noise: parallel sums in the warehouse can differ in the last bits
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64").round(9)
    return values


def training_fingerprint(rows: pd.DataFrame) -> str:
    """A hash of the labelled rows (features and labels, bookkeeping aside): equal fingerprints
    give the same feature_importance, so a build can keep the stored one.

    Row order does not matter (a sum of row hashes), and rows are hashed a column at a time, so
    a million customers' snapshots are never copied whole."""
    columns = [c for c in rows.columns if c not in BOOKKEEPING]
    digest = np.zeros(len(rows), dtype="uint64")
    for column in columns:
        hashed = pd.util.hash_pandas_object(_rounded(rows[column]), index=False).to_numpy()
        digest = digest * np.uint64(1_000_003) ^ hashed
    return f"{len(rows)}-{int(digest.sum(dtype='uint64')):016x}"


def _seeded_sample(n: int, config: SelectionConfig) -> np.ndarray:
    """Sorted positions of the rows to score: all of them, or a seeded config.max_rows."""
    if n <= config.max_rows:
        return np.arange(n)
    return np.sort(np.random.default_rng(config.random_state).choice(n, config.max_rows, replace=False))


def feature_importance_table(rows: pd.DataFrame, config: SelectionConfig | None = None) -> pd.DataFrame:
    """The `feature_importance` model: score every snapshot feature against the churn label.

    `rows` are the labelled snapshot rows with their labels (`labelled_rows`). Uses the churn
    label, the purchase label while no churn window is complete. With too few labels (no rows,
    or one class) every feature is listed unscored and unselected, with target
    'insufficient_labels', so a small or young data set still builds.
    """
    config = config or SelectionConfig()
    label_columns = [c for c in LABELS if c in rows.columns]
    feature_names = [c for c in rows.columns if c not in (*KEYS, *label_columns, *BOOKKEEPING)]
    # a fixed row order (by key) and a seeded sample of it: the seeded estimators then give the
    # same answer; only the sampled rows are copied and rounded
    order = rows[list(KEYS)].sort_values(list(KEYS)).index
    for target in label_columns:
        labelled = order[rows.loc[order, target].notna().to_numpy()]
        y = rows.loc[labelled, target].astype(bool).to_numpy()
        if len(labelled) >= 2 and 0 < y.sum() < len(y):
            keep = _seeded_sample(len(labelled), config)
            features = rows.loc[labelled[keep], feature_names].apply(_rounded).reset_index(drop=True)
            ranked = rank_features(features, y[keep], config)
            ranked.insert(1, "target", target)
            ranked["training_rows"] = len(y)
            ranked["positive_rate"] = float(y.mean())
            return ranked[list(RESULT_COLUMNS)]
    features = rows[feature_names]
    unscored = pd.DataFrame({"feature_name": list(features.columns)})
    unscored["target"] = "insufficient_labels"
    unscored["information_gain_bits"] = np.nan
    unscored["mutual_information"] = np.nan
    unscored["fill_rate"] = [float(features[c].notna().mean()) if len(features) else np.nan for c in features.columns]
    unscored["importance_rank"] = np.arange(1, len(unscored) + 1)
    unscored["correlation_cluster"] = unscored.feature_name
    unscored["is_selected"] = False
    unscored["training_rows"] = 0
    unscored["positive_rate"] = np.nan
    return unscored[list(RESULT_COLUMNS)]


def feature_importance(
    rows: pd.DataFrame, config: SelectionConfig, stored: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, Decision]:
    """The `feature_importance` model: the stored table when the labelled `rows` hash to its
    training_fingerprint (scoring takes a while and gives the same answer for the same rows),
    else `feature_importance_table` with the fingerprint; and the decision, reuse or not."""
    fingerprint = training_fingerprint(rows)
    reuse = can_reuse_importance(stored, fingerprint)
    if reuse and stored is not None:
        return stored, reuse
    ranked = feature_importance_table(rows, config)
    ranked["training_fingerprint"] = fingerprint
    return ranked, reuse


def latest_snapshot(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of the latest as_of_date (what the docs' feature overview plot shows)."""
    return rows[rows.as_of_date == rows.as_of_date.max()]
