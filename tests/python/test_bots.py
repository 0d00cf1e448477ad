"""Bot traffic (docs/bots.md) on the e2e warehouse: the planted bots (_truth/bots.parquet) are
flagged and the heavy humans are not, the bots' events are quarantined with reason bot and reach no
table after the cleaning layer, and the funnel equals one recomputed from the raw files without them."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow.dataset as ds
import pytest

from bot_exclusion import flagged_devices, without_bot_events
from customer_journey.synth import SynthConfig
from customer_journey.synth.bots import BOT_KINDS, plant, planted_events
from test_journey import _funnel_from_raw

MIN_PRECISION = MIN_RECALL = 0.95


@pytest.fixture(scope="module")
def truth(e2e_data) -> pd.DataFrame:
    return pd.read_parquet(e2e_data / "_truth" / "bots.parquet")


@pytest.fixture(scope="module")
def raw_events(e2e_data) -> pd.DataFrame:
    columns = ["event_id", "anonymous_id", "customer_id"]
    events = ds.dataset(e2e_data / "events").to_table(columns=columns).to_pandas()
    # dirt nulls some event ids (quarantined as null_event_id): the bots' events all have one
    events = events[events.event_id.notna()]
    return events.astype({"event_id": "int64"})


@pytest.fixture(scope="module")
def flagged(e2e_warehouse) -> set[str]:
    return flagged_devices(e2e_warehouse)


def _precision_recall(found: set, true: set) -> tuple[float, float]:
    hits = len(found & true)
    return hits / max(len(found), 1), hits / max(len(true), 1)


def test_planted_bots_are_caught_and_heavy_humans_are_not(truth, raw_events, flagged):
    bots = set(truth[truth.is_bot].anonymous_id)
    assert len(bots) >= 20 and set(truth.bot_kind) >= set(BOT_KINDS) | {"heavy_human"}
    precision, recall = _precision_recall(flagged, bots)
    # per event: the anonymous events of flagged devices against those of the planted bots
    anonymous = raw_events[raw_events.customer_id.isna()]
    flagged_events = set(anonymous[anonymous.anonymous_id.isin(flagged)].event_id)
    bot_events = set(anonymous[anonymous.anonymous_id.isin(bots)].event_id)
    event_precision, event_recall = _precision_recall(flagged_events, bot_events)
    print(
        f"\nbot visitors: {len(flagged)} flagged, {len(bots)} planted: precision {precision:.3f}, recall {recall:.3f}"
        f"\nbot events: {len(flagged_events)} flagged, {len(bot_events)} planted: "
        f"precision {event_precision:.3f}, recall {event_recall:.3f}"
    )
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL
    assert event_precision >= MIN_PRECISION and event_recall >= MIN_RECALL
    # the hard cases: long, fast human browsing is left alone
    assert not flagged & set(truth[truth.bot_kind == "heavy_human"].anonymous_id)


def test_each_kind_of_bot_breaks_its_rule(db, truth):
    rules = db.execute("select anonymous_id, bot_rule from intermediate.int_bot_visitors").df()
    kinds = rules.merge(truth, on="anonymous_id").groupby("bot_kind").bot_rule.agg(set)
    assert kinds["poller"] == {"regular_intervals"}
    assert kinds["headless"] == {"events_per_minute"}
    assert kinds["crawler"] <= {"events_per_minute", "views_without_interaction"}
    # the slow crawlers (a view every 3-9 s) are caught by their views without interaction alone
    assert "views_without_interaction" in kinds["crawler"]


def test_bot_events_are_quarantined_and_go_nowhere_else(db, raw_events, flagged):
    anonymous = raw_events[raw_events.customer_id.isna()]
    expected = set(anonymous[anonymous.anonymous_id.isin(flagged)].event_id.astype(str))
    quarantined = db.execute(
        "select row_key, raw_values from marts.fct_quarantined_rows where quarantine_reason = 'bot'"
    ).df()
    assert set(quarantined.row_key) == expected and len(quarantined) == len(expected)
    assert quarantined.raw_values.str.contains('"anonymous_id":"anon-').all()
    summary = db.execute(
        "select quarantined_rows from marts.rpt_quarantine_summary "
        "where source_table = 'events' and quarantine_reason = 'bot'"
    ).fetchone()[0]
    assert summary == len(expected)
    devices = sorted(flagged)
    for relation, column in [
        ("intermediate.int_events_cleaned", "anonymous_id"),
        ("intermediate.int_events_stitched", "anonymous_id"),
        ("intermediate.int_funnel_entries", "person_id"),
        ("marts.fct_sessions", "anonymous_id"),
    ]:
        ids = devices if column == "anonymous_id" else [f"anon:{d}" for d in devices]
        found = db.execute(f"select count(*) from {relation} where {column} in (select unnest(?))", [ids]).fetchone()
        assert found[0] == 0, relation
    # the quarantine still reconciles: raw = clean + quarantined
    totals = db.execute(
        "select raw_rows, clean_rows, quarantined_rows from marts.rpt_quarantine_summary "
        "where source_table = 'events' and quarantine_reason = '_total'"
    ).fetchone()
    assert totals[0] == totals[1] + totals[2]


def test_funnel_equals_the_raw_recomputation_without_bots_not_with_them(db, e2e_data, flagged):
    built = (
        db.execute(
            "select funnel_step as journey_stage, entered_count from marts.rpt_funnel "
            "where funnel_name = 'journey_stages' and period = 'all' and dimension = 'all'"
        )
        .df()
        .set_index("journey_stage")
        .entered_count
    )
    without, _ = _funnel_from_raw(e2e_data, bots=flagged)
    with_bots, _ = _funnel_from_raw(e2e_data, bots=None)
    assert (built.reindex(without.index) == without.entered).all()
    # every bot is a person of its own in the awareness stage; the headless bots' carts reach consideration
    assert with_bots.loc["awareness", "entered"] - built["awareness"] == len(flagged)
    assert with_bots.loc["consideration", "entered"] > built["consideration"]
    assert (
        with_bots.loc[["purchase", "retention", "advocacy"], "entered"]
        == without.loc[["purchase", "retention", "advocacy"], "entered"]
    ).all()


def test_bot_streams_continue_across_appended_windows():
    """A bot's events come from its own random state: windows cut the same stream."""
    cfg = SynthConfig(customers=300, days=20, seed=3, bot_share=0.05)
    planted = plant(cfg)
    whole = planted_events(cfg, planted, 0, 23).to_pandas()
    parts = pd.concat(
        [planted_events(cfg, planted, 0, 20).to_pandas(), planted_events(cfg, planted, 20, 23).to_pandas()]
    )
    columns = ["event_at", "anonymous_id", "event_type", "page_path"]
    assert (
        whole[columns]
        .sort_values(columns)
        .reset_index(drop=True)
        .equals(parts[columns].sort_values(columns).reset_index(drop=True))
    )
    slow = planted.anonymous_id[planted.kind == "slow_poller"][0]
    assert (parts.anonymous_id == slow).sum() > 0 and (
        whole[whole.event_at < "2025-06-21"].anonymous_id == slow
    ).sum() < 20
    assert (
        planted_events(
            SynthConfig(customers=300, days=20, seed=3, bot_share=0),
            plant(SynthConfig(customers=300, days=20, seed=3, bot_share=0)),
            0,
            20,
        ).num_rows
        == 0
    )


def test_without_bot_events_keeps_identified_events():
    events = pd.DataFrame(
        {"anonymous_id": ["a", "a", "b", None], "customer_id": [None, "C1", None, "C2"], "event_id": [1, 2, 3, 4]}
    )
    assert without_bot_events(events, {"a"}).event_id.tolist() == [2, 3, 4]


def test_flagged_devices_reads_the_model(tmp_path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate; create table intermediate.int_bot_visitors as select 'x' as anonymous_id")
    con.close()
    assert flagged_devices(path) == {"x"}
