"""Customer segmentation: K-means with k chosen by elbow and silhouette, stable ids, names that
hold against the segment's profile, and a refusal with a rule-based fallback when the data cannot
be clustered.

Used by the dbt Python models in models/ml/segmentation/; importable and
tested without dbt. Every random state is seeded.

- `screen_features`: which of var segmentation_features carry information among the customers
  being clustered; one that is all null, has one distinct value, is near-constant (one value in
  at least NEAR_CONSTANT_SHARE of the customers) or has no spread where the scaling was fitted
  (feature_scaling_params.has_spread false, so customer_features_scaled holds a constant) is
  dropped, with its reason. It is never turned into a constant column of the clustering.
- `prepare_matrix`: the scaled features (customer_features_scaled: log(1 + x)
  for skewed counts and amounts) as a float matrix, re-standardised on the
  customers being clustered so each feature weighs the same; a missing "days
  since" value (never happened) becomes the column's largest value, any other
  missing value 0 (the mean).
- `k_selection`: for each k, inertia (on all rows, or a seeded sample of
  `max_fit_rows` beyond that), silhouette (on a fixed-size
  seeded sample), Calinski-Harabasz, Davies-Bouldin and the populated clusters; the elbow pick
  is the kneedle point of the inertia curve, the silhouette pick its maximum. The
  chosen k is the silhouette pick (it judges separation directly; the elbow
  only the rate of improvement), or a forced k. A chosen fit that is degenerate (one populated
  cluster, silhouette undefined, or the customers on a few identical points: silhouette of at
  least DEGENERATE_SILHOUETTE or inertia at most DEGENERATE_INERTIA_SHARE of the total sum of
  squares) is refused.
- Refusal (`refusal_before_fit`, `refusal_of_fit`): too few customers (var
  segmentation_min_customers), fewer than two informative features, or a degenerate fit. A
  refusal is a status with its reason, recorded in segmentation_k_selection and
  segmentation_runs; customer_segments then holds the rule-based fallback (`rule_segments`).
- `fit_kmeans`: exact K-means up to `minibatch_threshold` rows, MiniBatchKMeans
  above; then clusters are put in a canonical order (by centroid, lexically),
  so ids do not depend on the order of the input rows.
- `match_previous`: Hungarian matching of the new centroids to the centroids
  of the previous run's segments (recomputed on today's features), so a
  segment keeps its id between builds; unmatched clusters get new ids.
- `segment_stats`, `name_segments`: each segment's profile (buyer and repeat-buyer shares,
  median recency and tenure, mean revenue, sessions, discount share) against the population's,
  and names by NAME_RULES, so that every word of a name is a claim its profile makes true.
- `choose_k`, `segment_customers`, `segmentation_run`: what the three dbt models
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

# the features in original units that segment names, the fallback rules and the docs' profile plot are made of
PROFILE_COLUMNS = [
    "orders_lifetime",
    "orders_365d",
    "revenue_lifetime",
    "revenue_365d",
    "recency_days",
    "tenure_days",
    "sessions_90d",
    "discount_share",
]
# a feature is near-constant, and not clustered, when one value (null counted as a value) holds this share
NEAR_CONSTANT_SHARE = 0.99
# a fit is degenerate (the customers sit on a few identical points) at this silhouette or above ...
DEGENERATE_SILHOUETTE = 0.99
# ... or with an inertia of at most this share of the total sum of squares
DEGENERATE_INERTIA_SHARE = 1e-6

STATUS_OK, STATUS_REFUSED = "ok", "refused"
METHOD_KMEANS, METHOD_RULES = "kmeans", "rules"


# --- which features carry information ----------------------------------------------------------


@dataclass(frozen=True)
class FeatureScreen:
    """The segmentation features split into those clustered and those dropped, each with its reason."""

    kept: list[str]
    dropped: dict[str, str]

    @property
    def dropped_text(self) -> str | None:
        """'feature: reason; ...' in the order of the features, or None when none is dropped."""
        return "; ".join(f"{name}: {reason}" for name, reason in self.dropped.items()) or None


def _number(value: object) -> str:
    return "null" if pd.isna(value) else f"{float(value):g}"  # type: ignore[arg-type]


def screen_features(
    scaled: pd.DataFrame,
    features: list[str],
    raw: pd.DataFrame | None = None,
    scaling: pd.DataFrame | None = None,
    max_dominant_share: float = NEAR_CONSTANT_SHARE,
) -> FeatureScreen:
    """Which of `features` carry information among these customers, in order. Dropped, with the
    reason: all null; no spread (one distinct value); near-constant (one value, null counted as a
    value, in at least `max_dominant_share` of the customers); no spread on the rows the scaling
    was fitted on (`scaling`, feature_scaling_params, says has_spread false: the scaled column is a
    constant); no spread after scaling. `scaled`: customer_features_scaled; `raw`: the same
    customers' features in original units (dim_customer_features), so reasons read in those units."""
    kept: list[str] = []
    dropped: dict[str, str] = {}
    n = len(scaled)
    fitted = scaling.set_index("feature_name") if scaling is not None and "has_spread" in scaling.columns else None
    for name in features:
        source = raw if raw is not None and name in raw.columns else scaled
        # rounded past float noise: a sum that differs in the last bits is the same value
        values = pd.to_numeric(source[name], errors="coerce").astype("float64").round(9)
        present = values.dropna()
        if present.empty:
            dropped[name] = "all null (no customer has a value)"
            continue
        distinct = present.unique()
        if len(distinct) == 1:
            null_share = 1 - len(present) / n
            value = _number(distinct[0])
            dropped[name] = (
                f"no spread (every customer {value})"
                if null_share == 0
                else f"no spread ({value} for every customer with a value; {null_share:.0%} null)"
            )
            continue
        counts = values.value_counts(dropna=False)
        if counts.iloc[0] / n >= max_dominant_share:
            dropped[name] = f"near-constant ({_number(counts.index[0])} for {counts.iloc[0] / n:.1%} of customers)"
            continue
        if fitted is not None and name in fitted.index and not bool(fitted.loc[name, "has_spread"]):
            where = fitted.loc[name]
            dropped[name] = (
                f"no spread on the {int(where.fitted_on_rows):,} {where.fitted_on} rows the scaling was fitted on "
                "(scaled to a constant)"
            )
            continue
        spread = pd.to_numeric(scaled[name], errors="coerce").astype("float64").std(ddof=0)
        if not spread > 1e-9:
            dropped[name] = f"no spread after scaling (standard deviation {_number(spread)})"
            continue
        kept.append(name)
    return FeatureScreen(kept=kept, dropped=dropped)


