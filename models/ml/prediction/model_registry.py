"""One row per trained model (incremental: appended per training run). A build trains a target when
var retrain says so (auto: no champion yet, the feature list changed, or the champion is older than
var retrain_after_days); otherwise it adds nothing. Logic: customer_journey.ml.registry."""

from pathlib import Path

from customer_journey.ml.features import LABELS, labelled_snapshots
from customer_journey.ml.plots import champion_plots
from customer_journey.ml.prediction import KEYS
from customer_journey.ml.registry import RegistrySettings, selected_features, train_registry
from customer_journey.ml.warehouse_io import read_stored, to_pandas


def model(dbt, session):
    dbt.config(materialized="incremental")
    settings = RegistrySettings(
        random_state=int(dbt.config.get("random_state")),
        selection_metric=dbt.config.get("selection_metric"),
        promotion_margin=float(dbt.config.get("promotion_margin")),
        retrain=dbt.config.get("retrain"),
        retrain_after_days=int(dbt.config.get("retrain_after_days")),
        artefact_dir=Path(dbt.config.get("artefact_dir")),
        holdout_share=float(dbt.config.get("validation_holdout_share")),
        max_training_rows=int(dbt.config.get("max_training_rows")),
    )
    scaling = to_pandas(dbt.ref("feature_scaling_params"))
    selected = selected_features(to_pandas(dbt.ref("feature_importance")), scaling)
    # only the labelled snapshots and the selected features leave the warehouse
    labelled = labelled_snapshots(dbt.ref("fct_customer_feature_snapshots"), dbt.ref("fct_customer_labels"))
    rows = to_pandas(labelled, [*KEYS, *selected, *LABELS] if selected else None)
    update = train_registry(
        rows, selected, scaling, read_stored(session, dbt.this), settings, log=getattr(dbt, "log", None)
    )
    for target, result in update.promoted.items():
        champion_plots(target, result)
    return update.frame
