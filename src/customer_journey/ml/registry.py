"""The model registry: a training run's rows (model_registry), the tables exploded from its JSON
columns (model_metrics, model_lift), and each target's training status (model_training_status).

A build trains a target's candidates and baselines when `reuse.should_retrain` says so;
`prediction.train_target` trains, validates out of time, applies the baseline and promotion gates
and saves the champion; this module shapes one registry row per candidate and baseline.

Every build records, per target, what happened and why (`training_status`, `status_reason` on its
rows): `trained` (candidates and baselines were fitted; the reason names the winner, or the stored
champion that stayed), `kept_champion` (the retrain decision kept the stored champion), `skipped`
(too few labels: one class only, overall or in a split) or `failed` (training raised an error; its
message). A build that trains nothing for a target appends one status row for it (model_version
`<target>-<status>`, no algorithm, no metrics), so a target is never silently untrained. Rows also
carry the label counts, the training and validation rows, and the time anchors the labels used
(int_data_calendar). model_metrics and model_lift are the registry's JSON columns exploded into rows,
by `explode_json`; model_training_status is each target's latest status and its current champion.

Right to erasure (docs/erasure.md): a champion trained before the erasure list last changed
(marts.rpt_erasure_audit, `erasure_changed_at`) may have learned from a person erased since. The
next build retrains its target without it (the stored champion cannot stay: the run's winner is
promoted), and the artefacts of that target trained before the change are deleted from the model
directory (listed in `RegistryUpdate.stale_artefacts`). When the retrain cannot produce a champion (too few
labels, var retrain never) the old champion stays, and the status reason says it predates the erasure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from customer_journey.ml.baselines import BASELINE_COLUMNS, baselines
from customer_journey.ml.features import LABELS
from customer_journey.ml.prediction import KEYS, TooFewLabelsError, TrainingResult, train_target
from customer_journey.ml.reuse import Decision, should_retrain, trained_before_erasure
from customer_journey.ml.warehouse_io import to_pandas

# target -> its label column in fct_customer_labels
TARGETS = {"churn": "is_churned", "purchase": "will_purchase"}
STATUSES = ("trained", "kept_champion", "skipped", "failed")
COLUMNS = [
    "model_version",
    "target",
    "algorithm",
    "hyperparameters",
    "feature_list",
    "validation_scheme",
    "train_dates",
    "validation_date",
    "selection_metric",
    "training_status",
    "status_reason",
    "time_anchor_basis",
    "selection_score",
    "challenger_score",
    "champion_score_before",
    "train_validation_gap",
    "labelled_rows",
    "positive_labels",
    "negative_labels",
    "train_rows",
    "validation_rows",
    "horizon_days",
    "snapshot_every_days",
    "is_champion",
    "is_baseline",
    "is_fallback_feature_list",
    "artefact_path",
    "artefact_sha256",
    "metrics_json",
    "lift_json",
    "reliability_json",
    "trained_at",
]
SCORE_COLUMNS = ("champion_score_before", "selection_score", "challenger_score", "train_validation_gap")
COUNT_COLUMNS = (
    "labelled_rows",
    "positive_labels",
    "negative_labels",
    "train_rows",
    "validation_rows",
    "horizon_days",
    "snapshot_every_days",
)
FLAG_COLUMNS = ("is_champion", "is_baseline", "is_fallback_feature_list")


@dataclass(frozen=True)
class RegistrySettings:
    """model_registry's config (vars random_state, model_selection_metric, promotion_margin,
    retrain, retrain_after_days, validation_holdout_share, max_training_rows; env CJ_MODEL_DIR)."""

    random_state: int
    selection_metric: str
    promotion_margin: float
    retrain: str
    retrain_after_days: int
    artefact_dir: Path
    holdout_share: float
    max_training_rows: int


@dataclass(frozen=True)
class TimeAnchors:
    """The label horizons and snapshot cadence the labels were made with (int_data_calendar)."""

    churn_horizon_days: int = 90
    purchase_horizon_days: int = 30
    snapshot_every_days: int = 14
    time_anchor_basis: str = "defaults (int_data_calendar not read)"

    def horizon(self, target: str) -> int:
        return self.churn_horizon_days if target == "churn" else self.purchase_horizon_days


def time_anchors(calendar: pd.DataFrame) -> TimeAnchors:
    """The time anchors of int_data_calendar's one row."""
    if len(calendar) != 1:
        raise ValueError(f"int_data_calendar has {len(calendar)} rows; one was expected")
    row = calendar.iloc[0]
    return TimeAnchors(
        int(row.churn_horizon_days),
        int(row.purchase_horizon_days),
        int(row.snapshot_every_days),
        str(row.time_anchor_basis),
    )


