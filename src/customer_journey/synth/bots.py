"""Bot traffic and hard-case humans: anonymous visitors the warehouse's bot filter must (not) catch.

`bot_share` of the entities (customers + anonymous visitors) get a bot of their own, on a device
no person uses, of one of these kinds:

- crawler: one or two visits of 100-220 page and product views a few seconds apart, no
  interaction (half of them fast: over 20 events a minute);
- poller: one page fetched at a fixed whole-second interval (10 minutes to an hour), for a day
  or two: perfectly regular intervals;
- headless: one to three bursts of 25-60 product views and add-to-carts within a minute;
- slow_poller: one poller (every 30 minutes) that starts 6 hours before the end of the first
  window, so it can be told from a person only once `--append-days` has brought more of it.

Beside them, a third as many `heavy_human` visitors: long, fast-clicking but human browsing
(searches, carts, irregular gaps), which the filter must leave alone. Bots never order.

Every bot's whole event stream is drawn from a random state of its own (seed, bot), and a window
writes the events that fall in it: the same bots whatever the windows, and appended days continue
them. None of this touches the persons' random streams: with `bot_share` 0 the data set is
byte-identical to one generated before bots existed, and with bots the persons' rows are the same.
`_truth/bots.parquet` lists every planted visitor (anonymous_id, bot_kind, is_bot).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from customer_journey.synth import personas as P
from customer_journey.synth.config import SECONDS_PER_DAY, SynthConfig
from customer_journey.synth.encode import id_base, ts_strings
from customer_journey.synth.schemas import EVENT_SCHEMA

BOT_KINDS = ("crawler", "poller", "headless", "slow_poller")
HUMAN_KINDS = ("heavy_human",)
# the chunk number of the bots' event parts and ids (the persons' chunks count from 0)
BOT_CHUNK = 9_999
# the random streams of the bots (kinds and times, then one per bot's events)
_PLAN_STREAM, _EVENT_STREAM = 30, 31


@dataclass
class Planted:
    """The planted visitors: one row each."""

    anonymous_id: np.ndarray
    kind: np.ndarray  # a name from BOT_KINDS or HUMAN_KINDS
    start: np.ndarray  # days since the start date
    span: np.ndarray  # days active

    @property
    def is_bot(self) -> np.ndarray:
        return np.isin(self.kind, BOT_KINDS)


def plant(cfg: SynthConfig) -> Planted:
    """The bots and heavy humans of a data set, from its settings alone (every window draws the same)."""
    entities = cfg.customers + cfg.visitors
    n_bots = int(round(cfg.bot_share * entities))
    if n_bots == 0:
        empty = np.array([], dtype=object)
        return Planted(empty, empty, np.array([]), np.array([]))
    rng = np.random.default_rng([cfg.seed, _PLAN_STREAM])
    regular = rng.permutation(np.arange(n_bots - 1) % 3)  # crawler, poller, headless in turn
    kinds = [*(BOT_KINDS[k] for k in regular), "slow_poller", *(["heavy_human"] * max(1, n_bots // 3))]
    n = len(kinds)
    days = float(cfg.days)
    start = rng.uniform(0.0, max(days - 2.0, 0.5), size=n)
    span = rng.uniform(0.5, 2.0, size=n)
    kind = np.array(kinds, dtype=object)
    start[kind == "slow_poller"] = days - 0.25
    span[kind == "slow_poller"] = 3.0
    span[kind == "heavy_human"] = rng.uniform(5.0, 30.0, size=int((kind == "heavy_human").sum()))
    # devices of their own, numbered after the persons' (anon-<entity>-<slot>)
    ids = np.array([f"anon-{entities + i:08d}-0" for i in range(n)], dtype=object)
    return Planted(ids, kind, start, span)


def _stream(cfg: SynthConfig, planted: Planted, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times in days, event type names, page paths) of planted visitor i's whole life."""
    rng = np.random.default_rng([cfg.seed, _EVENT_STREAM, i])
    kind, start, span = planted.kind[i], planted.start[i], planted.span[i]
    start_s = np.floor(start * SECONDS_PER_DAY)
    if kind in ("poller", "slow_poller"):
        interval = 1_800 if kind == "slow_poller" else int(rng.choice([600, 900, 1_200, 1_800, 3_600]))
        count = max(int(span * SECONDS_PER_DAY // interval), 30)
        secs = start_s + interval * np.arange(count)
        page = "/" if rng.random() < 0.5 else f"/product/P{int(rng.integers(0, 400)):05d}"
        types = np.full(count, "page_view" if page == "/" else "product_view", dtype=object)
        return secs / SECONDS_PER_DAY, types, np.full(count, page, dtype=object)
    if kind == "crawler":
        fast = rng.random() < 0.5
        visits = 1 + int(rng.random() < 0.4)
        pieces = []
        for _ in range(visits):
            count = int(rng.integers(100, 221))
            gaps = rng.uniform(0.5, 2.5, count) if fast else rng.uniform(3.0, 9.0, count)
            pieces.append(start_s + rng.uniform(0, span * SECONDS_PER_DAY) + np.cumsum(gaps))
        secs = np.sort(np.floor(np.concatenate(pieces)))
        product = rng.random(len(secs)) < 0.6
        first = int(rng.integers(0, 200))
        pages = np.where(product, [f"/product/P{(first + k) % 400:05d}" for k in range(len(secs))], "/")
        types = np.where(product, "product_view", "page_view").astype(object)
        return secs / SECONDS_PER_DAY, types, pages.astype(object)
    if kind == "headless":
        pieces = []
        for _ in range(1 + int(rng.poisson(1.0))):
            count = int(rng.integers(25, 61))
            pieces.append(start_s + rng.uniform(0, span * SECONDS_PER_DAY) + np.cumsum(rng.uniform(0.3, 2.5, count)))
        secs = np.sort(np.floor(np.concatenate(pieces)))
        cart = rng.random(len(secs)) < 0.3
        prods = rng.integers(0, 400, len(secs))
        types = np.where(cart, "add_to_cart", "product_view").astype(object)
        return secs / SECONDS_PER_DAY, types, np.array([f"/product/P{p:05d}" for p in prods], dtype=object)
    # heavy_human: several long sessions of fast but irregular browsing, with searches and carts
    pieces = []
    for _ in range(int(rng.integers(3, 9))):
        count = int(rng.integers(40, 111))
        pieces.append(start_s + rng.uniform(0, span * SECONDS_PER_DAY) + np.cumsum(rng.exponential(25.0, count)))
    secs = np.sort(np.floor(np.concatenate(pieces)))
    types = rng.choice(["product_view", "page_view", "search", "add_to_cart"], size=len(secs), p=[0.55, 0.2, 0.15, 0.1])
    pages = np.array(
        [
            f"/product/P{int(p):05d}" if t in ("product_view", "add_to_cart") else ("/search" if t == "search" else "/")
            for t, p in zip(types, rng.integers(0, 400, len(secs)), strict=True)
        ],
        dtype=object,
    )
    return secs / SECONDS_PER_DAY, types.astype(object), pages


def planted_events(cfg: SynthConfig, planted: Planted, d0: int, d1: int) -> pa.Table:
    """The planted visitors' events timed in days [d0, d1), as raw events rows (no dirt, never late)."""
    times, types, pages, who = [], [], [], []
    for i in range(len(planted.kind)):
        if planted.start[i] >= d1 or planted.start[i] + planted.span[i] + 1.0 < d0:
            continue
        t, ty, pg = _stream(cfg, planted, i)
        keep = (t >= d0) & (t < d1)
        times.append(t[keep])
        types.append(ty[keep])
        pages.append(pg[keep])
        who.append(np.full(int(keep.sum()), i))
    if not times:
        return EVENT_SCHEMA.empty_table()
    t, ty, pg, w = (np.concatenate(x) for x in (times, types, pages, who))
    order = np.lexsort((t, w))
    t, ty, pg, w = t[order], ty[order], pg[order], w[order]
    n = len(t)
    is_search = ty == "search"
    has_product = np.isin(ty, ["product_view", "add_to_cart"])
    rng = np.random.default_rng([cfg.seed, _EVENT_STREAM, d0])
    human = ~np.isin(planted.kind[w], BOT_KINDS)
    queries = np.array(P.SEARCH_TERMS, dtype=object)[rng.integers(0, len(P.SEARCH_TERMS), n)]
    return pa.table(
        {
            "event_id": pa.array(id_base(d0, BOT_CHUNK) + np.arange(n), pa.int64()),
            "event_at": ts_strings(cfg.epoch, t),
            "anonymous_id": pa.array(planted.anonymous_id[w], pa.string()),
            "customer_id": pa.nulls(n, pa.string()),
            "event_type": pa.array(ty, pa.string()),
            "channel": pa.array(np.where(human, "organic_search", "direct"), pa.string()),
            "device": pa.array(np.where(human, "mobile_web", "desktop"), pa.string()),
            "page_path": pa.array(pg, pa.string()),
            "product_id": pa.array(
                [p[len("/product/") :] if h else None for p, h in zip(pg, has_product, strict=True)], pa.string()
            ),
            "search_query": pa.array(np.where(is_search, queries, None), pa.string()),
            "search_results_count": pa.array(rng.integers(1, 120, n), pa.int32(), mask=~is_search),
            "utm_source": pa.nulls(n, pa.string()),
            "utm_medium": pa.nulls(n, pa.string()),
            "utm_campaign": pa.nulls(n, pa.string()),
        },
        schema=EVENT_SCHEMA,
    )


def write_bots_truth(planted: Planted, truth: Path) -> None:
    """`_truth/bots.parquet`: every planted visitor, bot or heavy human."""
    pq.write_table(
        pa.table(
            {
                "anonymous_id": pa.array(planted.anonymous_id, pa.string()),
                "bot_kind": pa.array(planted.kind, pa.string()),
                "is_bot": pa.array(planted.is_bot, pa.bool_()),
            }
        ),
        truth / "bots.parquet",
    )
