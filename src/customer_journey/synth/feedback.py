"""Feedback: reviews of orders, NPS after the first purchase, support tickets and their CSAT.

A customer whose drop-off was caused by the unanswered-support gap rates its CSAT 1-2, others 3-5.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from customer_journey.synth import personas as P
from customer_journey.synth.encode import customer_ids, dict_strings, ts_strings
from customer_journey.synth.journeys import TYPE_CODE, Events
from customer_journey.synth.latent import Latent
from customer_journey.synth.orders import Orders
from customer_journey.synth.schemas import FEEDBACK_SCHEMA

FEEDBACK_TYPES = ("review", "nps", "csat", "support_ticket")
TOPICS = ("quality", "delivery", "price", "sizing", "overall", "shipping", "returns", "order_status", "support")
COMMENTS = ("", "great", "slow delivery", "too expensive", "runs small", "ok", "where is my order", "refund?", "")


def draw_feedback(
    rng: np.random.Generator,
    lat: Latent,
    ents: np.ndarray,
    d0: int,
    d1: int,
    orders: Orders,
    events: Events,
    epoch: int,
    first_id: int,
) -> tuple[pa.Table, np.ndarray]:
    """The feedback rows and their times (days; reviews and NPS come days after what they rate)."""
    o_p = orders.persona
    rev = rng.random(len(orders.ent)) < lat.params.review_p[o_p]
    f_ent = [orders.ent[rev]]
    f_order = [orders.ids[rev].astype(float)]
    f_t = [orders.t[rev] + rng.uniform(3, 14, size=rev.sum())]
    f_type = [np.zeros(rev.sum(), dtype=int)]
    f_score = [np.clip(np.round(rng.normal(lat.params.review_mean[o_p[rev]], 0.8)), 1, 5)]
    f_topic = [rng.integers(0, 4, size=rev.sum())]
    fp = lat.first_purchase[ents]
    nps = lat.is_customer[ents] & np.isfinite(fp) & (fp >= d0) & (fp < d1) & (rng.random(len(ents)) < 0.4)
    f_ent.append(ents[nps])
    f_order.append(np.full(nps.sum(), np.nan))
    f_t.append(fp[nps] + rng.uniform(20, 40, size=nps.sum()))
    f_type.append(np.ones(nps.sum(), dtype=int))
    f_score.append(np.clip(np.round(rng.normal(lat.params.nps_mean[lat.persona[ents][nps]], 1.5)), 0, 10))
    f_topic.append(np.full(nps.sum(), 4))
    sup = (events.type == TYPE_CODE["support_contact"]) & lat.is_customer[events.ent]
    sup_ent, sup_t = events.ent[sup], events.t[sup]
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
    table = pa.table(
        {
            "feedback_id": pa.array(first_id + np.arange(len(fe)), pa.int64()),
            "customer_id": pa.array(customer_ids(fe), pa.string()),
            "order_id": pa.array(np.nan_to_num(fo, nan=0).astype("int64"), pa.int64(), mask=np.isnan(fo)),
            "created_at": ts_strings(epoch, ft),
            "feedback_type": dict_strings(FEEDBACK_TYPES, fty),
            "score": pa.array(np.nan_to_num(fs, nan=0).astype("int32"), pa.int32(), mask=np.isnan(fs)),
            "topic": dict_strings(TOPICS, fto),
            "comment": dict_strings(COMMENTS, fto),
        },
        schema=FEEDBACK_SCHEMA,
    )
    return table, ft


def of_types(table: pa.Table, times: np.ndarray, types: tuple[str, ...]) -> tuple[pa.Table, np.ndarray]:
    """The feedback rows (and their times) of the given feedback types only."""
    keep = pc.is_in(table.column("feedback_type"), value_set=pa.array(types, pa.string()))
    mask = keep.to_numpy(zero_copy_only=False)
    return table.filter(keep), times[mask]
