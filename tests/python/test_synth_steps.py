"""The generator's steps one at a time (customer_journey.synth: latent -> journeys -> orders ->
feedback -> marketing, dirt), and windows in which nobody is active."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from customer_journey.synth import SynthConfig, generate
from customer_journey.synth.chunk import generate_chunk, window_rng
from customer_journey.synth.dirt import inject_dirt
from customer_journey.synth.feedback import draw_feedback
from customer_journey.synth.journeys import TYPE_CODE, draw_events, draw_sessions, events_table
from customer_journey.synth.latent import draw_latent
from customer_journey.synth.marketing import draw_actions
from customer_journey.synth.orders import draw_orders
from customer_journey.synth.schemas import SCHEMAS

CFG = SynthConfig(customers=300, days=60, seed=11)


@pytest.fixture(scope="module")
def window():
    lat = draw_latent(CFG)
    ents = np.arange(len(lat.persona))
    rng = window_rng(CFG, 0, 0, 0)
    sessions = draw_sessions(rng, lat, ents, 0, CFG.days)
    events = draw_events(rng, lat, sessions)
    event_rows = events_table(rng, lat, sessions, events, CFG.epoch, 0)
    orders = draw_orders(rng, lat, events, CFG.epoch, 0)
    return lat, ents, rng, sessions, events, event_rows, orders


def test_sessions_are_sorted_and_every_timeline_moment_has_one(window):
    lat, _, _, s, _, _, _ = window
    assert (np.diff(s.ent) >= 0).all()
    same = s.ent[1:] == s.ent[:-1]
    assert (np.diff(s.t)[same] >= 0).all()
    # everyone whose first visit falls in the window has a first-visit session then
    visited = np.flatnonzero(lat.first_visit < CFG.days)
    first = s.kind == 1
    assert set(s.ent[first]) == set(visited)
    assert np.allclose(np.sort(s.t[first]), np.sort(lat.first_visit[s.ent[first]]))


def test_purchase_sessions_check_out_then_complete_an_order(window):
    _, _, _, s, e, rows, orders = window
    completed = e.type == TYPE_CODE["order_completed"]
    assert completed.sum() == s.purchase.sum() == orders.orders.num_rows
    checkout = e.type == TYPE_CODE["checkout_start"]
    assert (e.sess[checkout] == e.sess[completed]).all() and (e.t[checkout] <= e.t[completed]).all()
    assert rows.schema == SCHEMAS["events"] and rows.num_rows == len(e.sess)
    # an order's items add up to its item count, its amount is what was paid after discount
    items = orders.items.to_pandas().groupby("order_id").quantity.sum()
    table = orders.orders.to_pandas().set_index("order_id")
    assert (items.reindex(table.index) == table.item_count).all()
    assert (table.order_amount >= 0).all() and (table.discount_amount >= 0).all()


def test_reviews_rate_orders_of_their_customer_after_the_order(window):
    lat, ents, rng, _, e, _, orders = window
    feedback, due = draw_feedback(rng, lat, ents, 0, CFG.days, orders, e, CFG.epoch, 0)
    frame = feedback.to_pandas()
    reviews = frame[frame.feedback_type == "review"]
    assert len(reviews) and reviews.score.between(1, 5).all()
    by_order = orders.orders.to_pandas().set_index("order_id")
    assert (by_order.loc[reviews.order_id, "customer_id"].to_numpy() == reviews.customer_id.to_numpy()).all()
    assert (reviews.created_at.to_numpy() > by_order.loc[reviews.order_id, "ordered_at"].to_numpy()).all()
    assert len(due) == len(frame)


def test_planned_actions_form_their_own_campaign_with_a_tenth_held_out():
    cfg = SynthConfig(customers=2000, days=30, seed=4)
    lat = draw_latent(cfg)
    targets = np.flatnonzero(lat.is_customer)[:1500]
    plan = (targets, np.full(len(targets), 1))  # discount_10 to everyone
    table, due = draw_actions(
        window_rng(cfg, 0, 30, 1), window_rng(cfg, 0, 30, 2), lat, 0, len(lat.persona), 30, 31, plan, cfg.epoch, 0
    )
    frame = table.to_pandas()
    planned = frame[frame.campaign_id == "plan-d00030-discount_10"]
    assert len(planned) == 1500 and planned.customer_id.is_unique
    holdout = (planned.action_code == "holdout").mean()
    assert 0.07 < holdout < 0.13 and set(planned.action_code) == {"discount_10", "holdout"}
    assert planned[planned.action_code == "holdout"].opened_at.isna().all()
    # a row is exported once its 7-day attribution window has closed
    sent_days = (pd.to_datetime(frame.sent_at) - pd.Timestamp(cfg.start)) / pd.Timedelta(days=1)
    assert np.allclose(sent_days, due - 7.0, atol=1 / 86_400)


def test_a_window_in_which_nobody_is_active_gives_empty_tables():
    """Everyone has churned long before day 1000: no sessions, so no events (this used to crash)."""
    lat = draw_latent(SynthConfig(customers=40, days=30, seed=1))
    produced = generate_chunk(SynthConfig(customers=40, days=30, seed=1), lat, 0, 0, len(lat.persona), 1000, 1001)
    for table, (rows, due) in produced.items():
        assert rows.num_rows == 0 == len(due), table
        assert rows.schema == SCHEMAS[table]


def test_appending_after_a_quiet_chunk_extends_the_data_set(tmp_path):
    """A chunk of entities with no activity in the appended days (this used to crash the append)."""
    out = tmp_path / "raw"
    cfg = SynthConfig(
        customers=400, days=30, seed=5, dirt_rate=0.05, late_rate=0.1, shared_device_rate=0.05, chunk_size=97
    )
    generate(cfg, out, quiet=True)
    generate(cfg, out, append_days=3, quiet=True)
    generate(cfg, out, append_days=2, quiet=True)
    manifest = json.loads((out / "_truth" / "manifest.json").read_text())
    assert manifest["windows"] == [[0, 30], [30, 33], [33, 35]]
    assert (out / "events" / "part-d00033-00035-c0000.parquet").exists()


def test_dirt_copies_duplicates_and_breaks_the_picked_rows():
    n = 2000
    data = pa.table(
        {
            "event_id": pa.array(np.arange(n), pa.int64()),
            "event_at": pa.array(["2025-06-01 10:00:00"] * n),
            "anonymous_id": pa.array(["anon"] * n),
            "customer_id": pa.array([None] * n, pa.string()),
            "event_type": pa.array(["page_view"] * n),
            "channel": pa.array(["direct"] * n),
            "device": pa.array(["desktop"] * n),
            "page_path": pa.array(["/"] * n),
            "product_id": pa.array([None] * n, pa.string()),
            "search_query": pa.array([None] * n, pa.string()),
            "search_results_count": pa.array([None] * n, pa.int32()),
            "utm_source": pa.array([None] * n, pa.string()),
            "utm_medium": pa.array([None] * n, pa.string()),
            "utm_campaign": pa.array([None] * n, pa.string()),
        },
        schema=SCHEMAS["events"],
    )
    dirty, due, kinds = inject_dirt("events", data, np.arange(n, dtype=float), 0.2, np.random.default_rng(0))
    frame = dirty.to_pandas().assign(kind=kinds, due=due)
    copies = (frame.kind == "exact_duplicate").sum() + (frame.kind == "duplicate_event_id").sum()
    assert len(frame) == n + copies and copies > 0
    assert frame.loc[frame.kind == "null_event_id", "event_id"].isna().all()
    assert frame.loc[frame.kind == "future_timestamp", "event_at"].str.startswith("2031-").all()
    assert frame.loc[frame.kind == "tz_offset_clean", "event_at"].str.endswith("+02:00").all()
    duplicated_ids = frame.loc[frame.kind == "duplicate_event_id", "event_id"]
    assert (frame.event_id.isin(duplicated_ids) & frame.kind.isna()).sum() == len(duplicated_ids)  # originals clean
    assert frame.loc[frame.kind == "duplicate_event_id", "event_type"].eq("product_view").all()
    # a row keeps its due time through the shuffle
    assert (frame.dropna(subset=["event_id"]).pipe(lambda f: f.due == f.event_id.astype(float))).all()
