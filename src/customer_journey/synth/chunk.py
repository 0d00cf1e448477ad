"""One chunk of entities over one window of days: sessions -> events -> orders -> feedback -> actions.

Each chunk draws from a random state seeded by (seed, chunk, window start), so the same arguments
give the same rows whatever the chunk size of the machine's memory allows. The steps share that
random state in this order; reordering them changes the data.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from customer_journey.synth.config import SynthConfig
from customer_journey.synth.encode import id_base
from customer_journey.synth.feedback import draw_feedback, of_types
from customer_journey.synth.journeys import draw_events, draw_sessions, events_table
from customer_journey.synth.latent import Latent
from customer_journey.synth.marketing import Plan, draw_actions
from customer_journey.synth.orders import draw_orders, without_prices

# table -> (rows, when each row may be exported, in days since the start date)
ChunkTables = dict[str, tuple[pa.Table, np.ndarray]]


def window_rng(cfg: SynthConfig, chunk: int, d0: int, stream: int) -> np.random.Generator:
    """The random state of one stream (0 journeys, 1 marketing, 2 planned actions) of a chunk and window."""
    return np.random.default_rng([cfg.seed, 1 + stream, chunk, d0])


def generate_chunk(
    cfg: SynthConfig,
    lat: Latent,
    chunk: int,
    lo: int,
    hi: int,
    d0: int,
    d1: int,
    plan: Plan | None = None,
) -> ChunkTables:
    """Sessions, events, orders, items, feedback and actions of entities [lo, hi) in days [d0, d1):
    the tables the data shape writes (orders and items always), as the shape has them.

    `plan` (entity indices, action indices): actions someone chose to send on day d0, on top of the
    generator's own campaigns; a tenth of them become holdouts (the control). Their outcomes come from
    the same response model (persona base rate + the action's true uplift).
    """
    shape = cfg.regime
    rng = window_rng(cfg, chunk, d0, 0)
    ents = np.arange(lo, hi)
    first_id = id_base(d0, chunk)
    sessions = draw_sessions(rng, lat, ents, d0, d1)
    events = draw_events(rng, lat, sessions)
    tables: ChunkTables = {}
    # a table the shape does not write is not made (and its draws not taken): orders still follow
    # the events' purchases, whether or not the clickstream is written
    if shape.writes("events"):
        tables["events"] = (events_table(rng, lat, sessions, events, cfg.epoch, first_id), events.t)
    orders = draw_orders(rng, lat, events, cfg.epoch, first_id)
    order_rows, item_rows = orders.orders, orders.items
    if not shape.priced:
        order_rows, item_rows = without_prices(order_rows), without_prices(item_rows)
    tables["orders"] = (order_rows, orders.t)
    tables["order_items"] = (item_rows, orders.t[orders.item_order])
    if shape.writes("feedback"):
        feedback, feedback_time = draw_feedback(rng, lat, ents, d0, d1, orders, events, cfg.epoch, first_id)
        if shape.feedback_types is not None:
            feedback, feedback_time = of_types(feedback, feedback_time, shape.feedback_types)
        tables["feedback"] = (feedback, feedback_time)
    if shape.writes("marketing_actions"):
        tables["marketing_actions"] = draw_actions(
            window_rng(cfg, chunk, d0, 1),
            window_rng(cfg, chunk, d0, 2),
            lat,
            lo,
            hi,
            d0,
            d1,
            plan,
            cfg.epoch,
            first_id,
        )
    return tables