@dataclass
class TargetStatus:
    """What a build did for one target, and why."""

    training_status: str
    status_reason: str
    labelled_rows: int = 0
    positive_labels: int = 0
    negative_labels: int = 0
    train_rows: int | None = None
    validation_rows: int | None = None
    validation_scheme: str | None = None
    validation_date: str | None = None


@dataclass
class RegistryUpdate:
    frame: pd.DataFrame  # the rows this build appends to model_registry (a status row per untrained target)
    promoted: dict[str, TrainingResult] = field(default_factory=dict)  # target -> run that promoted a champion
    reasons: dict[str, str] = field(default_factory=dict)  # target -> why it was (not) trained
    statuses: dict[str, TargetStatus] = field(default_factory=dict)  # target -> its status in this build
    # artefact files of champions replaced because they predate an erasure (deleted by train_registry)
    stale_artefacts: list[str] = field(default_factory=list)


def erasure_changed_at(audit: Any) -> pd.Timestamp | None:
    """When the erasure list last changed: the latest build_started_at of a `request_list` row of
    marts.rpt_erasure_audit (a DataFrame, or the relation dbt.ref() returns), or None when nobody
    was ever erased."""
    if audit is not None and not isinstance(audit, pd.DataFrame):
        audit = to_pandas(audit, ["erasure_action", "build_started_at"])
    if audit is None or audit.empty:
        return None
    changes = audit.loc[audit.erasure_action == "request_list", "build_started_at"].dropna()
    return pd.Timestamp(changes.max()) if len(changes) else None


def artefacts_before(previous: pd.DataFrame | None, target: str, erased_at: Any, keep: str | None = None) -> list[str]:
    """The artefact files of `target`'s registry rows trained before `erased_at` (but `keep`)."""
    if previous is None or previous.empty or erased_at is None or "artefact_path" not in previous.columns:
        return []
    rows = previous[
        (previous.target == target)
        & previous.artefact_path.notna()
        & (pd.to_datetime(previous.trained_at) < pd.Timestamp(erased_at))
    ]
    return sorted({str(p) for p in rows.artefact_path if str(p) != keep})


def scaling_params(scaling: pd.DataFrame) -> tuple[dict[str, dict[str, Any]], tuple[str, ...]]:
    """feature_scaling_params as (feature -> its parameters, the features scaled as log1p_z)."""
    params = scaling.set_index("feature_name").to_dict("index")
    logged = tuple(scaling.loc[scaling.auto_method == "log1p_z", "feature_name"])
    return params, logged


def selected_features(importance: pd.DataFrame, scaling: pd.DataFrame) -> list[str]:
    """The features feature_importance selected that have stored scaling parameters, in its order
    (each once, when selected for both targets)."""
    params = set(scaling.feature_name)
    chosen = importance.loc[importance.is_selected.astype(bool), "feature_name"]
    return list(dict.fromkeys(f for f in chosen if f in params))


def excluded_features(importance: pd.DataFrame | None) -> set[str]:
    """The features feature_importance excluded (a non-null exclusion_reason for any target)."""
    if importance is None or "exclusion_reason" not in importance.columns:
        return set()
    return set(importance.loc[importance.exclusion_reason.notna(), "feature_name"])


def transferred_columns(selected: Sequence[str]) -> list[str] | None:
    """The columns of the labelled snapshots model_registry reads: keys, the selected features, the
    baselines' raw columns and the labels; None (every column) when nothing is selected."""
    return list(dict.fromkeys([*KEYS, *selected, *BASELINE_COLUMNS, *LABELS])) if selected else None


