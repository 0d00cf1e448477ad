"""Customer segmentation: K-means with k chosen by elbow and silhouette, stable ids, readable names.

Used by the dbt Python models in models/ml/segmentation/; importable and
tested without dbt. Every random state is seeded.

- `prepare_matrix`: the scaled features (customer_features_scaled: log(1 + x)
  for skewed counts and amounts) as a float matrix, re-standardised on the
  customers being clustered so each feature weighs the same; a missing "days
  since" value (never happened) becomes the column's largest value, any other
  missing value 0 (the mean).
- `k_selection`: for each k, inertia (on all rows, or a seeded sample of
  `max_fit_rows` beyond that), silhouette (on a fixed-size
  seeded sample), Calinski-Harabasz and Davies-Bouldin; the elbow pick is the
  kneedle point of the inertia curve, the silhouette pick its maximum. The
  chosen k is the silhouette pick (it judges separation directly; the elbow
  only the rate of improvement), or a forced k.
- `fit_kmeans`: exact K-means up to `minibatch_threshold` rows, MiniBatchKMeans
  above; then clusters are put in a canonical order (by centroid, lexically),
  so ids do not depend on the order of the input rows.
- `match_previous`: Hungarian matching of the new centroids to the centroids
  of the previous run's segments (recomputed on today's features), so a
  segment keeps its id between builds; unmatched clusters get new ids.
- `name_segments`: readable names from the profile, by documented rules, unique
  within a build.
- `choose_k`, `assign_segments`, `segmentation_run`: what the three dbt models
  (segmentation_k_selection, customer_segments, segmentation_runs) return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score, silhouette_score

from customer_journey.ml.reuse import Decision, should_reselect_k

# the features in original units that segment names and the docs' profile plot are made of
PROFILE_COLUMNS = ["orders_365d", "revenue_365d", "recency_days", "tenure_days", "sessions_30d", "discount_share"]


def prepare_matrix(frame: pd.DataFrame, features: list[str], standardize: bool = True) -> np.ndarray:
    """Float matrix of `features`, each re-standardised on these rows (mean 0, std 1) so every
    feature weighs the same in the distances; then a missing 'days since' value (never happened)
    becomes the column's largest value, any other missing value 0 (the mean)."""
    columns = []
    for name in features:
        col = pd.to_numeric(frame[name], errors="coerce").astype("float64")
        if standardize and col.notna().any():
            std = col.std(ddof=0)
            col = (col - col.mean()) / (std if std > 0 else 1.0)
        fill = col.max() if (name.startswith("days_since") or name == "recency_days") else 0.0
        columns.append(col.fillna(0.0 if pd.isna(fill) else fill).to_numpy())
    if not columns:
        return np.empty((len(frame), 0))
    # rounded past float noise: warehouse sums can differ in the last bits between builds
    return np.round(np.column_stack(columns), 9)


def kneedle(ks: np.ndarray, inertia: np.ndarray) -> int:
    """The elbow of a decreasing, convex curve: the point farthest below the chord from first to last."""
    ks = np.asarray(ks, dtype=float)
    y = np.asarray(inertia, dtype=float)
    if len(ks) < 3 or y[0] == y[-1]:
        return int(ks[0])
    x_norm = (ks - ks[0]) / (ks[-1] - ks[0])
    y_norm = (y - y[-1]) / (y[0] - y[-1])
    # distance below the straight line from (0, 1) to (1, 0)
    gap = (1.0 - x_norm) - y_norm
    return int(ks[int(np.argmax(gap))])


def _kmeans(n_rows: int, k: int, random_state: int, minibatch_threshold: int, n_init: int):
    if n_rows > minibatch_threshold:
        return MiniBatchKMeans(n_clusters=k, random_state=random_state, n_init=n_init, batch_size=4096)
    return KMeans(n_clusters=k, random_state=random_state, n_init=n_init)


def _sample(n: int, size: int, random_state: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(random_state).choice(n, size=size, replace=False))


@dataclass(frozen=True)
class KSelection:
    table: pd.DataFrame
    elbow_k: int
    silhouette_k: int
    chosen_k: int
    rule: str


