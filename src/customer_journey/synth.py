"""Synthetic customer-journey generator: writes the raw tables as Parquet.

    python -m customer_journey.synth --customers 3000 --days 120 --seed 42 --out data/sample
    python -m customer_journey.synth --append-days 1 --out data/sample

The world is driven by latent state drawn once per entity from the seed
(persona, first visit, sign-up, first purchase, churn time, information-gap
exposures, devices), so `--append-days` continues the same customers'
timelines. Each window of days is generated in customer chunks with a
random state seeded by (seed, chunk, window start): the same arguments give
byte-identical tables. Rows whose time falls after the window end (reviews of
recent orders, campaign outcomes, late-arriving events) wait in `_pending/`
and are written by the next `--append-days`.

`_truth/` beside the raw folders holds the ground truth (personas, true churn
parameters, gap-caused drop-offs, true uplifts, every injected dirty row).
The dbt models never read it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from customer_journey import personas as P

SECONDS_PER_DAY = 86_400.0
RAW_TABLES = ("customers", "events", "orders", "order_items", "feedback", "marketing_actions")


@dataclass
class SynthConfig:
    customers: int = 3_000
    days: int = 120
    seed: int = 42
    start: str = "2025-06-01"
    visitors_ratio: float = 0.5
    dirt_rate: float = 0.01
    late_rate: float = 0.02
    late_days: int = 3
    shared_device_rate: float = 0.02
    chunk_size: int = 20_000
    windows: list[list[int]] = field(default_factory=list)

    @property
    def visitors(self) -> int:
        return int(round(self.customers * self.visitors_ratio))


def _utc_epoch(start: str) -> int:
    d = date.fromisoformat(start)
    return int((datetime(d.year, d.month, d.day) - datetime(1970, 1, 1)).total_seconds())


# --------------------------------------------------------------------------
# latent state: one draw per entity, independent of the window
# --------------------------------------------------------------------------


@dataclass
class Latent:
    persona: np.ndarray
    first_visit: np.ndarray  # days since start
    signup: np.ndarray  # days; +inf for visitors
    first_purchase: np.ndarray  # days; +inf when never
    churn: np.ndarray  # days
    gap_time: np.ndarray  # (entities, gaps) days; +inf when not exposed
    gap_caused: np.ndarray  # index into GAPS of the drop-off cause, -1 when none
    n_devices: np.ndarray
    device_kind: np.ndarray  # (entities, 3)
    anon_index: np.ndarray  # (entities, 3): row in `anon_ids`
    anon_ids: np.ndarray  # object array of anonymous id strings
    acquisition: np.ndarray
    favourite_category: np.ndarray
    is_customer: np.ndarray


def draw_latent(cfg: SynthConfig) -> Latent:
    rng = np.random.default_rng([cfg.seed, 0])
    n_c, n_v = cfg.customers, cfg.visitors
    n = n_c + n_v
    share = P.PARAMS.share[:-1] / P.PARAMS.share[:-1].sum()
    persona = np.concatenate([rng.choice(len(share), size=n_c, p=share), np.full(n_v, P.VISITOR)]).astype(np.int8)
    is_customer = np.arange(n) < n_c
    horizon = float(cfg.days)
    first_visit = rng.uniform(0.0, 0.85 * horizon, size=n)
    signup = np.where(
        is_customer,
        np.minimum(first_visit + rng.exponential(1.5, size=n), horizon - 0.01),
        np.inf,
    )
    buyer = is_customer & (rng.random(n) < P.PARAMS.buyer_p[persona])
    first_purchase = np.where(
        buyer,
        np.maximum(signup, first_visit) + rng.exponential(P.PARAMS.first_purchase_mean_days[persona]),
        np.inf,
    )
    churn = first_visit + rng.exponential(1.0 / P.PARAMS.churn_hazard[persona])
    # a customer is active at least until sign-up
    churn = np.where(is_customer, np.maximum(churn, signup + 0.01), churn)

    gap_time = np.full((n, len(P.GAPS)), np.inf)
    gap_caused = np.full(n, -1, dtype=np.int8)
    cause_time = np.full(n, np.inf)
    u_exposed = rng.random((n, len(P.GAPS)))
    u_effect = rng.random((n, len(P.GAPS)))
    u_when = rng.random((n, len(P.GAPS)))
    for g, gap in enumerate(P.GAPS):
        if gap.stage == "retention":
            eligible = np.isfinite(first_purchase)
            lo = np.where(eligible, first_purchase, 0.0) + 2.0
            hi = lo + 28.0
        else:
            lo = first_visit
            hi = np.minimum(
                np.where(np.isfinite(first_purchase), first_purchase, first_visit + 45.0), first_visit + 45.0
            )
            eligible = np.ones(n, dtype=bool)
        when = lo + u_when[:, g] * np.maximum(hi - lo, 0.0)
        exposed = eligible & (u_exposed[:, g] < gap.exposure_p) & (when < churn) & (when < horizon * 1.5)
        # sessions at purchase-stage gaps contain a cart: only sensible before buying
        gap_time[:, g] = np.where(exposed, when, np.inf)
        drop = exposed & (u_effect[:, g] < gap.effect) & (when < cause_time)
        cause_time = np.where(drop, when, cause_time)
        gap_caused = np.where(drop, g, gap_caused).astype(np.int8)
    dropped = gap_caused >= 0
    churn = np.where(dropped, np.minimum(churn, cause_time + rng.uniform(0.01, 0.5, size=n)), churn)
    # dropped before their first purchase: they never buy
    first_purchase = np.where(first_purchase < churn, first_purchase, np.inf)
    # exposures after the (new) churn time never happen
    gap_time = np.where(gap_time < churn[:, None], gap_time, np.inf)

    n_devices = rng.choice([1, 2, 3], size=n, p=[0.55, 0.35, 0.10])
    is_app = rng.random((n, 3)) < P.PARAMS.app_share[persona][:, None]
    device_kind = np.where(
        is_app,
        2 + (rng.random((n, 3)) < 0.45),  # ios / android
        (rng.random((n, 3)) < 0.5).astype(int),  # desktop / mobile web
    ).astype(np.int8)
    anon_index = np.arange(n * 3).reshape(n, 3)
    # shared devices: a customer's second device is another customer's first
    shared = is_customer & (n_devices >= 2) & (rng.random(n) < cfg.shared_device_rate)
    partner = rng.integers(0, max(n_c, 1), size=n)
    anon_index[:, 1] = np.where(shared & (partner != np.arange(n)), partner * 3, anon_index[:, 1])
    anon_ids = np.array([f"anon-{i // 3:08d}-{i % 3}" for i in range(n * 3)], dtype=object)
    acquisition = rng.choice(len(P.ACQUISITION_CHANNELS), size=n, p=P.ACQUISITION_WEIGHTS).astype(np.int8)
    favourite_category = rng.integers(0, len(P.CATEGORIES), size=n).astype(np.int8)
    return Latent(
        persona=persona,
        first_visit=first_visit,
        signup=signup,
        first_purchase=first_purchase,
        churn=churn,
        gap_time=gap_time,
        gap_caused=gap_caused,
        n_devices=n_devices,
        device_kind=device_kind,
        anon_index=anon_index,
        anon_ids=anon_ids,
        acquisition=acquisition,
        favourite_category=favourite_category,
        is_customer=is_customer,
    )


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _ts_strings(epoch: int, days: np.ndarray) -> pa.Array:
    """UTC 'YYYY-MM-DD HH:MM:SS' strings for day offsets (null where not finite)."""
    finite = np.isfinite(days)
    secs = np.where(finite, epoch + np.floor(np.where(finite, days, 0.0) * SECONDS_PER_DAY), 0).astype("int64")
    arr = pa.array(secs, type=pa.timestamp("s"), mask=~finite)
    return pc.cast(arr, pa.string())


def _dict_strings(values: tuple[str, ...] | np.ndarray, idx: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    dictionary = pa.array(list(values), type=pa.string())
    indices = pa.array(idx.astype("int32"), mask=mask)
    return pc.cast(pa.DictionaryArray.from_arrays(indices, dictionary), pa.string())


def _window_rng(cfg: SynthConfig, chunk: int, d0: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([cfg.seed, 1 + stream, chunk, d0])


class _Writer:
    """Writes one Parquet file per (table, window, chunk) and collects truth rows."""

    def __init__(self, out: Path, tag: str) -> None:
        self.out = out
        self.tag = tag

    def write(self, table: str, chunk: int, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        folder = self.out / table
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(data, folder / f"part-{self.tag}-c{chunk:04d}.parquet", compression="zstd")


# --------------------------------------------------------------------------
# one chunk of entities over one window of days
# --------------------------------------------------------------------------

EVENT_SCHEMA = pa.schema(
    [
        ("event_id", pa.int64()),
        ("event_at", pa.string()),
        ("anonymous_id", pa.string()),
        ("customer_id", pa.string()),
        ("event_type", pa.string()),
        ("channel", pa.string()),
        ("device", pa.string()),
        ("page_path", pa.string()),
        ("product_id", pa.string()),
        ("search_query", pa.string()),
        ("search_results_count", pa.int32()),
        ("utm_source", pa.string()),
        ("utm_medium", pa.string()),
        ("utm_campaign", pa.string()),
    ]
)
ORDER_SCHEMA = pa.schema(
    [
        ("order_id", pa.int64()),
        ("customer_id", pa.string()),
        ("ordered_at", pa.string()),
        ("status", pa.string()),
        ("order_amount", pa.float64()),
        ("discount_amount", pa.float64()),
        ("currency", pa.string()),
        ("item_count", pa.int32()),
    ]
)
ORDER_ITEM_SCHEMA = pa.schema(
    [
        ("order_id", pa.int64()),
        ("product_id", pa.string()),
        ("category", pa.string()),
        ("quantity", pa.int32()),
        ("unit_price", pa.float64()),
    ]
)
FEEDBACK_SCHEMA = pa.schema(
    [
        ("feedback_id", pa.int64()),
        ("customer_id", pa.string()),
        ("order_id", pa.int64()),
        ("created_at", pa.string()),
        ("feedback_type", pa.string()),
        ("score", pa.int32()),
        ("topic", pa.string()),
        ("comment", pa.string()),
    ]
)
ACTION_SCHEMA = pa.schema(
    [
        ("action_id", pa.int64()),
        ("customer_id", pa.string()),
        ("action_code", pa.string()),
        ("channel", pa.string()),
        ("sent_at", pa.string()),
        ("opened_at", pa.string()),
        ("clicked_at", pa.string()),
        ("converted_at", pa.string()),
        ("conversion_amount", pa.float64()),
        ("campaign_id", pa.string()),
    ]
)
CUSTOMER_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("signup_at", pa.string()),
        ("email", pa.string()),
        ("country", pa.string()),
        ("city", pa.string()),
        ("birth_year", pa.int32()),
        ("gender", pa.string()),
        ("acquisition_channel", pa.string()),
    ]
)
SCHEMAS = {
    "customers": CUSTOMER_SCHEMA,
    "events": EVENT_SCHEMA,
    "orders": ORDER_SCHEMA,
    "order_items": ORDER_ITEM_SCHEMA,
    "feedback": FEEDBACK_SCHEMA,
    "marketing_actions": ACTION_SCHEMA,
}

# browse event types and their weights
BROWSE_TYPES = ("product_view", "page_view", "search")
BROWSE_WEIGHTS = np.array([0.6, 0.2, 0.2])


def _padded(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """'C0000042'-style ids; safe on empty input (a chunk of visitors has no orders)."""
    if len(numbers) == 0:
        return np.array([], dtype=object)
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width))


def _customer_id(i: np.ndarray) -> np.ndarray:
    return _padded("C", i, 7)


def _id_base(d0: int, chunk: int) -> int:
    return (d0 * 10_000 + chunk) * 100_000_000


def generate_chunk(
    cfg: SynthConfig,
    lat: Latent,
    chunk: int,
    lo: int,
    hi: int,
    d0: int,
    d1: int,
    plan: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, pa.Table]:
    """Sessions, events, orders, items, feedback and actions of entities [lo, hi) in days [d0, d1).

    `plan` (entity indices, action indices): actions someone chose to send on day d0, on top of the
    generator's own campaigns; a tenth of them become holdouts (the control). Their outcomes come from
    the same response model (persona base rate + the action's true uplift).
    """
    rng = _window_rng(cfg, chunk, d0, 0)
    ents = np.arange(lo, hi)
    persona = lat.persona[ents]
    start = np.maximum(lat.first_visit[ents], d0)
    end = np.minimum(lat.churn[ents], d1)
    span = np.clip(end - start, 0.0, None)

    # --- regular sessions
    n_reg = rng.poisson(P.PARAMS.session_rate[persona] * span)
    s_ent = np.repeat(ents, n_reg)
    s_t = np.repeat(start, n_reg) + rng.random(n_reg.sum()) * np.repeat(span, n_reg)
    s_kind = np.zeros(len(s_ent), dtype=np.int8)  # 0 regular, 1 first visit, 2 signup, 3 first purchase, 4 gap
    s_gap = np.full(len(s_ent), -1, dtype=np.int8)

    def forced(times: np.ndarray, kind: int, gap: int = -1) -> None:
        nonlocal s_ent, s_t, s_kind, s_gap
        ok = np.isfinite(times) & (times >= d0) & (times < d1)
        s_ent = np.concatenate([s_ent, ents[ok]])
        s_t = np.concatenate([s_t, times[ok]])
        s_kind = np.concatenate([s_kind, np.full(ok.sum(), kind, dtype=np.int8)])
        s_gap = np.concatenate([s_gap, np.full(ok.sum(), gap, dtype=np.int8)])

    forced(lat.first_visit[ents], 1)
    forced(np.where(lat.signup[ents] > lat.first_visit[ents] + 0.01, lat.signup[ents], np.inf), 2)
    forced(lat.first_purchase[ents], 3)
    for g in range(len(P.GAPS)):
        forced(lat.gap_time[ents, g], 4, g)
    # the signup session *is* the first visit when both coincide
    first_is_signup = (s_kind == 1) & ~(lat.signup[s_ent] > lat.first_visit[s_ent] + 0.01) & lat.is_customer[s_ent]

    order = np.lexsort((s_t, s_ent))
    s_ent, s_t, s_kind, s_gap, first_is_signup = (
        s_ent[order],
        s_t[order],
        s_kind[order],
        s_gap[order],
        first_is_signup[order],
    )
    n_s = len(s_ent)
    sp = lat.persona[s_ent]
    s_signup = (s_kind == 2) | first_is_signup
    after_signup = s_t >= lat.signup[s_ent]
    after_fp = s_t > lat.first_purchase[s_ent]
    purchase = (s_kind == 3) | ((s_kind == 0) & after_fp & (rng.random(n_s) < P.PARAMS.repeat_buy_p[sp]))
    gap_stage_purchase = np.isin(s_gap, [g for g, x in enumerate(P.GAPS) if x.stage == "purchase"])
    cart_abandon = ~purchase & ((gap_stage_purchase) | ((s_kind == 0) & (rng.random(n_s) < 0.12)))
    # device: the primary device 70% of the time
    dev_slot = np.where(rng.random(n_s) < 0.7, 0, rng.integers(0, 3, size=n_s))
    dev_slot = np.minimum(dev_slot, lat.n_devices[s_ent] - 1)
    dev_kind = lat.device_kind[s_ent, dev_slot]
    anon = lat.anon_index[s_ent, dev_slot]
    # identified sessions: after sign-up; second devices log in mid-session half the time
    login_mid = after_signup & ~s_signup & (dev_slot > 0) & (rng.random(n_s) < 0.5)
    channel = np.where(
        s_kind == 1,
        lat.acquisition[s_ent],
        rng.choice(len(P.ACQUISITION_CHANNELS), size=n_s, p=P.RETURN_CHANNEL_WEIGHTS),
    )

    # --- events: segments keyed by (session, position)
    seg_sess, seg_pos, seg_type = [], [], []
    types = (
        "page_view",
        "ad_click",
        "sign_up",
        "login",
        "product_view",
        "search",
        "add_to_cart",
        "checkout_start",
        "order_completed",
    ) + tuple(g.event_type for g in P.GAPS if g.event_type not in ("search",))
    tcode = {t: i for i, t in enumerate(types)}
    sess_idx = np.arange(n_s)

    paid = np.isin(channel, [P.ACQUISITION_CHANNELS.index(c) for c in ("paid_search", "social", "display")])
    land = np.where((s_kind == 1) & paid, tcode["ad_click"], tcode["page_view"])
    seg_sess.append(sess_idx), seg_pos.append(np.zeros(n_s)), seg_type.append(land)
    ident = s_signup | login_mid
    seg_sess.append(sess_idx[ident]), seg_pos.append(np.ones(ident.sum()))
    seg_type.append(np.where(s_signup[ident], tcode["sign_up"], tcode["login"]))
    nb = np.minimum(rng.poisson(P.PARAMS.browse_mu[sp]), 30)
    b_sess = np.repeat(sess_idx, nb)
    b_pos = 2 + np.arange(len(b_sess)) - np.repeat(np.cumsum(nb) - nb, nb)
    b_type = np.array([tcode[t] for t in BROWSE_TYPES])[rng.choice(3, size=len(b_sess), p=BROWSE_WEIGHTS)]
    seg_sess.append(b_sess), seg_pos.append(b_pos.astype(float)), seg_type.append(b_type)
    has_gap = s_gap >= 0
    gap_type_code = np.array([tcode[g.event_type] for g in P.GAPS])
    seg_sess.append(sess_idx[has_gap]), seg_pos.append(np.full(has_gap.sum(), 150.0))
    seg_type.append(gap_type_code[s_gap[has_gap]])
    cart = cart_abandon | purchase
    seg_sess.append(sess_idx[cart]), seg_pos.append(np.full(cart.sum(), 140.0))
    seg_type.append(np.full(cart.sum(), tcode["add_to_cart"]))
    for pos, t in ((200.0, "checkout_start"), (201.0, "order_completed")):
        seg_sess.append(sess_idx[purchase]), seg_pos.append(np.full(purchase.sum(), pos))
        seg_type.append(np.full(purchase.sum(), tcode[t]))

    e_sess = np.concatenate(seg_sess)
    e_pos = np.concatenate(seg_pos)
    e_type = np.concatenate(seg_type).astype(np.int16)
    o = np.lexsort((e_pos, e_sess))
    e_sess, e_pos, e_type = e_sess[o], e_pos[o], e_type[o]
    n_e = len(e_sess)
    gaps_s = rng.exponential(45.0 / SECONDS_PER_DAY, size=n_e)
    first_of_sess = np.r_[True, e_sess[1:] != e_sess[:-1]]
    gaps_s[first_of_sess] = 0.0
    csum = np.cumsum(gaps_s)
    sess_start_csum = csum[first_of_sess]
    offs = csum - np.repeat(sess_start_csum, np.diff(np.r_[np.flatnonzero(first_of_sess), n_e]))
    e_t = s_t[e_sess] + offs
    e_ent = s_ent[e_sess]
    identified = (after_signup[e_sess] & ~login_mid[e_sess] & ~s_signup[e_sess]) | (
        (login_mid[e_sess] | s_signup[e_sess]) & (e_pos >= 1)
    )
    identified &= lat.is_customer[e_ent]

    # search details, products, pages
    e_is_search = e_type == tcode["search"]
    sess_gap = s_gap[e_sess]
    zero_search = e_is_search & (e_pos == 150.0) & (sess_gap == 0)
    results = np.where(zero_search, 0, rng.integers(1, 120, size=n_e))
    q_norm = rng.integers(0, len(P.SEARCH_TERMS), size=n_e)
    q_zero = rng.integers(0, len(P.UNANSWERED_SEARCH_TERMS), size=n_e)
    queries = np.array(P.SEARCH_TERMS + P.UNANSWERED_SEARCH_TERMS, dtype=object)
    q_idx = np.where(zero_search, len(P.SEARCH_TERMS) + q_zero, q_norm)
    has_product = np.isin(e_type, [tcode["product_view"], tcode["add_to_cart"]])
    fav = lat.favourite_category[e_ent]
    cat = np.where(rng.random(n_e) < 0.6, fav, rng.integers(0, len(P.CATEGORIES), size=n_e))
    prod = cat * 50 + rng.integers(0, 50, size=n_e)  # 50 products per category
    page_by_type = {
        "page_view": "/",
        "ad_click": "/",
        "sign_up": "/signup",
        "login": "/login",
        "product_view": "/product",
        "search": "/search",
        "add_to_cart": "/cart",
        "checkout_start": "/checkout",
        "order_completed": "/checkout/complete",
    }
    for g in P.GAPS:
        page_by_type.setdefault(g.event_type, g.page_path)
    pages = np.array([page_by_type[t] for t in types], dtype=object)
    page = pages[e_type]
    page = np.where(has_product, _padded("/product/P", prod, 5).astype(object), page)

    ch = channel[e_sess]
    utm_keys = list(P.UTM)
    utm_code = np.array([utm_keys.index(c) if c in P.UTM else -1 for c in P.ACQUISITION_CHANNELS])[ch]
    no_utm = utm_code < 0
    cust_ids = _customer_id(e_ent)
    event_ids = _id_base(d0, chunk) + np.arange(n_e)
    events = pa.table(
        {
            "event_id": pa.array(event_ids, pa.int64()),
            "event_at": _ts_strings(cfg_epoch(cfg), e_t),
            "anonymous_id": pa.array(lat.anon_ids[anon[e_sess]], pa.string()),
            "customer_id": pa.array(np.where(identified, cust_ids, None), pa.string()),
            "event_type": _dict_strings(types, e_type),
            "channel": _dict_strings(P.ACQUISITION_CHANNELS, ch),
            "device": _dict_strings(P.DEVICES, dev_kind[e_sess]),
            "page_path": pa.array(page, pa.string()),
            "product_id": pa.array(
                np.where(has_product, _padded("P", prod, 5), None) if n_e else np.array([], dtype=object), pa.string()
            ),
            "search_query": pa.array(np.where(e_is_search, queries[q_idx], None), pa.string()),
            "search_results_count": pa.array(results, pa.int32(), mask=~e_is_search),
            "utm_source": _dict_strings([v[0] for v in P.UTM.values()], np.maximum(utm_code, 0), no_utm),
            "utm_medium": _dict_strings([v[1] for v in P.UTM.values()], np.maximum(utm_code, 0), no_utm),
            "utm_campaign": _dict_strings([v[2] for v in P.UTM.values()], np.maximum(utm_code, 0), no_utm),
        },
        schema=EVENT_SCHEMA,
    )
    event_time = e_t

    # --- orders and items from purchase sessions
    oc = e_type == tcode["order_completed"]
    o_ent = e_ent[oc]
    o_t = e_t[oc]
    o_p = lat.persona[o_ent]
    n_o = len(o_ent)
    n_items = 1 + np.minimum(rng.poisson(P.PARAMS.basket_extra_mu[o_p]), 9)
    i_order = np.repeat(np.arange(n_o), n_items)
    i_cat = np.where(
        rng.random(len(i_order)) < 0.6,
        lat.favourite_category[o_ent][i_order],
        rng.integers(0, len(P.CATEGORIES), size=len(i_order)),
    )
    i_prod = i_cat * 50 + rng.integers(0, 50, size=len(i_order))
    i_price = np.round(
        P.CATEGORY_PRICE[i_cat] * P.PARAMS.price_mult[o_p][i_order] * rng.lognormal(0.0, 0.35, size=len(i_order)), 2
    )
    i_qty = 1 + (rng.random(len(i_order)) < 0.15)
    gross = np.bincount(i_order, weights=i_price * i_qty, minlength=n_o)
    discounted = rng.random(n_o) < P.PARAMS.discount_p[o_p]
    discount = np.round(np.where(discounted, gross * rng.choice([0.1, 0.15, 0.2, 0.3], size=n_o), 0.0), 2)
    amount = np.round(gross - discount, 2)
    status = rng.choice(3, size=n_o, p=[0.92, 0.03, 0.05])
    order_ids = _id_base(d0, chunk) + np.arange(n_o)
    orders = pa.table(
        {
            "order_id": pa.array(order_ids, pa.int64()),
            "customer_id": pa.array(_customer_id(o_ent), pa.string()),
            "ordered_at": _ts_strings(cfg_epoch(cfg), o_t),
            "status": _dict_strings(("completed", "cancelled", "returned"), status),
            "order_amount": pa.array(amount, pa.float64()),
            "discount_amount": pa.array(discount, pa.float64()),
            "currency": pa.array(np.full(n_o, "EUR", dtype=object), pa.string()),
            "item_count": pa.array(np.bincount(i_order, weights=i_qty, minlength=n_o).astype("int32"), pa.int32()),
        },
        schema=ORDER_SCHEMA,
    )
    items = pa.table(
        {
            "order_id": pa.array(order_ids[i_order], pa.int64()),
            "product_id": pa.array(_padded("P", i_prod, 5), pa.string()),
            "category": _dict_strings(P.CATEGORIES, i_cat),
            "quantity": pa.array(i_qty.astype("int32"), pa.int32()),
            "unit_price": pa.array(i_price, pa.float64()),
        },
        schema=ORDER_ITEM_SCHEMA,
    )

    # --- feedback: reviews of orders, NPS after the first purchase, support tickets and CSAT
    rev = rng.random(n_o) < P.PARAMS.review_p[o_p]
    f_ent = [o_ent[rev]]
    f_order = [order_ids[rev].astype(float)]
    f_t = [o_t[rev] + rng.uniform(3, 14, size=rev.sum())]
    f_type = [np.zeros(rev.sum(), dtype=int)]
    f_score = [np.clip(np.round(rng.normal(P.PARAMS.review_mean[o_p[rev]], 0.8)), 1, 5)]
    f_topic = [rng.integers(0, 4, size=rev.sum())]
    fp = lat.first_purchase[ents]
    nps = lat.is_customer[ents] & np.isfinite(fp) & (fp >= d0) & (fp < d1) & (rng.random(len(ents)) < 0.4)
    f_ent.append(ents[nps])
    f_order.append(np.full(nps.sum(), np.nan))
    f_t.append(fp[nps] + rng.uniform(20, 40, size=nps.sum()))
    f_type.append(np.ones(nps.sum(), dtype=int))
    f_score.append(np.clip(np.round(rng.normal(P.PARAMS.nps_mean[persona[nps]], 1.5)), 0, 10))
    f_topic.append(np.full(nps.sum(), 4))
    sup = (e_type == tcode["support_contact"]) & lat.is_customer[e_ent]
    sup_ent, sup_t = e_ent[sup], e_t[sup]
    f_ent.append(sup_ent)
    f_order.append(np.full(sup.sum(), np.nan))
    f_t.append(sup_t)
    f_type.append(np.full(sup.sum(), 3))
    f_score.append(np.full(sup.sum(), np.nan))
    f_topic.append(rng.choice([5, 6, 7], size=sup.sum()))
    csat = rng.random(sup.sum()) < 0.5
    unanswered = lat.gap_caused[sup_ent] == [g.touchpoint for g in P.GAPS].index("support_contact")
    f_ent.append(sup_ent[csat])
    f_order.append(np.full(csat.sum(), np.nan))
    f_t.append(sup_t[csat] + 1.0)
    f_type.append(np.full(csat.sum(), 2))
    f_score.append(np.where(unanswered[csat], rng.integers(1, 3, size=csat.sum()), rng.integers(3, 6, size=csat.sum())))
    f_topic.append(np.full(csat.sum(), 8))
    fe, fo, ft = np.concatenate(f_ent), np.concatenate(f_order), np.concatenate(f_t)
    fty, fs, fto = np.concatenate(f_type), np.concatenate(f_score), np.concatenate(f_topic)
    topics = ("quality", "delivery", "price", "sizing", "overall", "shipping", "returns", "order_status", "support")
    comments = ("", "great", "slow delivery", "too expensive", "runs small", "ok", "where is my order", "refund?", "")
    feedback = pa.table(
        {
            "feedback_id": pa.array(_id_base(d0, chunk) + np.arange(len(fe)), pa.int64()),
            "customer_id": pa.array(_customer_id(fe), pa.string()),
            "order_id": pa.array(np.nan_to_num(fo, nan=0).astype("int64"), pa.int64(), mask=np.isnan(fo)),
            "created_at": _ts_strings(cfg_epoch(cfg), ft),
            "feedback_type": _dict_strings(("review", "nps", "csat", "support_ticket"), fty),
            "score": pa.array(np.nan_to_num(fs, nan=0).astype("int32"), pa.int32(), mask=np.isnan(fs)),
            "topic": _dict_strings(topics, fto),
            "comment": _dict_strings(comments, fto),
        },
        schema=FEEDBACK_SCHEMA,
    )
    feedback_time = ft

    # --- marketing actions with outcomes that depend on the true uplift
    mrng = _window_rng(cfg, chunk, d0, 1)
    cust = lat.is_customer[ents]
    m_lo = np.maximum(lat.signup[ents], d0)
    m_hi = np.minimum(lat.churn[ents] + 90.0, d1)
    m_span = np.where(cust, np.clip(m_hi - m_lo, 0.0, None), 0.0)
    n_m = mrng.poisson(0.03 * m_span)
    m_ent = np.repeat(ents, n_m)
    m_t = np.repeat(m_lo, n_m) + mrng.random(n_m.sum()) * np.repeat(m_span, n_m)
    act = mrng.choice(len(P.ACTIONS), size=len(m_ent), p=P.ACTION_WEIGHTS)
    # the generator's own campaigns: random actions with random holdouts, one campaign per window
    campaign = np.full(len(m_ent), f"random-d{d0:05d}", dtype=object)
    if plan is not None:
        # a planned action's targets form its own campaign; a tenth of them are held out as its control
        prng = _window_rng(cfg, chunk, d0, 2)
        mine = (plan[0] >= lo) & (plan[0] < hi)
        p_ent, p_act = plan[0][mine], plan[1][mine].copy()
        p_campaign = np.array([f"plan-d{d0:05d}-{P.ACTIONS[a]}" for a in p_act], dtype=object)
        p_act[prng.random(len(p_act)) < 0.1] = P.ACTIONS.index("holdout")
        m_ent = np.concatenate([m_ent, p_ent])
        m_t = np.concatenate([m_t, d0 + prng.random(len(p_ent)) * 0.5])
        act = np.concatenate([act, p_act])
        campaign = np.concatenate([campaign, p_campaign])
    n_a = len(m_ent)
    mp = lat.persona[m_ent]
    alive = m_t < lat.churn[m_ent]
    holdout = np.array(P.ACTIONS)[act] == "holdout"
    a_channel = np.array([P.ACTION_CHANNEL[a] for a in P.ACTIONS], dtype=object)[act]
    p_open = np.where(a_channel == "push", 0.5, 0.35)
    opened = ~holdout & (mrng.random(n_a) < p_open)
    clicked = opened & (mrng.random(n_a) < 0.3)
    p_conv = (
        np.where(alive, 1.0, 0.3) * P.PARAMS.base_conversion[mp]
        + np.where(alive, 1.0, 0.5) * P.TRUE_UPLIFT[act, np.minimum(mp, 4)]
    )
    converted = mrng.random(n_a) < p_conv
    open_t = np.where(opened, m_t + mrng.exponential(0.3, size=n_a), np.inf)
    click_t = np.where(clicked, open_t + mrng.exponential(0.05, size=n_a), np.inf)
    conv_t = np.where(converted, m_t + np.minimum(mrng.exponential(2.0, size=n_a), 6.9), np.inf)
    conv_amt = np.where(converted, np.round(mrng.lognormal(4.0, 0.5, size=n_a), 2), np.nan)
    actions = pa.table(
        {
            "action_id": pa.array(_id_base(d0, chunk) + np.arange(n_a), pa.int64()),
            "customer_id": pa.array(_customer_id(m_ent), pa.string()),
            "action_code": _dict_strings(P.ACTIONS, act),
            "channel": pa.array(a_channel, pa.string()),
            "sent_at": _ts_strings(cfg_epoch(cfg), m_t),
            "opened_at": _ts_strings(cfg_epoch(cfg), open_t),
            "clicked_at": _ts_strings(cfg_epoch(cfg), click_t),
            "converted_at": _ts_strings(cfg_epoch(cfg), conv_t),
            "conversion_amount": pa.array(np.nan_to_num(conv_amt), pa.float64(), mask=np.isnan(conv_amt)),
            "campaign_id": pa.array(campaign, pa.string()),
        },
        schema=ACTION_SCHEMA,
    )
    # a campaign row is exported once its 7-day attribution window has closed
    action_time = m_t + 7.0

    return {
        "events": (events, event_time),
        "orders": (orders, o_t),
        "order_items": (items, o_t[i_order]),
        "feedback": (feedback, feedback_time),
        "marketing_actions": (actions, action_time),
    }


def cfg_epoch(cfg: SynthConfig) -> int:
    return _utc_epoch(cfg.start)


# --------------------------------------------------------------------------
# customers (written once, with the first window)
# --------------------------------------------------------------------------


def generate_customers(cfg: SynthConfig, lat: Latent) -> pa.Table:
    rng = np.random.default_rng([cfg.seed, 9])
    n = cfg.customers
    idx = np.arange(n)
    countries = list(P.COUNTRIES)
    country = rng.choice(len(countries), size=n, p=P.COUNTRY_WEIGHTS)
    city_pick = rng.integers(0, 3, size=n)
    city = np.array([P.COUNTRIES[countries[c]][k] for c, k in zip(country, city_pick, strict=True)], dtype=object)
    age_mean = np.array([42, 33, 29, 38, 45, 30])[lat.persona[:n]]
    birth_year = 2025 - np.clip(np.round(rng.normal(age_mean, 9)), 18, 85).astype(int)
    gender = rng.choice(4, size=n, p=[0.48, 0.46, 0.02, 0.04])
    return pa.table(
        {
            "customer_id": pa.array(_customer_id(idx), pa.string()),
            "signup_at": _ts_strings(cfg_epoch(cfg), lat.signup[:n]),
            "email": pa.array(np.char.add(np.char.add("user", idx.astype(str)), "@example.com"), pa.string()),
            "country": _dict_strings(tuple(countries), country),
            "city": pa.array(city, pa.string()),
            "birth_year": pa.array(birth_year.astype("int32"), pa.int32()),
            "gender": _dict_strings(("female", "male", "non_binary", "unknown"), gender, gender == 3),
            "acquisition_channel": _dict_strings(P.ACQUISITION_CHANNELS, lat.acquisition[:n]),
        },
        schema=CUSTOMER_SCHEMA,
    )


# --------------------------------------------------------------------------
# dirt: a small, configurable share of rows made wrong the ways real data is
# --------------------------------------------------------------------------

# kind -> share of the table's dirt rate. Kinds ending in "_clean" are
# cosmetic: staging must repair them, not quarantine them.
DIRT_KINDS: dict[str, dict[str, float]] = {
    "events": {
        "exact_duplicate": 0.25,
        "duplicate_event_id": 0.10,
        "null_event_id": 0.10,
        "unparseable_timestamp": 0.10,
        "future_timestamp": 0.10,
        "unknown_event_type": 0.10,
        "casing_whitespace_clean": 0.15,
        "tz_offset_clean": 0.10,
    },
    "orders": {
        "negative_amount": 0.30,
        "null_customer_id": 0.20,
        "orphan_order_customer": 0.20,
        "exact_duplicate": 0.20,
        "unparseable_timestamp": 0.10,
    },
    "customers": {"exact_duplicate": 0.30, "casing_whitespace_clean": 0.70},
    "feedback": {"exact_duplicate": 0.5, "unparseable_timestamp": 0.5},
    "marketing_actions": {"exact_duplicate": 0.5, "null_customer_id": 0.5},
    "order_items": {},
}
KEY_COLUMN = {
    "customers": "customer_id",
    "events": "event_id",
    "orders": "order_id",
    "order_items": "order_id",
    "feedback": "feedback_id",
    "marketing_actions": "action_id",
}
TIME_COLUMN = {
    "customers": "signup_at",
    "events": "event_at",
    "orders": "ordered_at",
    "feedback": "created_at",
    "marketing_actions": "sent_at",
}


def inject_dirt(
    table_name: str, data: pa.Table, due: np.ndarray, rate: float, rng: np.random.Generator
) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """Return the dirtied table, the rows' due times, and each row's dirt kind (None when clean).

    Dirt is recorded per row and reported in `_truth/dirt` only when the row is
    actually written, so rows still waiting in `_pending/` are not counted.
    """
    kinds = DIRT_KINDS.get(table_name, {})
    n = data.num_rows
    no_dirt = np.full(n, None, dtype=object)
    if not kinds or rate <= 0 or n == 0:
        return data, due, no_dirt
    counts = {k: int(rng.binomial(n, min(rate * share, 1.0))) for k, share in kinds.items()}
    perm = rng.permutation(n)
    picked: dict[str, np.ndarray] = {}
    pos = 0
    for k, c in counts.items():
        picked[k] = np.sort(perm[pos : pos + c])
        pos += c
    if pos == 0:
        return data, due, no_dirt
    # only the picked rows go through Python; the rest stays columnar
    sub_idx = np.sort(perm[:pos])
    where = {int(r): i for i, r in enumerate(sub_idx)}
    sub = data.take(pa.array(sub_idx))
    cols = {name: sub.column(name).to_pylist() for name in sub.column_names}
    key = KEY_COLUMN[table_name]
    tcol = TIME_COLUMN.get(table_name)
    extra_rows: list[dict] = []
    extra_due: list[float] = []
    sub_kind = np.full(pos, None, dtype=object)
    for kind, rows in picked.items():
        for row_index in rows:
            r = where[int(row_index)]
            if kind in ("exact_duplicate", "duplicate_event_id"):
                sub_kind[r] = None  # the original stays clean; its copy is the dirt
            else:
                sub_kind[r] = kind
            if kind == "exact_duplicate":
                extra_rows.append({c: cols[c][r] for c in cols})
                extra_due.append(due[row_index])
            elif kind == "duplicate_event_id":
                row = {c: cols[c][r] for c in cols}
                ts = datetime.fromisoformat(row["event_at"]) + timedelta(minutes=int(rng.integers(1, 60)))
                row["event_at"] = ts.strftime("%Y-%m-%d %H:%M:%S")
                row["event_type"] = "page_view" if row["event_type"] != "page_view" else "product_view"
                extra_rows.append(row)
                extra_due.append(due[row_index])
            elif kind == "null_event_id":
                cols[key][r] = None
            elif kind == "null_customer_id":
                cols["customer_id"][r] = None
            elif kind == "orphan_order_customer":
                cols["customer_id"][r] = "X" + str(cols[key][r])[-8:]
            elif kind == "negative_amount":
                cols["order_amount"][r] = -abs(cols["order_amount"][r] or 1.0)
            elif kind == "unparseable_timestamp":
                cols[tcol][r] = ("not-a-timestamp", "2025-13-45 25:61:00", "yesterday")[int(rng.integers(0, 3))]
            elif kind == "future_timestamp":
                cols[tcol][r] = "2031-" + cols[tcol][r][5:]
            elif kind == "unknown_event_type":
                cols["event_type"][r] = ("debug_ping", "pageview_v2")[int(rng.integers(0, 2))]
            elif kind == "casing_whitespace_clean":
                if table_name == "events":
                    cols["event_type"][r] = f"  {cols['event_type'][r].upper()} "
                    cols["channel"][r] = (cols["channel"][r] or "").upper() or None
                else:
                    cols["email"][r] = f" {cols['email'][r].upper()}  "
                    cols["country"][r] = f" {cols['country'][r].lower()}"
            elif kind == "tz_offset_clean":
                ts = datetime.fromisoformat(cols[tcol][r]) + timedelta(hours=2)
                cols[tcol][r] = ts.strftime("%Y-%m-%dT%H:%M:%S") + "+02:00"
    extra_kind = [k for k, rows in picked.items() if k in ("exact_duplicate", "duplicate_event_id") for _ in rows]
    keep = np.ones(n, dtype=bool)
    keep[sub_idx] = False
    pieces = [data.filter(pa.array(keep)), pa.Table.from_pydict(cols, schema=data.schema)]
    due = np.concatenate([due[keep], due[sub_idx]])
    row_kind = np.concatenate([no_dirt[keep], sub_kind])
    if extra_rows:
        pieces.append(pa.Table.from_pylist(extra_rows, schema=data.schema))
        due = np.concatenate([due, np.array(extra_due)])
        row_kind = np.concatenate([row_kind, np.array(extra_kind, dtype=object)])
    out = pa.concat_tables(pieces)
    return out, due, row_kind


# --------------------------------------------------------------------------
# orchestration
# --------------------------------------------------------------------------


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` with `schema`'s columns: a column added since it was spooled comes back as nulls."""
    columns = [
        table.column(f.name) if f.name in table.column_names else pa.nulls(table.num_rows, f.type) for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def _pending_path(out: Path, table: str, chunk: int) -> Path:
    return out / "_pending" / table / f"c{chunk:04d}.parquet"


def _release_pending(out: Path, table: str, chunk: int) -> pa.Table | None:
    """Rows held back by the previous window, with their _due, _dirt and _late columns."""
    path = _pending_path(out, table, chunk)
    return pq.read_table(path) if path.exists() else None


def _late_mask(data: pa.Table, due: np.ndarray, d1: int, cfg: SynthConfig, rng: np.random.Generator) -> np.ndarray:
    """Events of the window's last `late_days` held back, decided per event id so copies travel together."""
    ids = data.column("event_id")
    raw = pc.fill_null(ids, 0).to_numpy().astype(np.uint64)
    u = ((raw * np.uint64(2654435761) + np.uint64(cfg.seed)) % np.uint64(2**32)).astype(float) / 2**32
    u = np.where(pc.is_null(ids).to_numpy(zero_copy_only=False), rng.random(len(u)), u)
    return (due >= d1 - cfg.late_days) & (due < d1) & (u < cfg.late_rate)


def _progress(label: str, done: int, total: int, started: float) -> None:
    if not sys.stderr.isatty() and done not in (total,) and done % 10:
        return
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {time.time() - started:6.1f}s")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def write_truth(cfg: SynthConfig, lat: Latent, out: Path) -> None:
    truth = out / "_truth"
    truth.mkdir(parents=True, exist_ok=True)
    n = len(lat.persona)
    idx = np.arange(n)
    epoch = cfg_epoch(cfg)
    cols = {
        "entity_index": pa.array(idx, pa.int64()),
        "customer_id": pa.array(np.where(lat.is_customer, _customer_id(idx), None), pa.string()),
        "primary_anonymous_id": pa.array(lat.anon_ids[lat.anon_index[:, 0]], pa.string()),
        "persona": _dict_strings(P.PERSONAS, lat.persona),
        "first_visit_at": _ts_strings(epoch, lat.first_visit),
        "signup_at": _ts_strings(epoch, lat.signup),
        "first_purchase_at": _ts_strings(epoch, lat.first_purchase),
        "churn_at": _ts_strings(epoch, lat.churn),
        "churn_hazard_per_day": pa.array(P.PARAMS.churn_hazard[lat.persona]),
        "order_rate_per_day": pa.array(P.PARAMS.session_rate[lat.persona] * P.PARAMS.repeat_buy_p[lat.persona]),
        "dropoff_gap": _dict_strings(
            tuple(g.touchpoint for g in P.GAPS), np.maximum(lat.gap_caused, 0), lat.gap_caused < 0
        ),
        "dropoff_stage": _dict_strings(
            tuple(g.stage for g in P.GAPS), np.maximum(lat.gap_caused, 0), lat.gap_caused < 0
        ),
    }
    for g, gap in enumerate(P.GAPS):
        cols[f"exposed_{gap.touchpoint}_at"] = _ts_strings(epoch, lat.gap_time[:, g])
    pq.write_table(pa.table(cols), truth / "entities.parquet")
    pairs_c, pairs_a = [], []
    for k in range(3):
        has = lat.is_customer & (lat.n_devices > k)
        pairs_c.append(idx[has])
        pairs_a.append(lat.anon_index[has, k])
    pc_, pa_ = np.concatenate(pairs_c), np.concatenate(pairs_a)
    pq.write_table(
        pa.table(
            {
                "anonymous_id": pa.array(lat.anon_ids[pa_], pa.string()),
                "customer_id": pa.array(_customer_id(pc_), pa.string()),
            }
        ),
        truth / "identity.parquet",
    )
    acts, pers = np.meshgrid(np.arange(len(P.ACTIONS)), np.arange(len(P.CUSTOMER_PERSONAS)), indexing="ij")
    pq.write_table(
        pa.table(
            {
                "action_code": [P.ACTIONS[a] for a in acts.ravel()],
                "persona": [P.CUSTOMER_PERSONAS[p] for p in pers.ravel()],
                "true_uplift": P.TRUE_UPLIFT[acts.ravel(), pers.ravel()],
                "base_conversion": P.PARAMS.base_conversion[pers.ravel()],
            }
        ),
        truth / "uplift.parquet",
    )
    pq.write_table(
        pa.Table.from_pylist([{**asdict(g), "is_planted": g.effect > 0} for g in P.GAPS]), truth / "gaps.parquet"
    )


def _load_manifest(out: Path) -> SynthConfig:
    path = out / "_truth" / "manifest.json"
    if not path.exists():
        raise SystemExit(f"--append-days: {path} not found; generate a data set into {out} first")
    return SynthConfig(**json.loads(path.read_text()))


def generate(
    cfg: SynthConfig,
    out: Path,
    append_days: int | None = None,
    quiet: bool = False,
    plan: dict[str, str] | None = None,
) -> SynthConfig:
    """Generate (or, with append_days, extend) a data set in `out`; return the manifest.

    `plan` (append only): customer_id -> action_code to send on the first appended day, e.g. the
    warehouse's next_best_actions; outcomes follow the generator's response model.
    """
    out = Path(out)
    if plan and append_days is None:
        raise SystemExit("a plan of actions needs --append-days: actions are sent on the first appended day")
    if append_days is not None:
        if append_days < 1:
            raise SystemExit("--append-days must be at least 1")
        cfg = _load_manifest(out)
        d0 = cfg.windows[-1][1]
        d1 = d0 + append_days
    else:
        existing = [t for t in RAW_TABLES if (out / t).exists()] + [
            x for x in ("_truth", "_pending") if (out / x).exists()
        ]
        if existing:
            raise SystemExit(
                f"{out} already holds {', '.join(existing)}: remove them (or pass --force) to regenerate, "
                "or use --append-days to extend"
            )
        d0, d1 = 0, cfg.days
    started = time.time()
    lat = draw_latent(cfg)
    plan_arrays = _plan_arrays(plan, lat) if plan else None
    tag = f"d{d0:05d}-{d1:05d}"
    writer = _Writer(out, tag)
    dirt_rng = np.random.default_rng([cfg.seed, 7, d0])
    truth_rows: list[dict] = []

    def record(table: str, written: pa.Table, kinds: np.ndarray, late: np.ndarray) -> None:
        keys = written.column(KEY_COLUMN[table]).to_pylist()
        for i in np.flatnonzero(kinds != None):  # noqa: E711 - object array
            truth_rows.append(
                {"table_name": table, "row_key": None if keys[i] is None else str(keys[i]), "kind": kinds[i]}
            )
        for i in np.flatnonzero(late):
            truth_rows.append(
                {"table_name": table, "row_key": None if keys[i] is None else str(keys[i]), "kind": "late_arrival"}
            )

    if append_days is None:
        customers, _, kinds = inject_dirt(
            "customers", generate_customers(cfg, lat), np.zeros(cfg.customers), cfg.dirt_rate, dirt_rng
        )
        record("customers", customers, kinds, np.zeros(len(kinds), dtype=bool))
        writer.write("customers", 0, customers)
        write_truth(cfg, lat, out)
    n = len(lat.persona)
    n_chunks = max(1, -(-n // cfg.chunk_size))
    for chunk in range(n_chunks):
        lo, hi = chunk * cfg.chunk_size, min(n, (chunk + 1) * cfg.chunk_size)
        produced = generate_chunk(cfg, lat, chunk, lo, hi, d0, d1, plan_arrays)
        crng = np.random.default_rng([cfg.seed, 8, chunk, d0])
        for table, (data, due) in produced.items():
            data, due, kinds = inject_dirt(table, data, due, cfg.dirt_rate, crng)
            late = np.zeros(len(due), dtype=bool)
            if table == "events":
                # late arrivals: a share of the window's last days is held back until the next append
                late = _late_mask(data, due, d1, cfg, crng)
                due = np.where(late, d1, due)
            held = _release_pending(out, table, chunk)
            if held is not None:
                due = np.concatenate([held.column("_due").to_numpy(), due])
                kinds = np.concatenate([np.array(held.column("_dirt").to_pylist(), dtype=object), kinds])
                late = np.concatenate([held.column("_late").to_numpy(zero_copy_only=False), late])
                data = pa.concat_tables([_conform(held.drop_columns(["_due", "_dirt", "_late"]), data.schema), data])
            now = due < d1
            written = data.filter(pa.array(now))
            writer.write(table, chunk, written)
            record(table, written, kinds[now], late[now])
            pending = (
                data.filter(pa.array(~now))
                .append_column("_due", pa.array(due[~now], pa.float64()))
                .append_column("_dirt", pa.array(kinds[~now], pa.string()))
                .append_column("_late", pa.array(late[~now], pa.bool_()))
            )
            path = _pending_path(out, table, chunk)
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(pending, path)
        if not quiet:
            _progress(f"synth {tag}", chunk + 1, n_chunks, started)
    dirt_dir = out / "_truth" / "dirt"
    dirt_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(
            truth_rows, schema=pa.schema([("table_name", pa.string()), ("row_key", pa.string()), ("kind", pa.string())])
        ),
        dirt_dir / f"part-{tag}.parquet",
    )
    cfg.windows = [*cfg.windows, [d0, d1]]
    (out / "_truth" / "manifest.json").write_text(json.dumps(asdict(cfg), indent=2))
    return cfg


def _plan_arrays(plan: dict[str, str], lat: Latent) -> tuple[np.ndarray, np.ndarray]:
    """(entity indices, action indices) of a customer_id -> action_code plan; unknown ids or codes fail."""
    ents, acts = [], []
    for customer_id, code in sorted(plan.items()):
        index = int(customer_id[1:]) if customer_id[:1] == "C" and customer_id[1:].isdigit() else -1
        if not (0 <= index < len(lat.persona)) or not lat.is_customer[index]:
            raise SystemExit(f"plan: customer_id {customer_id!r} is not a customer of this data set")
        if code not in P.ACTIONS:
            raise SystemExit(f"plan: action_code {code!r} for {customer_id} is not one of {', '.join(P.ACTIONS)}")
        ents.append(index)
        acts.append(P.ACTIONS.index(code))
    return np.array(ents, dtype=np.int64), np.array(acts, dtype=np.int64)


def _force_clean(out: Path) -> None:
    import shutil

    for name in (*RAW_TABLES, "_truth", "_pending"):
        target = out / name
        if target.exists():
            shutil.rmtree(target)


def _read_plan(path: Path) -> dict[str, str]:
    import pyarrow.csv as pacsv

    table = pq.read_table(path) if path.suffix == ".parquet" else pacsv.read_csv(path)
    missing = {"customer_id", "action_code"} - set(table.column_names)
    if missing:
        raise SystemExit(f"--plan {path}: missing column(s) {', '.join(sorted(missing))}")
    return dict(zip(table.column("customer_id").to_pylist(), table.column("action_code").to_pylist(), strict=True))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="cj-synth", description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=3_000, help="signed-up customers (anonymous visitors come on top)")
    ap.add_argument("--days", type=int, default=120, help="days of history from --start")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--start", default="2025-06-01", help="first day (UTC), YYYY-MM-DD")
    ap.add_argument("--out", required=True, type=Path, help="output folder: one sub-folder per raw table")
    ap.add_argument("--append-days", type=int, default=None, help="add the next K days to the data set in --out")
    ap.add_argument(
        "--plan",
        type=Path,
        default=None,
        help="with --append-days: CSV or Parquet of customer_id, action_code to send on the first appended day",
    )
    ap.add_argument("--dirt-rate", type=float, default=0.01, help="share of rows per table made dirty")
    ap.add_argument(
        "--late-rate", type=float, default=0.02, help="share of a window's last days' events that arrive late"
    )
    ap.add_argument("--visitors-ratio", type=float, default=0.5, help="anonymous-only visitors per customer")
    ap.add_argument("--shared-device-rate", type=float, default=0.02)
    ap.add_argument("--chunk-size", type=int, default=20_000, help="entities per chunk (bounds memory)")
    ap.add_argument("--force", action="store_true", help="delete the raw tables, _truth and _pending in --out first")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.customers < 1 or args.days < 1:
        ap.error("--customers and --days must be positive")
    if args.force and args.append_days is None:
        _force_clean(args.out)
    cfg = SynthConfig(
        customers=args.customers,
        days=args.days,
        seed=args.seed,
        start=args.start,
        visitors_ratio=args.visitors_ratio,
        dirt_rate=args.dirt_rate,
        late_rate=args.late_rate,
        shared_device_rate=args.shared_device_rate,
        chunk_size=args.chunk_size,
    )
    started = time.time()
    plan = _read_plan(args.plan) if args.plan else None
    cfg = generate(cfg, args.out, append_days=args.append_days, quiet=args.quiet, plan=plan)
    counts = {
        t: pq.ParquetDataset(args.out / t).read(columns=[]).num_rows for t in RAW_TABLES if (args.out / t).exists()
    }
    print(
        json.dumps(
            {"out": str(args.out), "windows": cfg.windows, "rows": counts, "seconds": round(time.time() - started, 1)}
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
