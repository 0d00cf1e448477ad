"""Checks of the ML layer's training on each generator shape; collected through test_shapes_build
(its module-scoped shape_build fixture builds each shape once)."""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from customer_journey.ml.prediction import out_of_time_split

LABEL = {"churn": "is_churned", "purchase": "will_purchase"}
BASELINES = {"baseline_recency", "baseline_rf_rank_sum", "baseline_bgnbd"}
NO_CHAMPION_TEST = "expression_is_true_with_reason_model_training_status"


def only_no_champion_warnings(output: str) -> bool:
    """The build warned about nothing, or only through model_training_status's no-champion test, with
    each target's reason printed ("model_training_status: churn has no champion: <reason>")."""
    warnings = int(re.findall(r"WARN=(\d+)", output)[-1])
    if warnings == 0:
        return True
    return (
        warnings == 1
        and f"Warning in test {NO_CHAMPION_TEST}" in output
        and re.search(r"model_training_status: (churn|purchase) has no champion: (?!\(no reason)\S[^\n]{9,}", output)
        is not None
    )


def test_only_no_champion_warnings_needs_the_reason():
    passing = "Done. PASS=9 WARN=0 ERROR=0"
    assert only_no_champion_warnings(passing)
    warned = (
        "model_training_status: churn has no champion: is_churned: 12 labelled rows (12 positive, 0 negative)\n"
        f"Warning in test {NO_CHAMPION_TEST}_has_champion (models/ml/prediction/_prediction__models.yml)\n"
        "Done. PASS=9 WARN=1 ERROR=0"
    )
    assert only_no_champion_warnings(warned)
    reason = "is_churned: 12 labelled rows (12 positive, 0 negative)"
    assert not only_no_champion_warnings(warned.replace(reason, ""))
    assert not only_no_champion_warnings(warned.replace(reason, "(no reason recorded)"))
    assert not only_no_champion_warnings(warned.replace(NO_CHAMPION_TEST, "not_null_orders_id"))
    assert not only_no_champion_warnings(warned.replace("WARN=1", "WARN=2"))


