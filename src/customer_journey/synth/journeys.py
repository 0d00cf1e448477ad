"""Journeys: the sessions of a chunk of entities in a window of days, and their events.

A session is regular (Poisson in time while the entity is active) or forced by the latent
timeline: the first visit, the sign-up, the first purchase and each information-gap exposure
get a session of their own. Each session's events are laid out by position (landing page,
identification, browsing, the gap's touchpoint, cart, checkout) with short gaps in between.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from customer_journey.synth import personas as P
from customer_journey.synth.config import SECONDS_PER_DAY
from customer_journey.synth.encode import NULL, customer_ids, dict_strings, padded, ts_strings
from customer_journey.synth.latent import Latent
from customer_journey.synth.schemas import EVENT_SCHEMA

# session kinds
REGULAR, FIRST_VISIT, SIGNUP, FIRST_PURCHASE, GAP = 0, 1, 2, 3, 4

# browse event types and their weights
BROWSE_TYPES = ("product_view", "page_view", "search")
BROWSE_WEIGHTS = np.array([0.6, 0.2, 0.2])

EVENT_TYPES: tuple[str, ...] = (
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
TYPE_CODE = {t: i for i, t in enumerate(EVENT_TYPES)}

PAGE_BY_TYPE = {
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
for _gap in P.GAPS:
    PAGE_BY_TYPE.setdefault(_gap.event_type, _gap.page_path)

# position of an event in its session: browsing fills 2.., these come after it
CART_POSITION, GAP_POSITION, CHECKOUT_POSITION, ORDER_POSITION = 140.0, 150.0, 200.0, 201.0


@dataclass
class Sessions:
    """The sessions of a chunk in a window, sorted by (entity, start time)."""

    ent: np.ndarray  # entity index
    persona: np.ndarray  # the entity's persona
    t: np.ndarray  # start, in days since the start date
    kind: np.ndarray  # REGULAR, FIRST_VISIT, SIGNUP, FIRST_PURCHASE or GAP
    gap: np.ndarray  # index into P.GAPS of the gap met in the session, -1 when none
    is_signup: np.ndarray  # the entity signs up in this session
    after_signup: np.ndarray
    purchase: np.ndarray
    cart_abandon: np.ndarray
    login_mid: np.ndarray  # a second device that logs in mid-session
    dev_kind: np.ndarray  # index into P.DEVICES
    anon: np.ndarray  # row in Latent.anon_ids of the device used
    channel: np.ndarray  # index into P.ACQUISITION_CHANNELS


@dataclass
class Events:
    """The events of the sessions, sorted by (session, position)."""

    sess: np.ndarray  # row in Sessions
    pos: np.ndarray  # position in the session
    type: np.ndarray  # index into EVENT_TYPES
    t: np.ndarray  # time, in days since the start date
    ent: np.ndarray  # entity index
    identified: np.ndarray  # the event carries the customer_id


def draw_sessions(rng: np.random.Generator, lat: Latent, ents: np.ndarray, d0: int, d1: int) -> Sessions:
    ent, t, kind, gap = _session_times(rng, lat, ents, d0, d1)
    # the signup session *is* the first visit when both coincide
    first_is_signup = (kind == FIRST_VISIT) & ~(lat.signup[ent] > lat.first_visit[ent] + 0.01) & lat.is_customer[ent]
    order = np.lexsort((t, ent))
    ent, t, kind, gap, first_is_signup = ent[order], t[order], kind[order], gap[order], first_is_signup[order]
    n_s = len(ent)
    sp = lat.persona[ent]
    is_signup = (kind == SIGNUP) | first_is_signup
    after_signup = t >= lat.signup[ent]
    after_fp = t > lat.first_purchase[ent]
    purchase = (kind == FIRST_PURCHASE) | ((kind == REGULAR) & after_fp & (rng.random(n_s) < lat.repeat_buy_p[ent]))
    gap_stage_purchase = np.isin(gap, [g for g, x in enumerate(P.GAPS) if x.stage == "purchase"])
    cart_abandon = ~purchase & ((gap_stage_purchase) | ((kind == REGULAR) & (rng.random(n_s) < 0.12)))
    # device: the primary device 70% of the time
    dev_slot = np.where(rng.random(n_s) < 0.7, 0, rng.integers(0, 3, size=n_s))
    dev_slot = np.minimum(dev_slot, lat.n_devices[ent] - 1)
    # identified sessions: after sign-up; second devices log in mid-session half the time
    login_mid = after_signup & ~is_signup & (dev_slot > 0) & (rng.random(n_s) < 0.5)
    channel = np.where(
        kind == FIRST_VISIT,
        lat.acquisition[ent],
        rng.choice(len(P.ACQUISITION_CHANNELS), size=n_s, p=P.RETURN_CHANNEL_WEIGHTS),
    )
    return Sessions(
        ent=ent,
        persona=sp,
        t=t,
        kind=kind,
        gap=gap,
        is_signup=is_signup,
        after_signup=after_signup,
        purchase=purchase,
        cart_abandon=cart_abandon,
        login_mid=login_mid,
        dev_kind=lat.device_kind[ent, dev_slot],
        anon=lat.anon_index[ent, dev_slot],
        channel=channel,
    )


def _session_times(
    rng: np.random.Generator, lat: Latent, ents: np.ndarray, d0: int, d1: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(entity, start, kind, gap) of the regular sessions, then of the forced ones, unsorted."""
    persona = lat.persona[ents]
    start = np.maximum(lat.first_visit[ents], d0)
    end = np.minimum(lat.churn[ents], d1)
    span = np.clip(end - start, 0.0, None)
    n_reg = rng.poisson(lat.params.session_rate[persona] * span)
    n = int(n_reg.sum())
    pieces = [(np.repeat(ents, n_reg), np.repeat(start, n_reg) + rng.random(n) * np.repeat(span, n_reg), REGULAR, -1)]

    def forced(times: np.ndarray, kind: int, gap: int = -1) -> None:
        ok = np.isfinite(times) & (times >= d0) & (times < d1)
        pieces.append((ents[ok], times[ok], kind, gap))

    forced(lat.first_visit[ents], FIRST_VISIT)
    forced(np.where(lat.signup[ents] > lat.first_visit[ents] + 0.01, lat.signup[ents], np.inf), SIGNUP)
    forced(lat.first_purchase[ents], FIRST_PURCHASE)
    for g in range(len(P.GAPS)):
        forced(lat.gap_time[ents, g], GAP, g)
    return (
        np.concatenate([p[0] for p in pieces]),
        np.concatenate([p[1] for p in pieces]),
        np.concatenate([np.full(len(p[0]), p[2], dtype=np.int8) for p in pieces]),
        np.concatenate([np.full(len(p[0]), p[3], dtype=np.int8) for p in pieces]),
    )


