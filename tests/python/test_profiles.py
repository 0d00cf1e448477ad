"""Customer profiles on generated data: no leakage, scaling equals scikit-learn, the true drivers rank first."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from conftest import copy_dataset, run_dbt
from customer_journey.synth import generate, load_manifest

PROFILE_MODELS = "+fct_customer_feature_snapshots"


def test_snapshots_never_see_the_future(e2e_data, db, tmp_path):
    """Append days of events, orders and feedback after the data, rebuild from scratch: old snapshots do not move."""
    # before: the e2e build's snapshots (the same models on the same raw data, built from scratch)
    # dbt_loaded_at is load bookkeeping: a rebuild restamps every row
    before = db.execute("select * exclude (dbt_loaded_at) from marts.fct_customer_feature_snapshots").df()
    raw = copy_dataset(e2e_data, tmp_path / "raw")
    work = tmp_path / "work"

    cfg = load_manifest(raw)
    end = pd.Timestamp(cfg.start) + pd.Timedelta(days=cfg.windows[-1][1])
    generate(cfg, raw, append_days=10, quiet=True)
    second = run_dbt(
        ["build", "--select", PROFILE_MODELS, "--resource-type", "model", "seed", "--full-refresh"], raw, work
    )
    assert second.returncode == 0, second.output[-3000:]
    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    after = con.execute("select * exclude (dbt_loaded_at) from marts.fct_customer_feature_snapshots").df()
    new_orders = con.execute(
        f"select count(*) from intermediate.int_orders_cleaned where ordered_at >= '{end}'"
    ).fetchone()[0]
    con.close()
    assert new_orders > 0  # the appended days did bring later data

    # late events of the last `late_days` days arrive with the append: compare snapshots before them
    stable = end - pd.Timedelta(days=cfg.late_days)
    keys = ["customer_id", "as_of_date"]
    old = before[pd.to_datetime(before.as_of_date) <= stable].sort_values(keys).reset_index(drop=True)
    new = after[pd.to_datetime(after.as_of_date) <= stable].sort_values(keys).reset_index(drop=True)
    assert len(old) > 1000 and old.as_of_date.nunique() >= 3
    pd.testing.assert_frame_equal(old, new, check_exact=False, rtol=1e-9)
    # and the new data does show up in a later snapshot
    assert pd.to_datetime(after.as_of_date).max() > pd.to_datetime(before.as_of_date).max()


def test_scaling_parameters_reproduce_scikit_learn(db):
    params = db.execute("select * from ml.feature_scaling_params").df().set_index("feature_name")
    training = db.execute(
        """
        select s.* from marts.fct_customer_feature_snapshots s
        join marts.fct_customer_labels l using (customer_id, as_of_date)
        where l.is_purchase_window_complete
        """
    ).df()
    features = list(params.index)
    matrix = training[features].astype("float64").to_numpy()
    minmax = MinMaxScaler().fit(matrix)
    standard = StandardScaler().fit(matrix)
    assert np.allclose(params.loc[features, "min_value"], minmax.data_min_, equal_nan=True)
    assert np.allclose(params.loc[features, "max_value"], minmax.data_max_, equal_nan=True)
    assert np.allclose(params.loc[features, "mean_value"], standard.mean_, equal_nan=True)
    assert np.allclose(params.loc[features, "std_value"], np.sqrt(standard.var_), equal_nan=True)


def test_scaled_features_use_the_stored_parameters(db):
    """Method auto: log(1 + x) then z-score for skewed counts and day counts, z-score for shares."""
    params = db.execute("select * from ml.feature_scaling_params").df().set_index("feature_name")
    cols = "customer_id, recency_days, discount_share, session_conversion_90d"
    raw = db.execute(f"select {cols} from marts.dim_customer_features order by 1").df()
    scaled = db.execute(f"select {cols} from ml.customer_features_scaled order by 1").df()
    logged = (np.log1p(raw.recency_days.astype(float)) - params.loc["recency_days", "log1p_mean_value"]) / params.loc[
        "recency_days", "log1p_std_value"
    ]
    assert np.allclose(scaled.recency_days.astype(float), logged, equal_nan=True)
    for feature in ("discount_share", "session_conversion_90d"):
        expected = (raw[feature].astype(float) - params.loc[feature, "mean_value"]) / params.loc[feature, "std_value"]
        assert np.allclose(scaled[feature].astype(float), expected, equal_nan=True)
    # nulls stay null (customers without orders have no recency)
    assert scaled.recency_days.isna().sum() == raw.recency_days.isna().sum() > 0


def test_rfm_scores_point_the_right_way(db):
    by_score = db.execute(
        """
        select rfm_recency_score, avg(recency_days), min(recency_days), max(recency_days)
        from marts.dim_customer_features where orders_lifetime > 0 group by 1 order by 1
        """
    ).fetchall()
    assert [r[0] for r in by_score] == [1, 2, 3, 4, 5]
    means = [r[1] for r in by_score]
    assert means == sorted(means, reverse=True)  # higher score = more recent
    # bucket edges do not overlap: every score-5 customer is at least as recent as every score-4 one
    for lower, higher in zip(by_score, by_score[1:], strict=False):
        assert higher[3] <= lower[2]
    spend = db.execute(
        "select rfm_monetary_score, avg(revenue_365d) from marts.dim_customer_features where orders_lifetime > 0 group by 1 order by 1"
    ).fetchall()
    assert [r[1] for r in spend] == sorted(r[1] for r in spend)
    assert (
        db.execute(
            "select count(*) from marts.dim_customer_features where orders_lifetime = 0 and rfm_recency_score <> 1"
        ).fetchone()[0]
        == 0
    )


def test_true_churn_drivers_rank_above_noise(db):
    ranked = db.execute("select * from ml.feature_importance order by importance_rank").df().set_index("feature_name")
    assert (ranked.target == "is_churned").all()
    # the generator's churn hazard acts through activity and ordering; gender and country are pure noise
    drivers = ["events_30d", "sessions_30d", "days_since_last_active", "orders_lifetime"]
    noise = ["gender", "country_code"]
    assert ranked.loc[drivers, "mutual_information"].min() > ranked.loc[noise, "mutual_information"].max()
    assert ranked.loc[drivers, "importance_rank"].max() < ranked.loc[noise, "importance_rank"].min()
    assert not ranked.loc[noise, "is_selected"].any()
    assert ranked.is_selected.sum() >= 5


def test_every_signed_up_customer_has_features(db):
    missing = db.execute(
        "select count(*) from marts.dim_customers d left join marts.dim_customer_features f using (customer_id) "
        "where f.customer_id is null"
    ).fetchone()[0]
    assert missing == 0