def k_selection(
    X: np.ndarray,
    k_min: int = 2,
    k_max: int = 10,
    forced_k: int | None = None,
    sample_size: int = 5000,
    random_state: int = 0,
    minibatch_threshold: int = 200_000,
    silhouette_tolerance: float = 0.5,
    max_fit_rows: int = 200_000,
) -> KSelection:
    """Score every k in [k_min, k_max] and pick one.

    Beyond `max_fit_rows` customers the candidates are fitted on a seeded sample of that many
    (the choice of k needs the shape of the data, not every row); customer_segments still fits
    the chosen k on everyone.
    """
    n = len(X)
    k_max = min(k_max, n - 1)
    if k_max < k_min:
        raise ValueError(f"need more than {k_min} customers to segment, got {n}")
    X = X[_sample(n, max_fit_rows, random_state)]
    sample = _sample(len(X), sample_size, random_state)
    rows = []
    for k in range(k_min, k_max + 1):
        model = _kmeans(n, k, random_state, minibatch_threshold, n_init=3).fit(X)
        labels = model.labels_
        sampled = labels[sample]
        ok = len(np.unique(sampled)) > 1
        rows.append(
            {
                "k": k,
                "inertia": float(model.inertia_),
                "silhouette": float(silhouette_score(X[sample], sampled, random_state=random_state)) if ok else np.nan,
                "calinski_harabasz": float(calinski_harabasz_score(X[sample], sampled)) if ok else np.nan,
                "davies_bouldin": float(davies_bouldin_score(X[sample], sampled)) if ok else np.nan,
            }
        )
    table = pd.DataFrame(rows)
    elbow_k = kneedle(table.k.to_numpy(), table.inertia.to_numpy())
    silhouette_k = int(table.loc[table.silhouette.idxmax(), "k"]) if table.silhouette.notna().any() else elbow_k
    best = table.silhouette.max()
    elbow_silhouette = table.loc[table.k == elbow_k, "silhouette"].iloc[0]
    if forced_k:
        chosen, rule = int(forced_k), "forced by var segmentation_k"
    elif elbow_k == silhouette_k:
        chosen, rule = silhouette_k, "elbow and silhouette agree"
    elif elbow_silhouette >= silhouette_tolerance * best:
        chosen, rule = elbow_k, f"elbow (its silhouette is at least {silhouette_tolerance:.0%} of the best)"
    else:
        chosen, rule = silhouette_k, "silhouette maximum (the elbow's clusters are not separated)"
    table["is_elbow_pick"] = table.k == elbow_k
    table["is_silhouette_pick"] = table.k == silhouette_k
    table["is_chosen"] = table.k == chosen
    table["rule"] = np.where(table.is_chosen, rule, np.array(None, dtype=object))
    return KSelection(table=table, elbow_k=elbow_k, silhouette_k=silhouette_k, chosen_k=chosen, rule=rule)