def refusal_before_fit(
    customer_count: int, screen: FeatureScreen, min_customers: int, k_min: int, forced_k: int | None = None
) -> str | None:
    """Why the customers cannot be clustered at all (None when they can): too few customers (var
    segmentation_min_customers, and more than k_min or the forced k), or fewer than two
    informative features."""
    if customer_count < min_customers:
        return f"too few customers: {customer_count:,} (var segmentation_min_customers is {min_customers:,})"
    needed = max(k_min, forced_k or 0) + 1
    if customer_count < needed:
        return f"too few customers: {customer_count:,} (K-means at k = {needed - 1} needs at least {needed})"
    if len(screen.kept) < 2:
        kept = ", ".join(screen.kept) or "none"
        return f"fewer than two informative features ({kept}); the others have no spread"
    return None


def refusal_of_fit(row: pd.Series, total_sum_of_squares: float) -> str | None:
    """Why the fit at row.k (a row of the k_selection table) is no segmentation (None when it is
    one): one populated cluster, silhouette undefined, or a degenerate fit."""
    k = int(row["k"])
    if row["populated_clusters"] < 2:
        return f"one populated cluster at k = {k}"
    if pd.isna(row["silhouette"]):
        return f"silhouette undefined at k = {k} (one populated cluster in the silhouette sample)"
    share = row["inertia"] / total_sum_of_squares if total_sum_of_squares > 0 else 0.0
    if row["silhouette"] >= DEGENERATE_SILHOUETTE or share <= DEGENERATE_INERTIA_SHARE:
        return (
            f"degenerate fit at k = {k}: silhouette {row['silhouette']:.3f}, inertia {row['inertia']:.3g} "
            f"({share:.2g} of the total sum of squares): the customers sit on a few identical points"
        )
    return None


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
    status: str = STATUS_OK
    status_reason: str | None = None


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
    """Score every k in [k_min, k_max] (and a forced k) and pick one; a degenerate pick is refused
    (status 'refused', nothing chosen, the reason in status_reason).

    Beyond `max_fit_rows` customers the candidates are fitted on a seeded sample of that many
    (the choice of k needs the shape of the data, not every row); customer_segments still fits
    the chosen k on everyone. Callers check the customer count first (refusal_before_fit); asked
    for more clusters than rows, this raises.
    """
    n = len(X)
    k_max = min(k_max, n - 1)
    if k_max < k_min:
        raise ValueError(f"need more than {k_min} customers to segment, got {n}")
    X = X[_sample(n, max_fit_rows, random_state)]
    sample = _sample(len(X), sample_size, random_state)
    total_sum_of_squares = float(((X - X.mean(axis=0)) ** 2).sum())
    ks = sorted({*range(k_min, k_max + 1), *([int(forced_k)] if forced_k and forced_k < n else [])})
    rows = []
    for k in ks:
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
                "populated_clusters": len(np.unique(labels)),
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
    refusal = refusal_of_fit(table.loc[table.k == chosen].iloc[0], total_sum_of_squares)
    table["is_elbow_pick"] = table.k == elbow_k
    table["is_silhouette_pick"] = table.k == silhouette_k
    table["is_chosen"] = (table.k == chosen) & (refusal is None)
    table["rule"] = pd.array([rule if chosen_row else None for chosen_row in table.is_chosen], dtype="string")
    return KSelection(
        table=table,
        elbow_k=elbow_k,
        silhouette_k=silhouette_k,
        chosen_k=chosen,
        rule=rule,
        status=STATUS_OK if refusal is None else STATUS_REFUSED,
        status_reason=refusal,
    )


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
Names come from each segment's profile compared with the population's (every customer segmented);
every word is a claim the profile makes true, and test_shapes_build checks each claim on every
generator shape against segment_profiles. Profile: buyer share (orders_lifetime >= 1), repeat-buyer
share (orders_lifetime >= 2, of all the segment's customers and of its buyers), median recency
(days since the last order, buyers), median tenure, mean lifetime revenue, mean sessions in 90
days, mean discount share (buyers).

  buyer share below 50 %          -> "browsers" when the segment has sessions, else "prospects":
      "new ..."      median tenure below the population's median tenure,
      "engaged ..."  else mean sessions above the population's mean,
      "dormant ..."  else (mean sessions at most the population's; browsers only);
  buyers (buyer share at least 50 %):
      regular = repeat-buyer share above the population's and at least 50 %;
      lapsed  = median recency above the population's median recency (of buyers);
      high value = mean lifetime revenue above 1.5 x the population's mean;
      regular and lapsed              -> "at-risk regulars"
      regular and high value          -> "high-value loyal"
      regular                         -> "active regulars"
      else the noun is "one-time buyers" when fewer than half of the segment's buyers ordered
      twice, "occasional buyers" when at least half did (the segment is still not above the
      population's repeat share), after "lapsed" (lapsed), "new" (median tenure below the
      population's median) or "recent" (median recency at most the population's);
      high value adds "high-value";
  a mean discount share above 1.5 x the population's adds "bargain-driven".
Two segments with the same name are told apart by their most distinguishing feature, then by a
number in size order.

Claims a name makes (checked on every generator shape): "loyal" and "regular": repeat-buyer share
above the population's and at least 50 %; "browser": buyer share below 50 % and some sessions;
"prospect": buyer share below 50 %; "new": median tenure
below the population's median; "high-value": mean lifetime revenue above the population's mean;
"lapsed" and "at-risk": median recency above the population's median; "active" and "recent":
median recency at most the population's median; "one-time": under half of its buyers ordered
twice; "occasional" and "repeat": at least half did; "engaged": mean sessions above the
population's; "dormant": at most the population's; "bargain": mean discount share above the
population's; "no orders": no customer of the segment ordered.

Fallback (segment_method 'rules', when segmentation is refused): one segment per lifecycle rule,
each rule comparing a customer with the population medians, so its name's claims hold for every
member: "no orders yet" (no order), "lapsed one-time buyers" (one order, recency above the
median), "new one-time buyers" (one order, not lapsed, tenure below the median), "recent
one-time buyers" (one order, the rest), "active repeat buyers" (two or more orders, recency at
most the median), "lapsed repeat buyers" (two or more orders, recency above the median).
""".strip()

# the fallback's segments: id, name, rule (filled with the population medians)
RULE_SEGMENTS = {
    0: ("no orders yet", "rule: no order yet"),
    1: ("new one-time buyers", "rule: 1 order, last order at most {recency:g} days ago, tenure below {tenure:g} days"),
    2: ("recent one-time buyers", "rule: 1 order, last order at most {recency:g} days ago, tenure {tenure:g}+ days"),
    3: ("lapsed one-time buyers", "rule: 1 order, last order more than {recency:g} days ago"),
    4: ("active repeat buyers", "rule: 2+ orders, last order at most {recency:g} days ago"),
    5: ("lapsed repeat buyers", "rule: 2+ orders, last order more than {recency:g} days ago"),
}


def segment_stats(frame: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """One row per value of `by` (one row, index 0, for everyone when None): customer_count,
    buyer_share, repeat_buyer_share, repeat_share_of_buyers, avg_orders_lifetime,
    median_recency_days (buyers), median_tenure_days, avg_revenue_lifetime, avg_sessions_90d,
    avg_discount_share (buyers). `frame`: customers with the PROFILE_COLUMNS used here."""
    orders = pd.to_numeric(frame.orders_lifetime, errors="coerce").fillna(0).astype("float64")
    keys = frame[by] if by else pd.Series(0, index=frame.index)
    buyers = orders >= 1
    parts = {
        "customer_count": orders.groupby(keys).size(),
        "buyer_share": buyers.astype(float).groupby(keys).mean(),
        "repeat_buyer_share": (orders >= 2).astype(float).groupby(keys).mean(),
        "repeat_share_of_buyers": (orders[buyers] >= 2).astype(float).groupby(keys[buyers]).mean(),
        "avg_orders_lifetime": orders.groupby(keys).mean(),
        "median_recency_days": pd.to_numeric(frame.recency_days, errors="coerce").astype(float).groupby(keys).median(),
        "median_tenure_days": pd.to_numeric(frame.tenure_days, errors="coerce").astype(float).groupby(keys).median(),
        "avg_revenue_lifetime": pd.to_numeric(frame.revenue_lifetime, errors="coerce")
        .astype(float)
        .fillna(0.0)
        .groupby(keys)
        .mean(),
        "avg_sessions_90d": pd.to_numeric(frame.sessions_90d, errors="coerce")
        .astype(float)
        .fillna(0.0)
        .groupby(keys)
        .mean(),
        "avg_discount_share": pd.to_numeric(frame.discount_share, errors="coerce").astype(float).groupby(keys).mean(),
    }
    return pd.DataFrame(parts)


def _segment_name(row: pd.Series, population: pd.Series) -> str:
    """The name of one segment by NAME_RULES (before making names unique)."""
    new = row.median_tenure_days < population.median_tenure_days
    high_value = (
        population.avg_revenue_lifetime > 0 and row.avg_revenue_lifetime > 1.5 * population.avg_revenue_lifetime
    )
    if not row.buyer_share >= 0.5:
        if row.avg_sessions_90d > 0:
            if new:
                name = "new browsers"
            elif row.avg_sessions_90d > population.avg_sessions_90d:
                name = "engaged browsers"
            else:
                name = "dormant browsers"
        else:
            name = "new prospects" if new else "prospects"
    else:
        lapsed = row.median_recency_days > population.median_recency_days
        regular = row.repeat_buyer_share > population.repeat_buyer_share and row.repeat_buyer_share >= 0.5
        if regular and lapsed:
            name = "at-risk regulars"
        elif regular and high_value:
            name = "high-value loyal"
        elif regular:
            name = "active regulars"
        else:
            noun = "one-time buyers" if row.repeat_share_of_buyers < 0.5 else "occasional buyers"
            name = f"{'lapsed' if lapsed else 'new' if new else 'recent'} {noun}"
        if high_value and not name.startswith("high-value"):
            name = f"high-value {name}"
    if population.avg_discount_share > 0 and row.avg_discount_share > 1.5 * population.avg_discount_share:
        name = f"bargain-driven {name}"
    return name


def name_segments(stats: pd.DataFrame, population: pd.Series, distinguishing: dict[int, list[str]]) -> dict[int, str]:
    """Readable, unique names by NAME_RULES. `stats`: segment_stats by segment id; `population`:
    segment_stats of everyone (its one row); `distinguishing`: per segment, its most
    distinguishing features (told apart by the first when two names collide)."""
    names = {int(seg): _segment_name(row, population) for seg, row in stats.iterrows()}
    by_name: dict[str, list[int]] = {}
    for seg, name in names.items():
        by_name.setdefault(name, []).append(seg)
    for name, segs in by_name.items():
        if len(segs) > 1:
            for seg in segs:
                top = distinguishing.get(seg, [])
                names[seg] = f"{name} ({top[0]})" if top else name
    seen: dict[str, int] = {}
    for seg in sorted(names, key=lambda s: (-stats.loc[s, "customer_count"], s)):
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
    min_customers: int = 50

    @property
    def key(self) -> str:
        """The settings a stored choice was made with, as stored in its `settings` column."""
        return repr([self.features, self.k_min, self.k_max, self.forced_k, self.random_state])


def _refused_selection(settings: KSelectionSettings, reason: str) -> pd.DataFrame:
    """The segmentation_k_selection table when the customers cannot be clustered: one row per
    candidate k, nothing scored or chosen."""
    ks = list(range(settings.k_min, settings.k_max + 1))
    none = [None] * len(ks)
    return pd.DataFrame(
        {
            "k": ks,
            "inertia": np.nan,
            "silhouette": np.nan,
            "calinski_harabasz": np.nan,
            "davies_bouldin": np.nan,
            "populated_clusters": pd.array(none, dtype="Int64"),
            "is_elbow_pick": False,
            "is_silhouette_pick": False,
            "is_chosen": False,
            "rule": pd.array(none, dtype="string"),
            "status": STATUS_REFUSED,
            "status_reason": reason,
        }
    )


def _reuse_decision(
    stored: pd.DataFrame | None,
    settings: KSelectionSettings,
    screen: FeatureScreen,
    data_date: date,
    customer_count: int,
    reselect_after_days: int,
) -> Decision:
    """Choose k again, or keep the stored choice: a stored refusal, a choice without the
    screening columns or one made on other informative features is examined again; otherwise
    reuse.should_reselect_k decides."""
    if stored is not None and not stored.empty:
        if not {"status", "features_used"} <= set(stored.columns):
            return Decision(True, "the stored choice of k predates the feature screen (no status, features_used)")
        if (stored["status"] != STATUS_OK).any():
            return Decision(True, "the stored choice is a refusal: examined again every build")
        used = ", ".join(screen.kept)
        if set(stored["features_used"]) != {used}:
            return Decision(True, f"the informative features changed: now {used}")
    return should_reselect_k(stored, settings.key, data_date, customer_count, reselect_after_days)


def choose_k(
    frame: pd.DataFrame,
    settings: KSelectionSettings,
    data_date: date,
    stored: pd.DataFrame | None = None,
    reselect_after_days: int = 0,
    raw: pd.DataFrame | None = None,
    scaling: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, Decision]:
    """The `segmentation_k_selection` model, and whether it chose again. `frame`:
    customer_features_scaled (customer_id and the features); `raw`: the same customers in
    original units (dim_customer_features), `scaling`: feature_scaling_params, for the feature
    screen. Every build screens the features and checks the customer count; a refusal (status
    'refused' with its reason on every row, nothing chosen) is never kept from a previous build.
    Otherwise the stored choice while `_reuse_decision` says it holds, else every candidate k
    scored on the informative features with the chosen one marked (or a degenerate fit refused)."""
    # a fixed row order: K-means' seeded initialisation depends on it
    frame = frame.sort_values("customer_id").reset_index(drop=True)
    screen = screen_features(frame, settings.features, raw, scaling)
    forced_k = int(settings.forced_k or 0) or None
    refusal = refusal_before_fit(len(frame), screen, settings.min_customers, settings.k_min, forced_k)
    if refusal is not None:
        table = _refused_selection(settings, refusal)
        decision = Decision(True, f"segmentation refused: {refusal}")
    else:
        decision = _reuse_decision(stored, settings, screen, data_date, len(frame), reselect_after_days)
        if not decision and stored is not None:
            return stored, decision
        selection = k_selection(
            prepare_matrix(frame, screen.kept),
            k_min=settings.k_min,
            k_max=settings.k_max,
            forced_k=forced_k,
            sample_size=settings.sample_size,
            random_state=settings.random_state,
            minibatch_threshold=settings.minibatch_threshold,
        )
        table = selection.table
        table["status"] = selection.status
        table["status_reason"] = pd.array([selection.status_reason] * len(table), dtype="string")
    table["features_used"] = ", ".join(screen.kept)
    table["dropped_features"] = pd.array([screen.dropped_text] * len(table), dtype="string")
    table["customer_count"] = len(frame)
    table["data_as_of_date"] = pd.Timestamp(data_date).date()
    table["settings"] = settings.key
    return table, decision


def selection_status(selection: pd.DataFrame) -> tuple[str, str | None]:
    """(status, reason) of a segmentation_k_selection table; a table from before the refusal
    columns is 'ok'."""
    if "status" not in selection.columns or selection.empty:
        return STATUS_OK, None
    reason = selection["status_reason"].iloc[0]
    return str(selection["status"].iloc[0]), None if pd.isna(reason) else str(reason)


def selection_features(selection: pd.DataFrame, default: list[str]) -> list[str]:
    """The features segmentation_k_selection clustered (its features_used), else `default`."""
    if "features_used" not in selection.columns or selection.empty or pd.isna(selection["features_used"].iloc[0]):
        return list(default)
    return [f for f in str(selection["features_used"].iloc[0]).split(", ") if f]


def chosen_k(selection: pd.DataFrame) -> int:
    """The k segmentation_k_selection chose."""
    chosen = selection.loc[selection.is_chosen.astype(bool), "k"]
    if chosen.empty:
        raise ValueError("segmentation_k_selection: no row has is_chosen = true")
    return int(chosen.iloc[0])


# the columns of customer_segments, in order
SEGMENT_COLUMNS = [
    "customer_id",
    "segment_id",
    "segment_name",
    "segment_top_features",
    "segment_method",
    "distance_to_centroid",
    "second_nearest_segment_id",
    "distance_to_second_nearest",
    "previous_segment_id",
    "as_of_date",
    "segment_count",
]


@dataclass
class SegmentAssignment:
    table: pd.DataFrame  # customer_segments
    profile: pd.DataFrame  # one row per segment name: mean PROFILE_COLUMNS (the docs' heat map)


def segment_customers(
    scaled: pd.DataFrame,
    profiles: pd.DataFrame,
    selection: pd.DataFrame,
    features: list[str],
    previous: pd.DataFrame | None = None,
    random_state: int = 0,
    minibatch_threshold: int = 200_000,
) -> SegmentAssignment:
    """The `customer_segments` model: K-means at the k segmentation_k_selection chose, on the
    features it found informative (`features` when it does not say); the rule-based fallback
    when it refused (or when K-means populates fewer than two segments on all customers)."""
    status, _ = selection_status(selection)
    if status != STATUS_OK:
        return rule_segments(profiles, previous)
    used = selection_features(selection, features)
    return assign_segments(
        scaled,
        profiles,
        used,
        chosen_k(selection),
        previous,
        random_state=random_state,
        minibatch_threshold=minibatch_threshold,
    )


def _same_method(previous: pd.DataFrame | None, method: str) -> pd.DataFrame | None:
    """The previous build's segments when they were made by `method` (ids of another method are
    another partition: not compared); a table from before segment_method is K-means."""
    if previous is None or previous.empty:
        return None
    if "segment_method" in previous.columns and not (previous["segment_method"] == method).all():
        return None
    if "segment_method" not in previous.columns and method != METHOD_KMEANS:
        return None
    return previous


def _profile_frame(profiles: pd.DataFrame, customer_ids: pd.Series, segment_ids: np.ndarray) -> pd.DataFrame:
    joined = profiles.set_index("customer_id").loc[customer_ids].reset_index()
    joined["segment_id"] = segment_ids
    return joined


def _plotted_profile(joined: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    profile = joined.groupby("segment_id")[PROFILE_COLUMNS].mean()
    return profile.rename(index=names).rename_axis("segment_name").reset_index()


def assign_segments(
    scaled: pd.DataFrame,
    profiles: pd.DataFrame,
    features: list[str],
    k: int,
    previous: pd.DataFrame | None = None,
    random_state: int = 0,
    minibatch_threshold: int = 200_000,
) -> SegmentAssignment:
    """K-means at `k` on `scaled` (customer_id, as_of_date and the scaled `features`), ids
    matched to the `previous` build's K-means segments (customer_id, segment_id), distances to
    the nearest and second-nearest centroid, and names from `profiles` (customer_id and
    PROFILE_COLUMNS in original units). Fewer than two populated segments: the rule-based
    fallback instead."""
    scaled = scaled.sort_values("customer_id").reset_index(drop=True)
    X = prepare_matrix(scaled, features)
    labels, centroids = fit_kmeans(X, k, random_state=random_state, minibatch_threshold=minibatch_threshold)
    if len(np.unique(labels)) < 2:
        return rule_segments(profiles, previous)
    previous = _same_method(previous, METHOD_KMEANS)
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

    # names from the profile in original units, against the population's
    joined = _profile_frame(profiles, out.customer_id, out.segment_id.to_numpy())
    top = distinguishing_features(pd.DataFrame(centroids, columns=features, index=ids))
    names = name_segments(segment_stats(joined, "segment_id"), segment_stats(joined).iloc[0], top)
    out["segment_name"] = out.segment_id.map(names)
    out["segment_top_features"] = out.segment_id.map(lambda s: ", ".join(top[int(s)]))
    out["segment_method"] = METHOD_KMEANS
    out["segment_count"] = out.segment_id.nunique()
    return SegmentAssignment(table=out[SEGMENT_COLUMNS], profile=_plotted_profile(joined, names))


def rule_segment_ids(profiles: pd.DataFrame, population: pd.Series) -> np.ndarray:
    """Each customer's RULE_SEGMENTS id, comparing them with the population medians of recency
    (buyers) and tenure."""
    orders = pd.to_numeric(profiles.orders_lifetime, errors="coerce").fillna(0).to_numpy()
    recency = pd.to_numeric(profiles.recency_days, errors="coerce").astype(float).to_numpy()
    tenure = pd.to_numeric(profiles.tenure_days, errors="coerce").astype(float).to_numpy()
    lapsed = recency > population.median_recency_days  # false for nulls
    new = tenure < population.median_tenure_days
    return np.select(
        [orders < 1, (orders < 2) & lapsed, (orders < 2) & new, orders < 2, ~lapsed],
        [0, 3, 1, 2, 4],
        default=5,
    )


def rule_segments(profiles: pd.DataFrame, previous: pd.DataFrame | None = None) -> SegmentAssignment:
    """The fallback of customer_segments (segment_method 'rules'): lifecycle segments by
    RULE_SEGMENTS from `profiles` (customer_id, as_of_date, PROFILE_COLUMNS); fixed ids, the rule
    in segment_top_features, no centroid distances."""
    profiles = profiles.sort_values("customer_id").reset_index(drop=True)
    population = segment_stats(profiles).iloc[0]
    ids = rule_segment_ids(profiles, population)
    previous = _same_method(previous, METHOD_RULES)
    previous_ids = pd.array([None] * len(profiles), dtype="Int64")
    if previous is not None:
        merged = profiles[["customer_id"]].merge(previous[["customer_id", "segment_id"]], on="customer_id", how="left")
        previous_ids = pd.array(merged.segment_id, dtype="Int64")
    medians = {"recency": population.median_recency_days, "tenure": population.median_tenure_days}
    out = pd.DataFrame(
        {
            "customer_id": profiles.customer_id,
            "segment_id": ids,
            "segment_name": [RULE_SEGMENTS[i][0] for i in ids],
            "segment_top_features": [RULE_SEGMENTS[i][1].format(**medians) for i in ids],
            "segment_method": METHOD_RULES,
            "distance_to_centroid": np.nan,
            "second_nearest_segment_id": pd.array([None] * len(profiles), dtype="Int64"),
            "distance_to_second_nearest": np.nan,
            "previous_segment_id": previous_ids,
            "as_of_date": profiles["as_of_date"] if "as_of_date" in profiles.columns else None,
            "segment_count": len(np.unique(ids)),
        }
    )
    names = {i: RULE_SEGMENTS[i][0] for i in np.unique(ids)}
    return SegmentAssignment(
        table=out[SEGMENT_COLUMNS], profile=_plotted_profile(_profile_frame(profiles, out.customer_id, ids), names)
    )


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
    """The `segmentation_runs` model's row for this build: the status ('ok', or 'refused' with its
    reason and the rule-based fallback in customer_segments), the features clustered and those
    dropped with their reasons, k and how it was chosen, its metrics (K-means only), customers
    moved since the previous build, and the agreement (adjusted Rand index) with the previous
    build and with Ward hierarchical clustering on a sample."""
    segments = segments.sort_values("customer_id").reset_index(drop=True)
    method = str(segments.segment_method.iloc[0]) if "segment_method" in segments.columns else METHOD_KMEANS
    status, reason = selection_status(selection)
    used = selection_features(selection, features)
    chosen = selection[selection.is_chosen.astype(bool)]
    k = int(chosen.k.iloc[0]) if len(chosen) else None
    had_previous = segments.previous_segment_id.notna()
    before, now = segments.previous_segment_id[had_previous], segments.segment_id[had_previous]
    row: dict[str, object] = {
        "run_at": run_at or datetime.now(UTC).replace(tzinfo=None),
        "as_of_date": segments.as_of_date.max(),
        "feature_list": ", ".join(features),
        "customer_count": len(segments),
        "k": k,
        "k_rule": chosen.rule.iloc[0] if len(chosen) else None,
        "algorithm": "lifecycle rules",
        "inertia": np.nan,
        "silhouette": np.nan,
        "calinski_harabasz": np.nan,
        "davies_bouldin": np.nan,
        "customers_compared_with_previous": int(had_previous.sum()),
        "customers_moved_segment": int((before != now).sum()),
        "adjusted_rand_vs_previous": float(adjusted_rand_score(before, now)) if had_previous.any() else np.nan,
        "adjusted_rand_vs_hierarchical": np.nan,
        "status": STATUS_OK,
        "status_reason": None,
        "segment_method": method,
        "segment_count": int(segments.segment_id.nunique()),
        "features_used": ", ".join(used),
        "dropped_features": selection["dropped_features"].iloc[0] if "dropped_features" in selection.columns else None,
    }
    if method == METHOD_KMEANS:
        scaled = scaled.set_index("customer_id").loc[segments.customer_id].reset_index()
        X = prepare_matrix(scaled, used)
        picked = chosen.iloc[0]
        row |= {
            "algorithm": "MiniBatchKMeans" if len(X) > minibatch_threshold else "KMeans",
            "inertia": float(picked.inertia),
            "silhouette": float(picked.silhouette),
            "calinski_harabasz": float(picked.calinski_harabasz),
            "davies_bouldin": float(picked.davies_bouldin),
            "adjusted_rand_vs_hierarchical": hierarchical_agreement(
                X, segments.segment_id.to_numpy(), int(picked.k), random_state=random_state
            ),
        }
    else:
        row["status"] = STATUS_REFUSED
        row["status_reason"] = (
            reason
            if status != STATUS_OK
            else f"one populated cluster at k = {k} when fitted on all {len(segments):,} customers"
        )
    out = pd.DataFrame([row])
    for column in ("k_rule", "status_reason", "dropped_features"):
        out[column] = out[column].astype("string")
    out["k"] = out["k"].astype("Int64")
    return out
