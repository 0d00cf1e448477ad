"""Checks of the ML layer's features on each generator shape; collected through test_shapes_build
(its module-scoped shape_build fixture builds each shape once)."""

from __future__ import annotations

import duckdb
import pandas as pd

# what feature_importance never scores: the keys and the load bookkeeping of the snapshots
_NOT_FEATURES = ("customer_id", "as_of_date", "dbt_loaded_at")
MIN_FILL_RATE = 0.5  # var feature_selection_min_fill_rate
MAX_DOMINANT_SHARE = 0.99  # var feature_selection_max_dominant_share


def training_row_facts(con: duckdb.DuckDBPyConnection, target: str) -> pd.DataFrame:
    """Per snapshot feature, by SQL independent of the Python model: the training rows (snapshots
    with a known `target` label; with either label for 'insufficient_labels'), the non-null
    values, the distinct non-null values and the share of the most frequent value (null counted
    as a value)."""
    where = (
        "labels.is_churned is not null or labels.will_purchase is not null"
        if target == "insufficient_labels"
        else f"labels.{target} is not null"
    )
    columns = [
        r[0]
        for r in con.execute("describe marts.fct_customer_feature_snapshots").fetchall()
        if r[0] not in _NOT_FEATURES
    ]
    con.execute(
        f"""
        create or replace temp table training_rows as
        select snapshots.*
        from marts.fct_customer_feature_snapshots as snapshots
        inner join marts.fct_customer_labels as labels
            on snapshots.customer_id = labels.customer_id and snapshots.as_of_date = labels.as_of_date
        where {where}
        """
    )
    facts = []
    for column in columns:
        rows, filled, distinct = con.execute(
            f'select count(*), count("{column}"), count(distinct "{column}") from training_rows'
        ).fetchone()
        top = con.execute(
            f'select coalesce(max(n), 0) from (select count(*) as n from training_rows group by "{column}")'
        ).fetchone()[0]
        facts.append(
            {
                "feature_name": column,
                "rows": rows,
                "fill_rate": filled / rows if rows else None,
                "distinct_values": distinct,
                "dominant_share": top / rows if rows else None,
            }
        )
    return pd.DataFrame(facts).set_index("feature_name")


def _dead(facts: pd.DataFrame) -> pd.Series:
    return (
        (facts.rows == 0)
        | (facts.distinct_values <= 1)
        | (facts.fill_rate < MIN_FILL_RATE)
        | (facts.dominant_share >= MAX_DOMINANT_SHARE)
    )


def _importance_and_facts(warehouse) -> tuple[pd.DataFrame, pd.DataFrame]:
    con = duckdb.connect(str(warehouse), read_only=True)
    importance = con.execute("select * from ml.feature_importance").df().set_index("feature_name")
    targets = importance.target.unique().tolist()
    assert len(targets) == 1, targets
    facts = training_row_facts(con, targets[0])
    assert set(facts.index) == set(importance.index)
    return importance, facts


def test_no_selected_feature_is_constant_near_constant_or_mostly_null(shape_build):
    shape, _, warehouse, _ = shape_build
    importance, facts = _importance_and_facts(warehouse)
    selected = importance.index[importance.is_selected.astype(bool)]
    alive = facts.loc[selected]
    assert (alive.distinct_values > 1).all(), (shape, alive[alive.distinct_values <= 1])
    assert (alive.fill_rate >= MIN_FILL_RATE).all(), (shape, alive[alive.fill_rate < MIN_FILL_RATE])
    assert (alive.dominant_share < MAX_DOMINANT_SHARE).all(), (shape, alive[alive.dominant_share >= MAX_DOMINANT_SHARE])
    chosen = importance.loc[selected]
    assert (chosen.mutual_information > chosen.mi_permutation_baseline).all(), (shape, chosen)
    assert chosen.exclusion_reason.isna().all() and chosen.selection_note.isna().all()


def test_every_dead_feature_carries_an_exclusion_reason(shape_build):
    shape, _, warehouse, _ = shape_build
    importance, facts = _importance_and_facts(warehouse)
    dead = facts.index[_dead(facts)]
    missing = importance.loc[dead, "exclusion_reason"].isna()
    assert not missing.any(), (shape, facts.loc[missing[missing].index])
    # and the reasons name what the SQL sees
    for name in dead:
        reason = importance.loc[name, "exclusion_reason"]
        if facts.loc[name, "rows"] == 0:
            assert reason.startswith("insufficient labels"), (shape, name, reason)
        elif facts.loc[name, "distinct_values"] <= 1:
            assert reason.startswith("constant"), (shape, name, reason)
        elif facts.loc[name, "fill_rate"] < MIN_FILL_RATE:
            assert reason.startswith("mostly null"), (shape, name, reason)
    # excluded features are unscored
    excluded = importance[importance.exclusion_reason.notna()]
    assert excluded.mutual_information.isna().all() and not excluded.is_selected.astype(bool).any()