def fit_kmeans(
    X: np.ndarray, k: int, random_state: int = 0, minibatch_threshold: int = 200_000, n_init: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """(labels, centroids) with clusters in a canonical order: sorted by centroid, lexically."""
    model = _kmeans(len(X), k, random_state, minibatch_threshold, n_init).fit(X)
    centroids = model.cluster_centers_
    order = np.lexsort(np.round(centroids, 9).T[::-1])
    remap = np.empty(k, dtype=int)
    remap[order] = np.arange(k)
    return remap[model.labels_], centroids[order]


def distances(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """(n, k) Euclidean distances."""
    return np.sqrt(((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2))


def match_previous(centroids: np.ndarray, X: np.ndarray, previous_ids: np.ndarray | None) -> np.ndarray:
    """Segment id for each new cluster: the id of the previous segment it matches (Hungarian
    assignment on the distance between the new centroids and the previous segments' centroids
    on today's features), else a new id after the largest previous one. `previous_ids`: the
    previous segment id of each row of X (negative where unknown)."""
    k = len(centroids)
    if previous_ids is None or not (previous_ids >= 0).any():
        return np.arange(k)
    prev = sorted(int(p) for p in np.unique(previous_ids[previous_ids >= 0]))
    prev_centroids = np.array([X[previous_ids == p].mean(axis=0) for p in prev])
    cost = distances(centroids, prev_centroids)
    rows, cols = linear_sum_assignment(cost)
    ids = np.full(k, -1)
    for r, c in zip(rows, cols, strict=True):
        ids[r] = prev[c]
    next_id = max(prev) + 1
    for i in range(k):
        if ids[i] < 0:
            ids[i] = next_id
            next_id += 1
    return ids


def hierarchical_agreement(
    X: np.ndarray, labels: np.ndarray, k: int, sample_size: int = 3000, random_state: int = 0
) -> float:
    """Adjusted Rand index between K-means labels and Ward agglomerative clustering on a sample."""
    sample = _sample(len(X), sample_size, random_state)
    ward = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(X[sample])
    return float(adjusted_rand_score(labels[sample], ward))


# --- names --------------------------------------------------------------------------------------

NAME_RULES = """
Names come from the segment's averages in original units, compared with all customers':
  no orders on average (mean orders < 0.5):
      "new browsers" if tenure is below the overall median, "engaged browsers" if sessions in
      30 days are above the overall mean, else "dormant browsers";
  buyers:
      recent = mean recency below the buyers' overall mean recency;
      high value = mean 365-day revenue above 1.5 x the overall mean;
      frequent = mean 365-day orders above the overall mean;
      recent and high value           -> "high-value loyal"
      recent and frequent             -> "active regulars"
      recent                          -> "new buyers" if tenure is below the median, else "occasional buyers"
      lapsed and (frequent or high value) -> "at-risk former regulars"
      lapsed                          -> "lapsed one-off buyers"
  a discount share above 1.5 x the overall mean adds "bargain-driven"; two segments with the same
  name are told apart by their most distinguishing feature, then by size order.
""".strip()


def name_segments(profile: pd.DataFrame, overall: pd.Series, distinguishing: dict[int, list[str]]) -> dict[int, str]:
    """Readable, unique names. `profile`: one row per segment id with mean feature values in original
    units (columns orders_365d, revenue_365d, recency_days, tenure_days, sessions_30d, discount_share,
    customer_count); `overall`: the same means over all customers (plus median_tenure_days and
    buyers_recency_days)."""
    names: dict[int, str] = {}
    for seg, row in profile.iterrows():
        if row.orders_365d < 0.5:
            if row.tenure_days < overall.median_tenure_days:
                name = "new browsers"
            elif row.sessions_30d > overall.sessions_30d:
                name = "engaged browsers"
            else:
                name = "dormant browsers"
        else:
            recent = row.recency_days < overall.buyers_recency_days
            high_value = row.revenue_365d > 1.5 * overall.revenue_365d
            frequent = row.orders_365d > overall.orders_365d
            if recent and high_value:
                name = "high-value loyal"
            elif recent and frequent:
                name = "active regulars"
            elif recent:
                name = "new buyers" if row.tenure_days < overall.median_tenure_days else "occasional buyers"
            elif frequent or high_value:
                name = "at-risk former regulars"
            else:
                name = "lapsed one-off buyers"
        if row.discount_share > 1.5 * overall.discount_share and overall.discount_share > 0:
            name = f"bargain-driven {name}"
        names[int(seg)] = name
    # make them unique: add the most distinguishing feature, then a number by size
    by_name: dict[str, list[int]] = {}
    for seg, name in names.items():
        by_name.setdefault(name, []).append(seg)
    for name, segs in by_name.items():
        if len(segs) > 1:
            for seg in segs:
                top = distinguishing.get(seg, [])
                names[seg] = f"{name} ({top[0]})" if top else name
    seen: dict[str, int] = {}
    for seg in sorted(names, key=lambda s: -profile.loc[s, "customer_count"]):
        base = names[seg]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            names[seg] = f"{base} #{seen[base]}"
    return names


def distinguishing_features(centroids_scaled: pd.DataFrame, top: int = 3) -> dict[int, list[str]]:
    """Per segment, the features whose scaled centroid is farthest from 0 (the overall mean), signed."""
    out = {}
    for seg, row in centroids_scaled.iterrows():
        ranked = row.abs().sort_values(ascending=False).index[:top]
        out[int(seg)] = [f"{'high' if row[f] > 0 else 'low'} {f}" for f in ranked]
    return out


# --- the dbt models ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KSelectionSettings:
    """The segmentation vars the choice of k depends on (forced_k 0 or None: choose by elbow and
    silhouette)."""

    features: list[str]
    k_min: int
    k_max: int
    forced_k: int | None
    random_state: int
    sample_size: int
    minibatch_threshold: int

    @property
    def key(self) -> str:
        """The settings a stored choice was made with, as stored in its `settings` column."""
        return repr([self.features, self.k_min, self.k_max, self.forced_k, self.random_state])


def choose_k(
    frame: pd.DataFrame,
    settings: KSelectionSettings,
    data_date: date,
    stored: pd.DataFrame | None = None,
    reselect_after_days: int = 0,
) -> tuple[pd.DataFrame, Decision]:
    """The `segmentation_k_selection` model: the stored choice while `should_reselect_k` says it
    holds, else every candidate k scored on `frame` (customer_features_scaled) with the chosen one
    marked; and the decision, reselect or not."""
    reselect = should_reselect_k(stored, settings.key, data_date, len(frame), reselect_after_days)
    if not reselect and stored is not None:
        return stored, reselect
    # a fixed row order: K-means' seeded initialisation depends on it
    frame = frame.sort_values("customer_id").reset_index(drop=True)
    table = k_selection(
        prepare_matrix(frame, settings.features),
        k_min=settings.k_min,
        k_max=settings.k_max,
        forced_k=int(settings.forced_k or 0) or None,
        sample_size=settings.sample_size,
        random_state=settings.random_state,
        minibatch_threshold=settings.minibatch_threshold,
    ).table
    table["customer_count"] = len(frame)
    table["data_as_of_date"] = pd.Timestamp(data_date).date()
    table["settings"] = settings.key
    return table, reselect


def chosen_k(selection: pd.DataFrame) -> int:
    """The k segmentation_k_selection chose."""
    chosen = selection.loc[selection.is_chosen.astype(bool), "k"]
    if chosen.empty:
        raise ValueError("segmentation_k_selection: no row has is_chosen = true")
    return int(chosen.iloc[0])


@dataclass
class SegmentAssignment:
    table: pd.DataFrame  # customer_segments
    profile: pd.DataFrame  # one row per segment name: mean PROFILE_COLUMNS (the docs' heat map)


def assign_segments(
    scaled: pd.DataFrame,
    profiles: pd.DataFrame,
    features: list[str],
    k: int,
    previous: pd.DataFrame | None = None,
    random_state: int = 0,
    minibatch_threshold: int = 200_000,
) -> SegmentAssignment:
    """The `customer_segments` model: K-means at `k` on `scaled` (customer_id, as_of_date and the
    scaled `features`), ids matched to the `previous` build's segments (customer_id, segment_id),
    distances to the nearest and second-nearest centroid, and names from `profiles`
    (customer_id and PROFILE_COLUMNS in original units)."""
    scaled = scaled.sort_values("customer_id").reset_index(drop=True)
    X = prepare_matrix(scaled, features)
    labels, centroids = fit_kmeans(X, k, random_state=random_state, minibatch_threshold=minibatch_threshold)
    previous_ids = None
    if previous is not None:
        previous_ids = (
            scaled[["customer_id"]]
            .merge(previous[["customer_id", "segment_id"]], on="customer_id", how="left")
            .segment_id.fillna(-1)
            .astype(int)
            .to_numpy()
        )
    ids = match_previous(centroids, X, previous_ids)
    out = _nearest_segments(scaled, X, centroids, ids, labels, previous_ids)

    # names from the profile in original units
    joined = profiles.set_index("customer_id").loc[out.customer_id].reset_index(drop=True)
    joined["segment_id"] = out.segment_id.to_numpy()
    profile = joined.groupby("segment_id")[PROFILE_COLUMNS].mean()
    profile["customer_count"] = joined.groupby("segment_id").size()
    overall = joined[PROFILE_COLUMNS].mean()
    overall["median_tenure_days"] = joined.tenure_days.median()
    overall["buyers_recency_days"] = joined.loc[joined.orders_365d > 0, "recency_days"].mean()
    top = distinguishing_features(pd.DataFrame(centroids, columns=features, index=ids))
    names = name_segments(profile, overall, top)
    out.insert(2, "segment_name", out.segment_id.map(names))
    out.insert(3, "segment_top_features", out.segment_id.map(lambda s: ", ".join(top[int(s)])))
    out["segment_count"] = k
    plotted = profile.drop(columns="customer_count").rename(index=names).rename_axis("segment_name").reset_index()
    return SegmentAssignment(table=out, profile=plotted)


def _nearest_segments(
    scaled: pd.DataFrame,
    X: np.ndarray,
    centroids: np.ndarray,
    ids: np.ndarray,
    labels: np.ndarray,
    previous_ids: np.ndarray | None,
) -> pd.DataFrame:
    """Per customer: segment id, distance to its centroid, the second-nearest segment and its
    distance, and the previous build's segment (null when the customer is new or there was none)."""
    k = len(centroids)
    d = distances(X, centroids)
    order = np.argsort(d, axis=1)
    rows = np.arange(len(X))
    out = pd.DataFrame(
        {
            "customer_id": scaled.customer_id,
            "segment_id": ids[labels],
            "distance_to_centroid": d[rows, order[:, 0]],
            "second_nearest_segment_id": ids[order[:, 1]] if k > 1 else ids[order[:, 0]],
            "distance_to_second_nearest": d[rows, order[:, 1]] if k > 1 else np.nan,
            "previous_segment_id": pd.array(
                np.where(previous_ids >= 0, previous_ids, 0) if previous_ids is not None else np.zeros(len(X), int),
                dtype="Int64",
            ),
            "as_of_date": scaled.as_of_date,
        }
    )
    if previous_ids is None:
        out["previous_segment_id"] = pd.array([None] * len(out), dtype="Int64")
    else:
        out.loc[previous_ids < 0, "previous_segment_id"] = pd.NA
    return out


def segmentation_run(
    segments: pd.DataFrame,
    scaled: pd.DataFrame,
    selection: pd.DataFrame,
    features: list[str],
    random_state: int = 0,
    minibatch_threshold: int = 200_000,
    run_at: datetime | None = None,
) -> pd.DataFrame:
    """The `segmentation_runs` model's row for this build: k and how it was chosen, its metrics,
    customers moved since the previous build, and the agreement (adjusted Rand index) with the
    previous build and with Ward hierarchical clustering on a sample."""
    segments = segments.sort_values("customer_id").reset_index(drop=True)
    scaled = scaled.set_index("customer_id").loc[segments.customer_id].reset_index()
    chosen = selection[selection.is_chosen.astype(bool)].iloc[0]
    k = int(chosen.k)
    X = prepare_matrix(scaled, features)
    had_previous = segments.previous_segment_id.notna()
    before, now = segments.previous_segment_id[had_previous], segments.segment_id[had_previous]
    return pd.DataFrame(
        [
            {
                "run_at": run_at or datetime.now(UTC).replace(tzinfo=None),
                "as_of_date": segments.as_of_date.max(),
                "feature_list": ", ".join(features),
                "customer_count": len(segments),
                "k": k,
                "k_rule": chosen.rule,
                "algorithm": "MiniBatchKMeans" if len(X) > minibatch_threshold else "KMeans",
                "inertia": float(chosen.inertia),
                "silhouette": float(chosen.silhouette),
                "calinski_harabasz": float(chosen.calinski_harabasz),
                "davies_bouldin": float(chosen.davies_bouldin),
                "customers_compared_with_previous": int(had_previous.sum()),
                "customers_moved_segment": int((before != now).sum()),
                "adjusted_rand_vs_previous": float(adjusted_rand_score(before, now)) if had_previous.any() else np.nan,
                "adjusted_rand_vs_hierarchical": hierarchical_agreement(
                    X, segments.segment_id.to_numpy(), k, random_state=random_state
                ),
            }
        ]
    )
