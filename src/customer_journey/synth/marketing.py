"""Marketing actions and their outcomes, which follow the true uplift of each action per persona.

The generator runs its own campaigns (random actions with random holdouts, one campaign per
window); a plan (customer_id -> action_code, e.g. the warehouse's next_best_actions) adds the
actions someone chose to send on the window's first day, a tenth of them held out as the control.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from customer_journey.synth import personas as P
from customer_journey.synth.encode import customer_ids, dict_strings, ts_strings
from customer_journey.synth.latent import Latent
from customer_journey.synth.schemas import ACTION_SCHEMA

# a campaign row is exported once its 7-day attribution window has closed
ATTRIBUTION_DAYS = 7.0

Plan = tuple[np.ndarray, np.ndarray]  # (entity indices, action indices)


def draw_actions(
    rng: np.random.Generator,
    plan_rng: np.random.Generator,
    lat: Latent,
    lo: int,
    hi: int,
    d0: int,
    d1: int,
    plan: Plan | None,
    epoch: int,
    first_id: int,
) -> tuple[pa.Table, np.ndarray]:
    """The actions sent to entities [lo, hi) in days [d0, d1), and when each may be exported."""
    ents = np.arange(lo, hi)
    cust = lat.is_customer[ents]
    m_lo = np.maximum(lat.signup[ents], d0)
    m_hi = np.minimum(lat.churn[ents] + 90.0, d1)
    m_span = np.where(cust, np.clip(m_hi - m_lo, 0.0, None), 0.0)
    n_m = rng.poisson(0.03 * m_span)
    m_ent = np.repeat(ents, n_m)
    m_t = np.repeat(m_lo, n_m) + rng.random(n_m.sum()) * np.repeat(m_span, n_m)
    act = rng.choice(len(P.ACTIONS), size=len(m_ent), p=P.ACTION_WEIGHTS)
    campaign = np.full(len(m_ent), f"random-d{d0:05d}", dtype=object)
    if plan is not None:
        # a planned action's targets form its own campaign; a tenth of them are held out as its control
        mine = (plan[0] >= lo) & (plan[0] < hi)
        p_ent, p_act = plan[0][mine], plan[1][mine].copy()
        p_campaign = np.array([f"plan-d{d0:05d}-{P.ACTIONS[a]}" for a in p_act], dtype=object)
        p_act[plan_rng.random(len(p_act)) < 0.1] = P.ACTIONS.index("holdout")
        m_ent = np.concatenate([m_ent, p_ent])
        m_t = np.concatenate([m_t, d0 + plan_rng.random(len(p_ent)) * 0.5])
        act = np.concatenate([act, p_act])
        campaign = np.concatenate([campaign, p_campaign])
    table = _outcomes(rng, lat, m_ent, m_t, act, campaign, epoch, first_id)
    return table, m_t + ATTRIBUTION_DAYS


def _outcomes(
    rng: np.random.Generator,
    lat: Latent,
    m_ent: np.ndarray,
    m_t: np.ndarray,
    act: np.ndarray,
    campaign: np.ndarray,
    epoch: int,
    first_id: int,
) -> pa.Table:
    """Opens, clicks and conversions: conversion = persona base rate + the action's true uplift
    (less after churn); a holdout is never opened."""
    n_a = len(m_ent)
    mp = lat.persona[m_ent]
    alive = m_t < lat.churn[m_ent]
    holdout = np.array(P.ACTIONS)[act] == "holdout"
    a_channel = np.array([P.ACTION_CHANNEL[a] for a in P.ACTIONS], dtype=object)[act]
    p_open = np.where(a_channel == "push", 0.5, 0.35)
    opened = ~holdout & (rng.random(n_a) < p_open)
    clicked = opened & (rng.random(n_a) < 0.3)
    p_conv = (
        np.where(alive, 1.0, 0.3) * lat.params.base_conversion[mp]
        + np.where(alive, 1.0, 0.5) * P.TRUE_UPLIFT[act, np.minimum(mp, 4)]
    )
    converted = rng.random(n_a) < p_conv
    open_t = np.where(opened, m_t + rng.exponential(0.3, size=n_a), np.inf)
    click_t = np.where(clicked, open_t + rng.exponential(0.05, size=n_a), np.inf)
    conv_t = np.where(converted, m_t + np.minimum(rng.exponential(2.0, size=n_a), 6.9), np.inf)
    conv_amt = np.where(converted, np.round(rng.lognormal(4.0, 0.5, size=n_a), 2), np.nan)
    return pa.table(
        {
            "action_id": pa.array(first_id + np.arange(n_a), pa.int64()),
            "customer_id": pa.array(customer_ids(m_ent), pa.string()),
            "action_code": dict_strings(P.ACTIONS, act),
            "channel": pa.array(a_channel, pa.string()),
            "sent_at": ts_strings(epoch, m_t),
            "opened_at": ts_strings(epoch, open_t),
            "clicked_at": ts_strings(epoch, click_t),
            "converted_at": ts_strings(epoch, conv_t),
            "conversion_amount": pa.array(np.nan_to_num(conv_amt), pa.float64(), mask=np.isnan(conv_amt)),
            "campaign_id": pa.array(campaign, pa.string()),
        },
        schema=ACTION_SCHEMA,
    )


def plan_arrays(plan: dict[str, str], lat: Latent) -> Plan:
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


def read_plan(path: Path) -> dict[str, str]:
    """A plan file: CSV or Parquet with columns customer_id, action_code."""
    table = pq.read_table(path) if path.suffix == ".parquet" else pacsv.read_csv(path)
    missing = {"customer_id", "action_code"} - set(table.column_names)
    if missing:
        raise SystemExit(f"--plan {path}: missing column(s) {', '.join(sorted(missing))}")
    return dict(zip(table.column("customer_id").to_pylist(), table.column("action_code").to_pylist(), strict=True))
