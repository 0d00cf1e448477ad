"""Feature selection for the customer profile: exclusions, information gain, mutual information,
a permutation baseline, redundancy.

Used by the dbt Python models `feature_importance` and `model_registry`; importable and tested
without dbt.

- exclusion: on the training rows (every labelled row of the target), a feature is excluded,
  with the reason in words, when it is constant (at most one distinct non-null value, all-null
  included), mostly null (fill rate below `min_fill_rate`) or near-constant (one value, null
  counted as a value, in at least `max_dominant_share` of the rows). Excluded features are listed
  but not scored (their scores are null) and never selected;
- information gain (bits): H(y) - H(y | x) with x discretised into quantile bins
  (a missing value is its own bin; text columns are taken as they are);
- mutual information (nats): scikit-learn's `mutual_info_classif`, text columns
  as discrete codes, missing numbers filled with the median, seeded;
- permutation baseline: the same estimator on the same rows with the labels shuffled
  (`permutation_repeats` seeded shuffles, customer by customer: a customer's snapshots are not
  independent); a feature's baseline is the largest of its shuffled scores. The
  k-nearest-neighbour estimate is noisy (a constant-zero column, scored on the jitter the
  estimator adds, ranked first with 0.039 nats on a short clickstream), so a fixed threshold
  selects noise; beating shuffled labels does not;
- fill rate: share of non-missing values;
- correlation cluster: features whose absolute Spearman correlation is at least
  `correlation_threshold` are linked; each connected group is a cluster, named
  after its best-ranked member;
- selection: features ranked by mutual information; the top `top_k` (0 = no
  limit) with mutual information at least `min_mutual_information` and above their
  permutation baseline are selected, skipping a feature when one of its cluster is already in
  (it would add little new information). `selection_note` says why a scored feature is not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
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


# the version of the selection method: bump it when a change of the code changes the table, so a
# stored table scored by the old code is not reused (features.feature_importance)
SELECTION_METHOD = "exclusions+customer-shuffle-baseline-1"


@dataclass(frozen=True)
class SelectionConfig:
    top_k: int = 20
    min_mutual_information: float = 0.001
    correlation_threshold: float = 0.8
    bins: int = 10
    random_state: int = 0
    # mutual information uses nearest neighbours: score on a seeded sample of this many rows (the
    # estimate and its shuffles: 10,000 rows and 19 shuffles cost about what one estimate on 50,000
    # rows did)
    max_rows: int = 10_000
    # excluded below this share of non-null training rows
    min_fill_rate: float = 0.5
    # excluded when one value (null counts as one) holds at least this share of the training rows
    max_dominant_share: float = 0.99
    # seeded shuffles of the labels scored for the permutation baseline (0 = no baseline): a feature
    # without information beats all of them in 1 case of (repeats + 1)
    permutation_repeats: int = 19

    def settings(self) -> str:
        """The method's version and every setting as one string: a stored table scored with other
        settings, or by another version of the method, is not reused."""
        values = ", ".join(f"{field.name}={getattr(self, field.name)!r}" for field in fields(self))
        return f"method={SELECTION_METHOD}, {values}"


def _show(value: Any) -> str:
    """A value as a reason names it: 0 not 0.0, text quoted, null as null."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "null"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{float(value):g}"
    return str(value)


def _share(value: float, threshold: float, below: bool, percent: bool = False) -> str:
    """`value` (a share) with as many decimals as keep it honest: on its side of `threshold`
    (0.4999 is not '0.50 < 0.5') and not rounded to 0 or 100 % when it is not."""
    scale = 100.0 if percent else 1.0
    decimals = 1 if percent else 2
    shown = round(value * scale, decimals)
    while decimals < 9:
        wrong_side = shown >= threshold * scale if below else shown < threshold * scale
        false_end = (shown == scale and value < 1) or (shown == 0 and value > 0)
        if not (wrong_side or false_end):
            break
        decimals += 1
        shown = round(value * scale, decimals)
    return f"{shown:.{decimals}f}".rstrip("0").rstrip(".") + ("%" if percent else "")


