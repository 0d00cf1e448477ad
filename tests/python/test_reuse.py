"""When a dbt Python model keeps its stored result: every branch of customer_journey.ml.reuse."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from customer_journey.ml.reuse import Decision, can_reuse_importance, should_reselect_k, should_retrain


def test_a_decision_is_truthy_exactly_when_yes():
    assert Decision(True, "why")
    assert not Decision(False, "why not")


# --- feature importance --------------------------------------------------------------------------


SELECTION = "top_k=20, min_mutual_information=0.001, permutation_repeats=5"


def _importance(*fingerprints: str, settings: str = SELECTION) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "feature_name": [f"f{i}" for i in range(len(fingerprints))],
            "training_fingerprint": fingerprints,
            "selection_settings": settings,
        }
    )


def test_importance_is_reused_when_every_row_has_todays_fingerprint_and_settings():
    decision = can_reuse_importance(_importance("400-ab", "400-ab"), "400-ab", SELECTION)
    assert decision.yes and "400-ab" in decision.reason


def test_importance_is_recomputed_without_a_stored_table():
    decision = can_reuse_importance(None, "400-ab", SELECTION)
    assert not decision.yes and decision.reason == "no stored feature_importance yet"


def test_importance_is_recomputed_when_the_stored_table_is_empty():
    decision = can_reuse_importance(_importance(), "400-ab", SELECTION)
    assert not decision.yes and "empty" in decision.reason


def test_importance_is_recomputed_when_the_stored_table_predates_fingerprints():
    decision = can_reuse_importance(pd.DataFrame({"feature_name": ["x"]}), "400-ab", SELECTION)
    assert not decision.yes and "training_fingerprint" in decision.reason


def test_importance_is_recomputed_when_the_stored_table_predates_selection_settings():
    stored = _importance("400-ab").drop(columns="selection_settings")
    decision = can_reuse_importance(stored, "400-ab", SELECTION)
    assert not decision.yes and "selection_settings" in decision.reason


def test_importance_is_recomputed_when_the_labelled_rows_changed():
    decision = can_reuse_importance(_importance("399-cd", "399-cd"), "400-ab", SELECTION)
    assert not decision.yes and "399-cd" in decision.reason and "400-ab" in decision.reason


def test_importance_is_recomputed_when_only_some_rows_match():
    assert not can_reuse_importance(_importance("400-ab", "399-cd"), "400-ab", SELECTION).yes


def test_importance_is_recomputed_when_the_selection_settings_changed():
    stricter = SELECTION.replace("permutation_repeats=5", "permutation_repeats=20")
    decision = can_reuse_importance(_importance("400-ab", "400-ab"), "400-ab", stricter)
    assert not decision.yes and "settings changed" in decision.reason and "permutation_repeats=20" in decision.reason


# --- choice of k ---------------------------------------------------------------------------------

SETTINGS = "[['recency_days'], 2, 10, 0, 42]"


def _choice(settings: str = SETTINGS, on: str = "2025-09-01", customers: int = 1000) -> pd.DataFrame:
    return pd.DataFrame(
        {"k": [2, 3], "settings": settings, "data_as_of_date": pd.Timestamp(on), "customer_count": customers}
    )


def _reselect(stored, data_date=date(2025, 9, 10), customers=1000, after=28):
    return should_reselect_k(stored, SETTINGS, data_date, customers, after)


def test_k_is_kept_within_the_window_and_the_count_tolerance():
    decision = _reselect(_choice(), customers=1100)
    assert not decision.yes and "9 days ago" in decision.reason


def test_k_is_chosen_without_a_stored_choice():
    assert _reselect(None).yes
    assert _reselect(_choice().iloc[0:0]).yes


def test_k_is_chosen_when_the_stored_choice_lacks_a_column():
    decision = _reselect(_choice().drop(columns="customer_count"))
    assert decision.yes and "customer_count" in decision.reason


def test_k_is_chosen_when_the_settings_changed():
    decision = _reselect(_choice(settings="[['recency_days'], 2, 8, 0, 42]"))
    assert decision.yes and "settings" in decision.reason


def test_k_is_chosen_every_build_when_reselect_after_days_is_zero():
    decision = _reselect(_choice(), after=0)
    assert decision.yes and "is 0" in decision.reason


def test_k_is_chosen_when_the_data_is_older_than_the_choice():
    decision = _reselect(_choice(on="2025-09-20"))
    assert decision.yes and "older" in decision.reason


def test_k_is_chosen_once_the_choice_is_reselect_after_days_old():
    assert not _reselect(_choice(), data_date=date(2025, 9, 28)).yes  # 27 days
    decision = _reselect(_choice(), data_date=date(2025, 9, 29))  # 28 days
    assert decision.yes and "28 days old" in decision.reason


def test_k_is_chosen_when_the_customer_count_moved_more_than_ten_percent():
    assert not _reselect(_choice(), customers=900).yes  # exactly 10 %: kept
    decision = _reselect(_choice(), customers=899)
    assert decision.yes and "1,000 to 899" in decision.reason
    assert _reselect(_choice(), customers=1101).yes


# --- retraining ----------------------------------------------------------------------------------

FEATURES = ["recency_days", "orders_365d"]
CHAMPION = {"feature_list": "recency_days, orders_365d", "validation_date": "2025-08-01"}


def test_never_keeps_the_champion_even_without_one():
    decision = should_retrain("never", None, FEATURES, "2025-12-01", 30)
    assert not decision.yes and "never" in decision.reason


def test_always_trains_even_with_a_fresh_champion():
    decision = should_retrain("always", CHAMPION, FEATURES, "2025-08-01", 30)
    assert decision.yes and "always" in decision.reason


def test_auto_trains_without_a_champion():
    decision = should_retrain("auto", None, FEATURES, "2025-08-01", 30)
    assert decision.yes and decision.reason == "no champion yet"


def test_auto_trains_when_the_feature_list_changed():
    decision = should_retrain("auto", CHAMPION, ["recency_days"], "2025-08-01", 30)
    assert decision.yes and "features changed" in decision.reason


def test_auto_trains_when_the_champion_is_older_than_retrain_after_days():
    assert not should_retrain("auto", CHAMPION, FEATURES, "2025-08-31", 30).yes  # 30 days: kept
    decision = should_retrain("auto", CHAMPION, FEATURES, date(2025, 9, 1), 30)  # 31 days
    assert decision.yes and "31 days" in decision.reason


def test_auto_keeps_a_fresh_champion():
    decision = should_retrain("auto", CHAMPION, FEATURES, "2025-08-15", 30)
    assert not decision.yes and "14 days" in decision.reason


def test_an_unknown_retrain_mode_is_refused_by_name():
    with pytest.raises(ValueError, match="var retrain: 'sometimes' is not one of auto, always, never"):
        should_retrain("sometimes", None, FEATURES, "2025-08-01", 30)