def draw_events(rng: np.random.Generator, lat: Latent, sessions: Sessions) -> Events:
    sess, pos, type_ = _event_skeleton(rng, sessions, lat.params)
    n_e = len(sess)
    gaps_s = rng.exponential(45.0 / SECONDS_PER_DAY, size=n_e)
    first_of_sess = np.r_[True, sess[1:] != sess[:-1]][:n_e]
    gaps_s[first_of_sess] = 0.0
    csum = np.cumsum(gaps_s)
    sess_start_csum = csum[first_of_sess]
    offs = csum - np.repeat(sess_start_csum, np.diff(np.r_[np.flatnonzero(first_of_sess), n_e]))
    t = sessions.t[sess] + offs
    ent = sessions.ent[sess]
    login_mid, is_signup = sessions.login_mid[sess], sessions.is_signup[sess]
    identified = (sessions.after_signup[sess] & ~login_mid & ~is_signup) | ((login_mid | is_signup) & (pos >= 1))
    identified &= lat.is_customer[ent]
    return Events(sess=sess, pos=pos, type=type_, t=t, ent=ent, identified=identified)


def _event_skeleton(
    rng: np.random.Generator, s: Sessions, params: P.PersonaParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(session, position, type) of every event, sorted by session and position."""
    n_s = len(s.ent)
    sess_idx = np.arange(n_s)
    segments: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (session, position, type)
    paid = np.isin(s.channel, [P.ACQUISITION_CHANNELS.index(c) for c in ("paid_search", "social", "display")])
    land = np.where((s.kind == FIRST_VISIT) & paid, TYPE_CODE["ad_click"], TYPE_CODE["page_view"])
    segments.append((sess_idx, np.zeros(n_s), land))
    ident = s.is_signup | s.login_mid
    ident_type = np.where(s.is_signup[ident], TYPE_CODE["sign_up"], TYPE_CODE["login"])
    segments.append((sess_idx[ident], np.ones(ident.sum()), ident_type))
    nb = np.minimum(rng.poisson(params.browse_mu[s.persona]), 30)
    b_sess = np.repeat(sess_idx, nb)
    b_pos = 2 + np.arange(len(b_sess)) - np.repeat(np.cumsum(nb) - nb, nb)
    b_type = np.array([TYPE_CODE[t] for t in BROWSE_TYPES])[rng.choice(3, size=len(b_sess), p=BROWSE_WEIGHTS)]
    segments.append((b_sess, b_pos.astype(float), b_type))
    has_gap = s.gap >= 0
    gap_type_code = np.array([TYPE_CODE[g.event_type] for g in P.GAPS])
    segments.append((sess_idx[has_gap], np.full(has_gap.sum(), GAP_POSITION), gap_type_code[s.gap[has_gap]]))
    cart = s.cart_abandon | s.purchase
    segments.append((sess_idx[cart], np.full(cart.sum(), CART_POSITION), np.full(cart.sum(), TYPE_CODE["add_to_cart"])))
    n_p = s.purchase.sum()
    for pos, t in ((CHECKOUT_POSITION, "checkout_start"), (ORDER_POSITION, "order_completed")):
        segments.append((sess_idx[s.purchase], np.full(n_p, pos), np.full(n_p, TYPE_CODE[t])))
    e_sess = np.concatenate([seg[0] for seg in segments])
    e_pos = np.concatenate([seg[1] for seg in segments])
    e_type = np.concatenate([seg[2] for seg in segments]).astype(np.int16)
    o = np.lexsort((e_pos, e_sess))
    return e_sess[o], e_pos[o], e_type[o]


def events_table(rng: np.random.Generator, lat: Latent, s: Sessions, e: Events, epoch: int, first_id: int) -> pa.Table:
    """The events rows: search queries and their result counts (zero for the unanswered-search
    gap), products (60 % from the favourite category), pages, UTM tags of the session's channel."""
    n_e = len(e.sess)
    is_search = e.type == TYPE_CODE["search"]
    zero_search = is_search & (e.pos == GAP_POSITION) & (s.gap[e.sess] == 0)
    results = np.where(zero_search, 0, rng.integers(1, 120, size=n_e))
    q_norm = rng.integers(0, len(P.SEARCH_TERMS), size=n_e)
    q_zero = rng.integers(0, len(P.UNANSWERED_SEARCH_TERMS), size=n_e)
    queries = np.array(P.SEARCH_TERMS + P.UNANSWERED_SEARCH_TERMS, dtype=object)
    q_idx = np.where(zero_search, len(P.SEARCH_TERMS) + q_zero, q_norm)
    has_product = np.isin(e.type, [TYPE_CODE["product_view"], TYPE_CODE["add_to_cart"]])
    fav = lat.favourite_category[e.ent]
    cat = np.where(rng.random(n_e) < 0.6, fav, rng.integers(0, len(P.CATEGORIES), size=n_e))
    prod = cat * 50 + rng.integers(0, 50, size=n_e)  # 50 products per category
    pages = np.array([PAGE_BY_TYPE[t] for t in EVENT_TYPES], dtype=object)
    page = np.where(has_product, padded("/product/P", prod, 5).astype(object), pages[e.type])
    ch = s.channel[e.sess]
    utm_keys = list(P.UTM)
    utm_code = np.array([utm_keys.index(c) if c in P.UTM else -1 for c in P.ACQUISITION_CHANNELS])[ch]
    no_utm = utm_code < 0
    utm = np.maximum(utm_code, 0)
    return pa.table(
        {
            "event_id": pa.array(first_id + np.arange(n_e), pa.int64()),
            "event_at": ts_strings(epoch, e.t),
            "anonymous_id": pa.array(lat.anon_ids[s.anon[e.sess]], pa.string()),
            "customer_id": pa.array(np.where(e.identified, customer_ids(e.ent), NULL), pa.string()),
            "event_type": dict_strings(EVENT_TYPES, e.type),
            "channel": dict_strings(P.ACQUISITION_CHANNELS, ch),
            "device": dict_strings(P.DEVICES, s.dev_kind[e.sess]),
            "page_path": pa.array(page, pa.string()),
            "product_id": pa.array(
                np.where(has_product, padded("P", prod, 5), NULL) if n_e else np.array([], dtype=object), pa.string()
            ),
            "search_query": pa.array(np.where(is_search, queries[q_idx], NULL), pa.string()),
            "search_results_count": pa.array(results, pa.int32(), mask=~is_search),
            "utm_source": dict_strings([v[0] for v in P.UTM.values()], utm, no_utm),
            "utm_medium": dict_strings([v[1] for v in P.UTM.values()], utm, no_utm),
            "utm_campaign": dict_strings([v[2] for v in P.UTM.values()], utm, no_utm),
        },
        schema=EVENT_SCHEMA,
    )