def exclusion_reason(values: pd.Series, config: SelectionConfig) -> str | None:
    """Why a feature is not worth scoring on these training rows, or None: constant (at most one
    distinct non-null value, all-null included), mostly null (fill rate below
    config.min_fill_rate) or near-constant (one value, null counted as a value, in at least
    config.max_dominant_share of the rows)."""
    n = len(values)
    if n == 0:
        return "no training rows to check"
    present = values.dropna()
    distinct = present.unique()
    if len(distinct) == 0:
        return "constant: every training row is null"
    if len(distinct) == 1:
        missing = n - len(present)
        if missing == 0:
            return f"constant: every training row is {_show(distinct[0])}"
        nulls = _share(missing / n, 1.0, below=True, percent=True)
        return f"constant: every non-null training row is {_show(distinct[0])} ({nulls} null)"
    fill = len(present) / n
    if fill < config.min_fill_rate:
        return (
            f"mostly null: fill rate {_share(fill, config.min_fill_rate, below=True)} < "
            f"{config.min_fill_rate:g} (var feature_selection_min_fill_rate)"
        )
    counts = values.value_counts(dropna=False, sort=True)
    share = float(counts.iloc[0]) / n
    if share >= config.max_dominant_share:
        return (
            f"near-constant: {_show(counts.index[0])} in {_share(share, config.max_dominant_share, False, True)} "
            f"of rows (>= {config.max_dominant_share * 100:g}%, var feature_selection_max_dominant_share)"
        )
    return None


def feature_profile(
    frame: pd.DataFrame, config: SelectionConfig, columns: list[str] | None = None, index: pd.Index | None = None
) -> pd.DataFrame:
    """Per feature (the index): fill_rate and exclusion_reason on the training rows, the rows
    `index` (default all) of `frame`'s `columns` (default all). A column at a time, values rounded
    past float noise: a million rows are never copied whole."""
    names = list(frame.columns) if columns is None else columns
    fill, reasons = [], []
    for name in names:
        values = _rounded(frame[name] if index is None else frame.loc[index, name])
        fill.append(float(values.notna().mean()) if len(values) else np.nan)
        reasons.append(exclusion_reason(values, config))
    return pd.DataFrame(
        {"fill_rate": fill, "exclusion_reason": reasons}, index=pd.Index(names, name="feature_name", dtype="object")
    )


