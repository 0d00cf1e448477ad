"""When a dbt Python model keeps its stored result instead of recomputing it.

Three models do slow work whose answer often cannot have changed since the last build; each
reads its own table (`dbt.this`) and asks one of these pure functions. Every answer is a
`Decision`: a yes / no and the reason, in words a person reads in a log or a test.

- feature_importance keeps its table while the labelled rows hash to its stored fingerprint and
  the selection settings are the stored ones (`can_reuse_importance`);
- segmentation_k_selection chooses k again when its settings change, the choice is older than
  var segmentation_reselect_after_days days of data, or the customer count moved by more than
  10 % (`should_reselect_k`);
- model_registry trains again as var retrain says: always, never, or auto (no champion yet,
  another feature list, a champion trained before the erasure list last changed, or a champion
  validated more than var retrain_after_days days before the latest labelled snapshot)
  (`should_retrain`, `trained_before_erasure`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

RETRAIN_MODES = ("auto", "always", "never")
# how a retrain decision forced by the right to erasure starts (docs/erasure.md)
ERASURE_REASON = "erasure requested after training"


@dataclass(frozen=True)
class Decision:
    """A yes / no answer and why."""

    yes: bool
    reason: str

    def __bool__(self) -> bool:
        return self.yes


def can_reuse_importance(stored: pd.DataFrame | None, fingerprint: str, settings: str) -> Decision:
    """Keep the stored feature_importance when every stored row carries `fingerprint`, the hash of
    today's labelled rows (features.training_fingerprint), and `settings`, the selection settings
    (features.SelectionConfig.settings): the same rows and settings give the same scores."""
    if stored is None:
        return Decision(False, "no stored feature_importance yet")
    if stored.empty:
        return Decision(False, "the stored feature_importance is empty")
    for column in ("training_fingerprint", "selection_settings"):
        if column not in stored.columns:
            return Decision(False, f"the stored feature_importance has no {column} column")
    seen = sorted(str(f) for f in stored["training_fingerprint"].unique())
    if seen != [fingerprint]:
        return Decision(False, f"the labelled rows changed: fingerprint {fingerprint}, stored {', '.join(seen)}")
    used = sorted(str(s) for s in stored["selection_settings"].unique())
    if used != [settings]:
        return Decision(False, f"the selection settings changed: now {settings}; stored {' | '.join(used)}")
    return Decision(
        True, f"the labelled rows hash to the stored fingerprint {fingerprint}, scored with the same settings"
    )


def should_reselect_k(
    stored: pd.DataFrame | None,
    settings: str,
    data_date: date,
    customer_count: int,
    reselect_after_days: int,
    max_customer_change: float = 0.1,
) -> Decision:
    """Choose k again, or keep the stored segmentation_k_selection (customer_segments still refits
    at its k). `settings`: the settings the choice depends on, as one string; `data_date`: the
    data's as-of date; `reselect_after_days` 0 chooses again every build."""
    needed = {"settings", "data_as_of_date", "customer_count"}
    if stored is None or stored.empty:
        return Decision(True, "no stored choice of k yet")
    if not needed <= set(stored.columns):
        missing = ", ".join(sorted(needed - set(stored.columns)))
        return Decision(True, f"the stored choice of k has no {missing} column")
    if not (stored["settings"] == settings).all():
        return Decision(True, "the segmentation settings changed")
    if reselect_after_days <= 0:
        return Decision(True, "var segmentation_reselect_after_days is 0: k is chosen every build")
    chosen_on = pd.Timestamp(stored["data_as_of_date"].iloc[0])
    age = (pd.Timestamp(data_date) - chosen_on).days
    if age < 0:
        return Decision(
            True, f"the data ({pd.Timestamp(data_date).date()}) is older than the choice ({chosen_on.date()})"
        )
    if age >= reselect_after_days:
        return Decision(
            True, f"the choice is {age} days old (var segmentation_reselect_after_days {reselect_after_days})"
        )
    count = int(stored["customer_count"].iloc[0])
    if abs(customer_count - count) > max_customer_change * count:
        return Decision(
            True, f"the customer count moved from {count:,} to {customer_count:,} (more than {max_customer_change:.0%})"
        )
    return Decision(False, f"k was chosen {age} days ago for {count:,} customers; now {customer_count:,}")


def trained_before_erasure(champion: Mapping[str, Any] | None, erased_at: Any) -> bool:
    """Whether the champion was trained before the erasure list last changed (`erased_at`, from
    marts.rpt_erasure_audit; None when nobody was ever erased): it may have learned from a person
    erased since. A champion without a training time counts as trained before."""
    if champion is None or erased_at is None or pd.isna(erased_at):
        return False
    trained_at = champion.get("trained_at")
    return trained_at is None or pd.isna(trained_at) or pd.Timestamp(trained_at) < pd.Timestamp(erased_at)


def should_retrain(
    mode: str,
    champion: Mapping[str, Any] | None,
    features: Sequence[str],
    latest_labelled_date: date | str,
    retrain_after_days: int,
    erased_at: Any = None,
) -> Decision:
    """Train a target's candidates again, or keep scoring with its champion. `mode` is var retrain;
    `champion` the target's current champion row of model_registry (None when there is none; a
    baseline champion's row carries its run's `candidate_feature_list`); `erased_at` when the
    erasure list last changed (None: never). A champion trained before that is retrained (the
    reason starts with ERASURE_REASON), except under retrain never, where the reason marks it."""
    if mode not in RETRAIN_MODES:
        raise ValueError(f"var retrain: {mode!r} is not one of {', '.join(RETRAIN_MODES)}")
    if mode == "never":
        if trained_before_erasure(champion, erased_at):
            return Decision(
                False,
                f"var retrain is never: the champion, trained on {(champion or {}).get('trained_at')} before the erasure list "
                f"changed on {erased_at}, may have learned from an erased person and is kept (marked, not retrained)",
            )
        return Decision(False, "var retrain is never")
    if mode == "always":
        return Decision(True, "var retrain is always")
    if champion is None:
        return Decision(True, "no champion yet")
    if trained_before_erasure(champion, erased_at):
        return Decision(
            True,
            f"{ERASURE_REASON}: the champion was trained on {champion.get('trained_at')}, before the erasure list "
            f"changed on {erased_at}",
        )
    # a baseline champion uses its own raw columns: compare the features its run's candidates used
    if champion.get("candidate_feature_list", champion["feature_list"]) != ", ".join(features):
        return Decision(True, "the selected features changed since the champion was trained")
    age = (pd.Timestamp(latest_labelled_date) - pd.Timestamp(champion["validation_date"])).days
    if age > retrain_after_days:
        return Decision(
            True,
            f"the champion was validated on {champion['validation_date']}, {age} days before the latest "
            f"labelled snapshot (var retrain_after_days {retrain_after_days})",
        )
    return Decision(False, f"the champion was validated {age} days before the latest labelled snapshot")