def training_features(
    rows: pd.DataFrame, selected: Sequence[str], scaling: pd.DataFrame, excluded: Sequence[str] | set[str] = ()
) -> list[str]:
    """The numeric `selected` features of `rows`; when none is (too few labels to select), every
    numeric feature with scaling parameters that feature_importance did not exclude."""
    params = set(scaling.feature_name)
    numeric = [c for c in rows.columns if c not in (*KEYS, *LABELS) and pd.api.types.is_numeric_dtype(rows[c])]
    features = [f for f in selected if f in numeric]
    return features or [f for f in numeric if f in params and f not in set(excluded)]


def current_champion(previous: pd.DataFrame | None, target: str) -> dict[str, Any] | None:
    """The target's latest champion row in the stored registry, or None. A baseline champion also
    carries `candidate_feature_list`: the features its run's learned candidates used (what the retrain
    decision compares with today's)."""
    if previous is None or previous.empty:
        return None
    past = previous[(previous.target == target) & previous.is_champion.astype(bool)]
    if past.empty:
        return None
    champion = past.sort_values("trained_at").iloc[-1].to_dict()
    if "is_baseline" in previous.columns and bool(champion.get("is_baseline")):
        run = previous[
            (previous.target == target)
            & (previous.trained_at == champion["trained_at"])
            & ~_flags(previous.is_baseline)
            & previous.algorithm.notna()
        ]
        if len(run):
            champion["candidate_feature_list"] = run.feature_list.iloc[0]
    return champion


def _label_status(labelled: pd.DataFrame, label: str) -> TargetStatus:
    y = labelled[label].astype(bool)
    return TargetStatus("skipped", "", len(y), int(y.sum()), int((~y).sum()))