def shuffled_labels(labels: np.ndarray, rng: np.random.Generator, groups: np.ndarray | None = None) -> np.ndarray:
    """`labels` shuffled: row by row, or, with `groups` (the customer of each row), customer by
    customer: each customer's labels, in row order, move together to a customer with as many rows.
    A customer's snapshots are not independent (a constant trait such as gender repeats on every
    one of them and the labels follow each other), so a row shuffle makes chance agreement look
    rarer than it is."""
    if groups is None:
        return rng.permutation(labels)
    codes = pd.factorize(pd.Series(groups))[0]
    by_group = np.argsort(codes, kind="stable")  # the rows of each group together, in row order
    sizes = np.bincount(codes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    shuffled = np.empty_like(labels)
    for size in np.unique(sizes):
        members = np.flatnonzero(sizes == size)
        donors = rng.permutation(members)
        steps = np.arange(size)
        shuffled[by_group[(starts[members][:, None] + steps).ravel()]] = labels[
            by_group[(starts[donors][:, None] + steps).ravel()]
        ]
    return shuffled


def permutation_baseline(
    matrix: np.ndarray,
    discrete: np.ndarray,
    labels: np.ndarray,
    observed: np.ndarray,
    config: SelectionConfig,
    groups: np.ndarray | None = None,
) -> np.ndarray:
    """Per column of `matrix`: the largest mutual information of the same estimator (same rows,
    same discrete flags, same seed) against config.permutation_repeats seeded shuffles of
    `labels` (customer by customer with `groups`: `shuffled_labels`). A column stops being scored
    at the first shuffle that reaches its `observed` score: it cannot be selected any more, and
    its baseline is then that shuffle's score (a lower bound of the largest). NaN when no shuffle
    is scored."""
    baseline = np.full(matrix.shape[1], np.nan)
    rng = np.random.default_rng(config.random_state)
    for _ in range(config.permutation_repeats):
        active = ~(baseline >= observed)  # NaN (not yet scored) compares False: still active
        if not active.any():
            break
        shuffled = shuffled_labels(labels, rng, groups)
        mi = mutual_info_classif(
            matrix[:, active], shuffled, discrete_features=discrete[active], random_state=config.random_state
        )
        baseline[active] = np.fmax(baseline[active], mi)
    return baseline


def rank_features(
    frame: pd.DataFrame,
    labels: np.ndarray,
    config: SelectionConfig | None = None,
    profile: pd.DataFrame | None = None,
    groups: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per feature of `frame`: the exclusion, the scores, the cluster, the rank and whether
    it is selected (and if not, why). `profile` (feature_profile) is computed on every row of
    `frame` when not given; the scores are on a seeded sample of config.max_rows rows. `groups`
    (the customer of each row) makes the permutation baseline shuffle labels customer by customer."""
    config = config or SelectionConfig()
    labels = np.asarray(labels).astype(int)
    if len(np.unique(labels)) < 2:
        raise ValueError("feature selection needs both label classes in the training rows")
    if profile is None:
        profile = feature_profile(frame, config)
    keep = _seeded_sample(len(frame), config)
    frame, labels = frame.iloc[keep], labels[keep]
    groups = None if groups is None else np.asarray(groups)[keep]
    excluded = profile.exclusion_reason.reindex(frame.columns).notna()
    scored = [f for f in frame.columns if not excluded[f]]
    mi = baseline = np.array([])
    if scored:
        matrix, discrete = _encoded(frame[scored])
        mi = mutual_info_classif(matrix, labels, discrete_features=discrete, random_state=config.random_state)
        baseline = permutation_baseline(matrix, discrete, labels, mi, config, groups)
    scores = pd.DataFrame(
        {
            "feature_name": scored,
            "information_gain_bits": [information_gain(frame[f], labels, config.bins) for f in scored],
            "mutual_information": mi,
            "mi_permutation_baseline": baseline,
        }
    )
    scores = scores.sort_values(
        ["mutual_information", "information_gain_bits", "feature_name"], ascending=[False, False, True]
    )
    order = scores.feature_name.tolist()
    clusters = correlation_clusters(frame[order], order, config.correlation_threshold)
    scores["correlation_cluster"] = scores.feature_name.map(clusters)
    selected: list[bool] = []
    notes: list[str | None] = []
    chosen: dict[str, str] = {}  # cluster -> its selected feature
    for row in scores.itertuples():
        note = None
        if row.mutual_information < config.min_mutual_information:
            note = (
                f"below var feature_selection_min_mutual_information: {row.mutual_information:.4f} < "
                f"{config.min_mutual_information:g}"
            )
        elif config.permutation_repeats and not row.mutual_information > row.mi_permutation_baseline:
            note = (
                f"not above the permutation baseline: {row.mutual_information:.4f} <= "
                f"{row.mi_permutation_baseline:.4f} with shuffled labels"
            )
        elif row.correlation_cluster in chosen:
            note = f"redundant with {chosen[row.correlation_cluster]} (|Spearman| >= {config.correlation_threshold:g})"
        elif config.top_k and len(chosen) >= config.top_k:
            note = f"beyond var feature_selection_top_k ({config.top_k})"
        else:
            chosen[row.correlation_cluster] = row.feature_name
        selected.append(note is None)
        notes.append(note)
    scores["is_selected"] = selected
    scores["selection_note"] = notes
    # excluded features are listed after the scored ones, unscored
    unscored = pd.DataFrame({"feature_name": sorted(f for f in frame.columns if excluded[f])})
    unscored = unscored.assign(is_selected=False, selection_note=None)
    ranked = pd.concat([scores, unscored], ignore_index=True) if len(unscored) else scores.reset_index(drop=True)
    ranked["importance_rank"] = np.arange(1, len(ranked) + 1)
    ranked["fill_rate"] = ranked.feature_name.map(profile.fill_rate).astype("float64")
    ranked["exclusion_reason"] = ranked.feature_name.map(profile.exclusion_reason)
    return _typed(ranked[list(RANKED_COLUMNS)])


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """The text columns as text and the flags as booleans, null or not: the warehouse table keeps
    its column types when every feature is excluded or nothing is scored."""
    table = table.copy()
    for column in ("correlation_cluster", "exclusion_reason", "selection_note"):
        table[column] = table[column].astype("string")
    table["is_selected"] = table["is_selected"].astype(bool)
    return table


KEYS = ("customer_id", "as_of_date")
# load bookkeeping of the incremental models: never a feature
BOOKKEEPING = ("dbt_loaded_at",)
RANKED_COLUMNS = (
    "feature_name",
    "information_gain_bits",
    "mutual_information",
    "mi_permutation_baseline",
    "fill_rate",
    "importance_rank",
    "correlation_cluster",
    "is_selected",
    "exclusion_reason",
    "selection_note",
)
RESULT_COLUMNS = (*RANKED_COLUMNS[:1], "target", *RANKED_COLUMNS[1:], "training_rows", "positive_rate")


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
    label, the purchase label while no churn window is complete; the exclusions are checked on
    every labelled row of that target. With too few labels (no rows, or one class) every feature
    is listed unscored and unselected, with target 'insufficient_labels', so a small or young data
    set still builds: the exclusions are then checked on every labelled row there is, and
    selection_note says what the labels were.
    """
    config = config or SelectionConfig()
    label_columns = [c for c in LABELS if c in rows.columns]
    feature_names = [c for c in rows.columns if c not in (*KEYS, *label_columns, *BOOKKEEPING)]
    # a fixed row order (by key) and a seeded sample of it: the seeded estimators then give the
    # same answer; only the sampled rows are copied and rounded
    order = rows[list(KEYS)].sort_values(list(KEYS)).index
    label_counts = []
    for target in label_columns:
        labelled = order[rows.loc[order, target].notna().to_numpy()]
        y = rows.loc[labelled, target].astype(bool).to_numpy()
        label_counts.append(f"{target} {len(y)} labelled, {int(y.sum())} true")
        if len(labelled) >= 2 and 0 < y.sum() < len(y):
            profile = feature_profile(rows, config, columns=feature_names, index=labelled)
            keep = _seeded_sample(len(labelled), config)
            features = rows.loc[labelled[keep], feature_names].apply(_rounded).reset_index(drop=True)
            customers = rows.loc[labelled[keep], "customer_id"].to_numpy()
            ranked = rank_features(features, y[keep], config, profile=profile, groups=customers)
            ranked.insert(1, "target", target)
            ranked["training_rows"] = len(y)
            ranked["positive_rate"] = float(y.mean())
            return ranked[list(RESULT_COLUMNS)]
    profile = feature_profile(rows, config, columns=feature_names)
    unscored = pd.DataFrame({"feature_name": feature_names})
    unscored["target"] = "insufficient_labels"
    for score in ("information_gain_bits", "mutual_information", "mi_permutation_baseline"):
        unscored[score] = np.nan
    unscored["fill_rate"] = profile.fill_rate.to_numpy()
    unscored["importance_rank"] = np.arange(1, len(unscored) + 1)
    unscored["correlation_cluster"] = None
    unscored["is_selected"] = False
    if rows.empty:
        unscored["exclusion_reason"] = "insufficient labels: no labelled rows to check"
        unscored["selection_note"] = None
    else:
        unscored["exclusion_reason"] = profile.exclusion_reason.to_numpy()
        why = f"not scored: no label has both classes ({'; '.join(label_counts) or 'no label columns'})"
        unscored["selection_note"] = [why if pd.isna(reason) else None for reason in profile.exclusion_reason]
    unscored["training_rows"] = 0
    unscored["positive_rate"] = np.nan
    return _typed(unscored[list(RESULT_COLUMNS)])


def feature_importance(
    rows: pd.DataFrame | Callable[[], pd.DataFrame],
    config: SelectionConfig,
    stored: pd.DataFrame | None = None,
    fingerprint: str | None = None,
) -> tuple[pd.DataFrame, Decision]:
    """The `feature_importance` model: the stored table when the labelled `rows` hash to its
    training_fingerprint and it was scored with the same settings (scoring takes a while and gives
    the same answer for the same rows and settings), else `feature_importance_table` with the
    fingerprint and settings; and the decision, reuse or not.

    The dbt model passes the fingerprint computed in the warehouse (warehouse_io.relation_fingerprint)
    and `rows` as a function that reads them: a build that reuses the stored table then transfers
    no row at all."""
    if fingerprint is None:
        rows = rows() if callable(rows) else rows
        fingerprint = training_fingerprint(rows)
    settings = config.settings()
    reuse = can_reuse_importance(stored, fingerprint, settings)
    if reuse and stored is not None:
        return stored, reuse
    rows = rows() if callable(rows) else rows
    ranked = feature_importance_table(rows, config)
    ranked["training_fingerprint"] = fingerprint
    ranked["selection_settings"] = settings
    return ranked, reuse


def latest_snapshot(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of the latest as_of_date (what the docs' feature overview plot shows)."""
    return rows[rows.as_of_date == rows.as_of_date.max()]