def _read(warehouse, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def _latest_run(warehouse, target: str) -> pd.DataFrame:
    return _read(
        warehouse,
        "select * from ml.model_registry where target = '" + target + "' and trained_at = "
        "(select max(trained_at) from ml.model_registry where target = '" + target + "')",
    )


def test_each_target_has_a_training_status_with_its_reason_and_counts(shape_build):
    shape, _, warehouse, output = shape_build
    status = _read(warehouse, "select * from ml.model_training_status").set_index("target")
    calendar = _read(warehouse, "select * from intermediate.int_data_calendar").iloc[0]
    labels = _read(warehouse, "select is_churned, will_purchase from marts.fct_customer_labels")
    assert sorted(status.index) == ["churn", "purchase"], shape
    for target, label in LABEL.items():
        row = status.loc[target]
        assert row.training_status in {"trained", "kept_champion", "skipped", "failed"}
        assert isinstance(row.status_reason, str) and len(row.status_reason) > 10, (shape, target)
        # the label counts it reports are the labels table's, counted here independently
        known = labels[label].dropna().astype(bool)
        assert (row.labelled_rows, row.positive_labels, row.negative_labels) == (
            len(known),
            int(known.sum()),
            int((~known).sum()),
        ), (shape, target)
        horizon = calendar.churn_horizon_days if target == "churn" else calendar.purchase_horizon_days
        assert (row.horizon_days, row.snapshot_every_days) == (horizon, calendar.snapshot_every_days)
        assert row.time_anchor_basis == calendar.time_anchor_basis
        if not row.has_champion:
            # the build said so, with the reason
            assert f"model_training_status: {target} has no champion: {row.status_reason}" in output, shape
        print(
            f"{shape} {target}: {row.training_status}; champion {row.champion_algorithm} "
            f"({row.champion_score}); labels {row.positive_labels}+/{row.negative_labels}-; "
            f"train {row.train_rows}, validation {row.validation_rows}; {row.status_reason}"
        )


def _labelled(warehouse) -> pd.DataFrame:
    return _read(
        warehouse,
        "select l.customer_id, l.as_of_date, l.is_churned, l.will_purchase, s.recency_days "
        "from marts.fct_customer_labels l join marts.fct_customer_feature_snapshots s using (customer_id, as_of_date)",
    )


def test_a_target_with_enough_labels_has_a_champion_at_least_as_good_as_every_baseline(shape_build):
    shape, _, warehouse, _ = shape_build
    status = _read(warehouse, "select * from ml.model_training_status").set_index("target")
    labelled = _labelled(warehouse)
    for target, label in LABEL.items():
        row = status.loc[target]
        rows = labelled[labelled[label].notna()]
        if rows[label].nunique() == 2:
            # both classes in the training and the validation split (the split recomputed here): trained
            split = out_of_time_split(rows, label, 42)
            if split.train[label].nunique() == 2 and split.validation[label].nunique() == 2:
                assert row.training_status == "trained" and row.has_champion, (shape, target, row.status_reason)
            else:
                assert row.training_status == "skipped" and "need both classes" in row.status_reason
        if row.training_status != "trained":
            continue
        assert row.has_champion, (shape, target)
        run = _latest_run(warehouse, target)
        models = run[run.algorithm.notna()]
        baselines = models[models.is_baseline]
        assert set(baselines.algorithm) == BASELINES, (shape, target)
        champion = models[models.is_champion]
        if champion.empty:  # the stored champion stayed: it beat this run's winner
            assert "stays" in row.status_reason
            continue
        champion = champion.iloc[0]
        # a learned champion beat the best baseline by the margin; otherwise it is the best baseline
        assert champion.selection_score >= baselines.selection_score.max(), (shape, target)
        if not champion.is_baseline:
            assert champion.selection_score >= baselines.selection_score.max() + 0.005 - 1e-12
        else:
            assert champion.selection_score == baselines.selection_score.max()
        gaps = ", ".join(f"{a} {g:+.3f}" for a, g in zip(models.algorithm, models.train_validation_gap, strict=True))
        scores = ", ".join(f"{a} {s:.3f}" for a, s in zip(baselines.algorithm, baselines.selection_score, strict=True))
        print(f"{shape} {target}: champion {champion.algorithm} {champion.selection_score:.3f}; {scores}; gaps: {gaps}")


def test_model_metrics_holds_the_baselines_beside_the_candidates_on_the_same_rows(shape_build):
    shape, _, warehouse, _ = shape_build
    metrics = _read(warehouse, "select * from ml.model_metrics where split = 'validation'")
    status = _read(warehouse, "select * from ml.model_training_status").set_index("target")
    labelled = _labelled(warehouse)
    for target, label in LABEL.items():
        if status.loc[target, "training_status"] != "trained":
            continue
        run = metrics[
            (metrics.target == target) & (metrics.trained_at == metrics[metrics.target == target].trained_at.max())
        ]
        assert set(run.algorithm) >= BASELINES, (shape, target)
        assert (~run.is_baseline).any(), (shape, target)  # candidates beside them
        assert run.rows.nunique() == 1, (shape, target, run[["algorithm", "rows"]])  # the same validation rows
        # the recency baseline's AUC, recomputed here on the validation rows the split picks
        split = out_of_time_split(labelled[labelled[label].notna()], label, 42)
        validation = split.validation
        assert len(validation) == run.rows.iloc[0], (shape, target)
        # a customer who never ordered counts as longer ago than anyone in training
        fill = split.train.recency_days.max() + 1
        recency = validation.recency_days.fillna(fill)
        # the direction the baseline learns on the training rows: the sign of recency's correlation
        # with the label there
        trained = split.train.recency_days.fillna(fill)
        direction = np.sign(np.corrcoef(trained, split.train[label].astype(int))[0, 1])
        auc = roc_auc_score(validation[label].astype(int), direction * recency)
        stored = run.loc[run.algorithm == "baseline_recency", "roc_auc"].iloc[0]
        assert np.isclose(stored, auc), (shape, target, stored, auc)


def test_a_target_with_a_champion_scores_its_customers(shape_build):
    shape, _, warehouse, _ = shape_build
    status = _read(warehouse, "select target, has_champion from ml.model_training_status").set_index("target")
    counts = _read(
        warehouse,
        "select (select count(*) from ml.churn_predictions) as churn, "
        "(select count(*) from ml.purchase_predictions) as purchase, "
        "(select count(*) from marts.dim_customer_features where orders_lifetime > 0) as buyers, "
        "(select count(*) from marts.dim_customer_features) as customers",
    ).iloc[0]
    expected = {"churn": counts.buyers, "purchase": counts.customers}
    for target in LABEL:
        assert counts[target] == (expected[target] if status.loc[target, "has_champion"] else 0), (shape, target)
