"""One row per trained model or baseline (incremental: appended per training run), and one status row
per target a build trained nothing for. A build trains a target when it has labels of both classes and
var retrain says so (auto: no champion yet, the feature list changed, the champion is older than var
retrain_after_days or predates a change of the erasure list); each row says why. Logic: ml.registry."""

from pathlib import Path

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml import registry
from customer_journey.ml.features import labelled_snapshots
from customer_journey.ml.plots import champion_plots
from customer_journey.ml.warehouse_io import read_stored, to_pandas


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    settings = registry.RegistrySettings(
        random_state=int(dbt.config.get("random_state")),
        selection_metric=dbt.config.get("selection_metric"),
        promotion_margin=float(dbt.config.get("promotion_margin")),
        retrain=dbt.config.get("retrain"),
        retrain_after_days=int(dbt.config.get("retrain_after_days")),
        artefact_dir=Path(dbt.config.get("artefact_dir")),
        holdout_share=float(dbt.config.get("validation_holdout_share")),
        max_training_rows=int(dbt.config.get("max_training_rows")),
    )
    scaling, importance = to_pandas(dbt.ref("feature_scaling_params")), to_pandas(dbt.ref("feature_importance"))
    selected = registry.selected_features(importance, scaling)
    anchors = registry.time_anchors(to_pandas(dbt.ref("int_data_calendar")))
    # only the labelled snapshots, the selected features and the baselines' columns leave the warehouse
    labelled = labelled_snapshots(dbt.ref("fct_customer_feature_snapshots"), dbt.ref("fct_customer_labels"))
    rows = to_pandas(labelled, registry.transferred_columns(selected))
    stored, erased_at = read_stored(session, dbt.this), registry.erasure_changed_at(dbt.ref("rpt_erasure_audit"))
    log = getattr(dbt, "log", None)
    update = registry.train_registry(
        rows, selected, scaling, stored, settings, log=log, anchors=anchors, importance=importance, erased_at=erased_at
    )
    for target, result in update.promoted.items():
        champion_plots(target, result)
    return update.frame