def train_registry(
    rows: pd.DataFrame,
    selected: Sequence[str],
    scaling: pd.DataFrame,
    previous: pd.DataFrame | None,
    settings: RegistrySettings,
    now: datetime | None = None,
    log: Callable[[str], Any] | None = None,
    anchors: TimeAnchors | None = None,
    importance: pd.DataFrame | None = None,
    erased_at: Any = None,
) -> RegistryUpdate:
    """The `model_registry` model: for each target, train when it has labels of both classes and
    `should_retrain` says so, and shape the run's rows; otherwise one status row saying why. `rows`:
    the labelled snapshots with the `selected` features and the baselines' columns; `previous`: the
    stored registry; `importance`: feature_importance (its exclusion_reason limits the fallback
    feature list); `erased_at`: when the erasure list last changed (`erasure_changed_at`). Each
    target's status and reason go to `log` as well."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    anchors = anchors or TimeAnchors()
    params, logged = scaling_params(scaling)
    features = training_features(rows, selected, scaling, excluded_features(importance))
    fallback = not any(f in features for f in selected)
    fallback_note = (
        f"no feature was selected, so every usable numeric feature with scaling parameters was used ({len(features)})"
        if fallback
        else ""
    )
    rows = rows.sort_values(list(KEYS)).reset_index(drop=True)
    update = RegistryUpdate(frame=registry_frame([]))
    out: list[dict[str, Any]] = []
    for target, label in TARGETS.items():
        labelled = rows[rows[label].notna()]
        status = _label_status(labelled, label)
        if status.positive_labels == 0 or status.negative_labels == 0:
            status.status_reason = (
                f"{label}: {status.labelled_rows} labelled rows ({status.positive_labels} positive, "
                f"{status.negative_labels} negative): both classes are needed"
            )
            out.append(status_row(status, settings.selection_metric, anchors, target, now, fallback))
            _record(update, target, status, log)
            continue
        champion = current_champion(previous, target)
        retrain = should_retrain(
            settings.retrain,
            champion,
            features,
            str(max(labelled.as_of_date)),
            settings.retrain_after_days,
            erased_at,
        )
        # a champion that may have seen an erased person must not stay: the run's winner replaces it
        erased_since = settings.retrain != "never" and trained_before_erasure(champion, erased_at)
        kept_note = (
            f"; the champion {champion['model_version']} predates the erasure list's change on {erased_at} "
            "and stays until a retrain succeeds"
            if erased_since and champion is not None
            else ""
        )
        stored_horizon = (champion or {}).get("horizon_days")
        if (
            not retrain
            and settings.retrain != "never"
            and stored_horizon is not None
            and not pd.isna(stored_horizon)
            and int(stored_horizon) != anchors.horizon(target)
        ):
            # the labels changed meaning (a derived horizon grows with the data): the champion
            # predicts another outcome
            retrain = Decision(
                True,
                f"the label horizon changed from {int(stored_horizon)} to {anchors.horizon(target)} days "
                "since the champion was trained",
            )
        if not retrain:
            status.training_status = "kept_champion" if champion is not None else "skipped"
            status.status_reason = retrain.reason
            out.append(status_row(status, settings.selection_metric, anchors, target, now, fallback))
            _record(update, target, status, log)
            continue
        available = {name: b for name, b in baselines(anchors.horizon(target)).items() if set(b.columns) <= set(rows)}
        try:
            result = train_target(
                rows,
                label,
                features,
                params,
                logged,
                settings.random_state,
                settings.selection_metric,
                settings.promotion_margin,
                None if erased_since else champion,
                settings.artefact_dir,
                settings.holdout_share,
                settings.max_training_rows,
                baselines=available,
            )
        except TooFewLabelsError as error:
            _split_counts(status, error.split)
            status.status_reason = str(error) + kept_note
            out.append(status_row(status, settings.selection_metric, anchors, target, now, fallback))
            _record(update, target, status, log)
            continue
        except ValueError as error:  # an estimator refused the data: recorded, and the build goes on
            status.training_status = "failed"
            status.status_reason = f"{label}: training failed: {type(error).__name__}: {error}{kept_note}"
            out.append(status_row(status, settings.selection_metric, anchors, target, now, fallback))
            _record(update, target, status, log)
            continue
        _split_counts(status, result.split)
        status.training_status = "trained"
        missing = sorted(set(baselines(1)) - set(available))
        notes = [
            retrain.reason,
            result.reason,
            *result.notes,
            *([f"not scored for lack of their columns: {', '.join(missing)}"] if missing else []),
            *([fallback_note] if fallback_note else []),
        ]
        status.status_reason = "; ".join(notes)
        if result.promoted:
            update.promoted[target] = result
            if erased_since:
                # the files of champions that may have learned from an erased person go, now a successor is saved
                stale = artefacts_before(previous, target, erased_at, keep=(result.champion or {}).get("artefact_path"))
                for path in stale:
                    Path(path).unlink(missing_ok=True)
                update.stale_artefacts.extend(stale)
        out.extend(registry_rows(result, target, settings.selection_metric, now, status, anchors, fallback))
        _record(update, target, status, log)
    update.frame = registry_frame(out)
    return update


def _split_counts(status: TargetStatus, split) -> None:
    status.train_rows, status.validation_rows = len(split.train), len(split.validation)
    status.validation_scheme, status.validation_date = split.scheme, split.validation_date


def _record(update: RegistryUpdate, target: str, status: TargetStatus, log: Callable[[str], Any] | None) -> None:
    update.statuses[target] = status
    update.reasons[target] = status.status_reason
    if log:
        log(f"model_registry: {target} {status.training_status}: {status.status_reason}")


def _status_fields(status: TargetStatus, anchors: TimeAnchors, target: str, fallback: bool) -> dict[str, Any]:
    return {
        "training_status": status.training_status,
        "status_reason": status.status_reason,
        "labelled_rows": status.labelled_rows,
        "positive_labels": status.positive_labels,
        "negative_labels": status.negative_labels,
        "train_rows": status.train_rows,
        "validation_rows": status.validation_rows,
        "horizon_days": anchors.horizon(target),
        "snapshot_every_days": anchors.snapshot_every_days,
        "time_anchor_basis": anchors.time_anchor_basis,
        "is_fallback_feature_list": fallback,
    }


def status_row(
    status: TargetStatus, selection_metric: str, anchors: TimeAnchors, target: str, now: datetime, fallback: bool
) -> dict[str, Any]:
    """The one row a build appends for a target it trained nothing for: its status and why."""
    return {
        "model_version": f"{target}-{status.training_status}",
        "target": target,
        "validation_scheme": status.validation_scheme,
        "validation_date": status.validation_date,
        "selection_metric": selection_metric,
        **_status_fields(status, anchors, target, fallback),
        "is_champion": False,
        "is_baseline": False,
        "trained_at": now,
    }


def registry_rows(
    result: TrainingResult,
    target: str,
    selection_metric: str,
    now: datetime,
    status: TargetStatus | None = None,
    anchors: TimeAnchors | None = None,
    fallback: bool = False,
) -> list[dict[str, Any]]:
    """One model_registry row per candidate and baseline of a training run; only the promoted one
    carries the champion flag, its artefact and its lift / reliability JSON."""
    bundle = result.bundle or {}
    champion_version = (result.champion or {}).get("model_version")
    status = status or TargetStatus("trained", result.reason)
    out = []
    for r in result.rows:
        promoted = result.promoted and r["model_version"] == champion_version
        out.append(
            {
                **{k: r.get(k) for k in COLUMNS if k in r},
                "target": target,
                "selection_metric": selection_metric,
                **_status_fields(status, anchors or TimeAnchors(), target, fallback),
                "is_champion": promoted,
                "is_baseline": bool(r.get("is_baseline", False)),
                "artefact_path": r.get("artefact_path") if promoted else None,
                "artefact_sha256": r.get("artefact_sha256") if promoted else None,
                "metrics_json": json.dumps(r["metrics"]),
                "lift_json": json.dumps(bundle["lift"]) if promoted else None,
                "reliability_json": json.dumps(bundle["reliability"]) if promoted else None,
                "trained_at": now,
            }
        )
    return out


def _flags(values: pd.Series) -> pd.Series:
    """A boolean column with missing values as False."""
    return values.astype(object).where(values.notna(), False).astype(bool)


def registry_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Registry rows as model_registry's columns and types (the same with no rows)."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in SCORE_COLUMNS:
        frame[col] = frame[col].astype("float64")
    for col in COUNT_COLUMNS:
        frame[col] = frame[col].astype("Int64")
    for col in FLAG_COLUMNS:
        frame[col] = _flags(frame[col])
    frame["trained_at"] = pd.to_datetime(frame["trained_at"])
    for col in set(COLUMNS) - {*SCORE_COLUMNS, *COUNT_COLUMNS, *FLAG_COLUMNS, "trained_at"}:
        frame[col] = frame[col].astype("string")
    return frame


# --- the tables exploded from the registry's JSON ------------------------------------------------


def explode_json(
    frame: pd.DataFrame, column: str, keep: Sequence[str], key_name: str | None = None
) -> list[dict[str, Any]]:
    """One dict per element of the JSON stored in `column` of each row of `frame`: the row's `keep`
    columns, then the element's fields. A JSON list gives its elements; a JSON object its values,
    with their key under `key_name`. Rows with no JSON (null) give none."""
    out = []
    for record, text in zip(frame[list(keep)].to_dict("records"), frame[column], strict=True):
        if text is None or pd.isna(text):
            continue
        parsed = json.loads(text)
        pairs = parsed.items() if isinstance(parsed, dict) else ((None, element) for element in parsed)
        for key, element in pairs:
            out.append({**record, **({key_name: key} if key_name else {}), **element})
    return out


METRIC_COLUMNS = [
    "model_version",
    "target",
    "algorithm",
    "split",
    "trained_at",
    "is_champion",
    "is_baseline",
    "roc_auc",
    "pr_auc",
    "precision",
    "recall",
    "f1",
    "brier",
    "log_loss",
    "base_rate",
    "threshold",
    "rows",
]


def model_metrics_table(registry: pd.DataFrame) -> pd.DataFrame:
    """The `model_metrics` model: one row per (training run, model or baseline, split) of the registry
    (status rows carry no metrics, so none)."""
    if "is_baseline" not in registry.columns:  # a registry stored before the baselines
        registry = registry.assign(is_baseline=False)
    keep = ["model_version", "target", "algorithm", "trained_at", "is_champion", "is_baseline"]
    rows = explode_json(registry, "metrics_json", keep, key_name="split")
    frame = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    for col in ("is_champion", "is_baseline"):
        frame[col] = _flags(frame[col])
    return frame


LIFT_COLUMNS = [
    "model_version",
    "target",
    "kind",
    "bucket",
    "rows",
    "positives",
    "mean_predicted",
    "observed_rate",
    "lift",
    "cumulative_gain",
]


def model_lift_table(registry: pd.DataFrame) -> pd.DataFrame:
    """The `model_lift` model: each champion's lift by score decile (kind 'lift', bucket 1 = top
    scores) and the reliability of its calibrated probabilities by tenth (kind 'reliability')."""
    champions = registry[registry.is_champion.astype(bool)]
    keep = ["model_version", "target"]
    rows = [
        {
            **d,
            "kind": "lift",
            "bucket": int(d["decile"]),
            "rows": int(d["rows"]),
            "positives": int(d["positives"]),
            "mean_predicted": d["avg_score"],
            "observed_rate": d["positive_rate"],
        }
        for d in explode_json(champions, "lift_json", keep)
    ] + [
        {**d, "kind": "reliability", "bucket": int(d["bin"]) + 1, "rows": int(d["rows"]), "positives": None}
        for d in explode_json(champions, "reliability_json", keep)
    ]
    frame = pd.DataFrame(rows, columns=LIFT_COLUMNS)
    frame["positives"] = frame["positives"].astype("Int64")
    for col in ("mean_predicted", "observed_rate", "lift", "cumulative_gain"):
        frame[col] = frame[col].astype("float64")
    return frame


# --- each target's training status -----------------------------------------------------------------

STATUS_COLUMNS = [
    "target",
    "training_status",
    "status_reason",
    "champion_model_version",
    "champion_algorithm",
    "best_candidate_algorithm",
    "best_baseline_algorithm",
    "validation_scheme",
    "validation_date",
    "time_anchor_basis",
    "champion_score",
    "best_candidate_score",
    "best_baseline_score",
    "labelled_rows",
    "positive_labels",
    "negative_labels",
    "train_rows",
    "validation_rows",
    "horizon_days",
    "snapshot_every_days",
    "has_champion",
    "is_champion_baseline",
    "is_fallback_feature_list",
    "checked_at",
]


def _best(run: pd.DataFrame, baseline: bool) -> tuple[str | None, float | None]:
    group = run[run.algorithm.notna() & (run.is_baseline.astype(bool) == baseline)]
    if group.empty:
        return None, None
    top = group.sort_values(["selection_score", "model_version"], ascending=False).iloc[0]
    return str(top.algorithm), float(top.selection_score)


def training_status_table(registry: pd.DataFrame) -> pd.DataFrame:
    """The `model_training_status` model: one row per target, from the registry's latest build for
    it: its status and reason, label counts, rows, time anchors, the best candidate and baseline of
    that build, and the target's current champion (the one the prediction tables score with, maybe
    from an earlier build). A target no build has recorded is `skipped` with that reason."""
    out = []
    for target in TARGETS:
        rows = registry[registry.target == target]
        champion = current_champion(registry, target)
        if rows.empty or "training_status" not in rows.columns or rows.training_status.isna().all():
            record: dict[str, Any] = {
                "training_status": "skipped",
                "status_reason": "no training status recorded yet for this target (no build has trained it)",
            }
        else:
            latest = rows[rows.trained_at == rows.trained_at.max()]
            row = latest.iloc[0]
            (candidate, candidate_score), (baseline, baseline_score) = _best(latest, False), _best(latest, True)
            record = {
                **{c: row[c] for c in STATUS_COLUMNS if c in row.index and c != "target"},
                "best_candidate_algorithm": candidate,
                "best_candidate_score": candidate_score,
                "best_baseline_algorithm": baseline,
                "best_baseline_score": baseline_score,
                "checked_at": row.trained_at,
            }
        if champion is not None:
            record |= {
                "champion_model_version": champion["model_version"],
                "champion_algorithm": champion["algorithm"],
                "champion_score": champion["selection_score"],
                "is_champion_baseline": bool(champion.get("is_baseline") or False),
            }
        out.append({"target": target, **record, "has_champion": champion is not None})
    frame = pd.DataFrame(out, columns=STATUS_COLUMNS)
    for col in ("champion_score", "best_candidate_score", "best_baseline_score"):
        frame[col] = frame[col].astype("float64")
    for col in COUNT_COLUMNS:
        frame[col] = frame[col].astype("Int64")
    for col in ("has_champion", "is_champion_baseline", "is_fallback_feature_list"):
        frame[col] = _flags(frame[col])
    frame["checked_at"] = pd.to_datetime(frame["checked_at"])
    strings = set(STATUS_COLUMNS) - {*COUNT_COLUMNS, "champion_score", "best_candidate_score", "best_baseline_score"}
    for col in strings - {"has_champion", "is_champion_baseline", "is_fallback_feature_list", "checked_at"}:
        frame[col] = frame[col].astype("string")
    return frame
