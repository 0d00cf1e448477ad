"""Latent state: one draw per entity from the seed, independent of the window of days.

Persona, first visit, sign-up, first purchase, churn time, information-gap exposures and the
drop-offs they cause, devices (some shared), acquisition channel and favourite category. Every
window is generated from this state, so `--append-days` continues the same timelines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customer_journey.synth import personas as P
from customer_journey.synth.config import SynthConfig


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
    params: P.PersonaParams  # the shape's persona parameters
    repeat_buy_p: np.ndarray  # purchase probability of a session after the first purchase


def draw_latent(cfg: SynthConfig) -> Latent:
    """Every entity's latent state: customers first (entity i is customer C{i:07d}), then visitors."""
    rng = np.random.default_rng([cfg.seed, 0])
    shape = cfg.regime
    params = shape.persona_params()
    n_c, n_v = cfg.customers, cfg.visitors
    n = n_c + n_v
    share = params.share[:-1] / params.share[:-1].sum()
    persona = np.concatenate([rng.choice(len(share), size=n_c, p=share), np.full(n_v, P.VISITOR)]).astype(np.int8)
    is_customer = np.arange(n) < n_c
    horizon = float(cfg.days)
    first_visit = rng.uniform(0.0, 0.85 * horizon, size=n)
    signup = np.where(
        is_customer,
        np.minimum(first_visit + rng.exponential(1.5, size=n), horizon - 0.01),
        np.inf,
    )
    buyer = is_customer & (rng.random(n) < params.buyer_p[persona])
    first_purchase = np.where(
        buyer,
        np.maximum(signup, first_visit) + rng.exponential(params.first_purchase_mean_days[persona]),
        np.inf,
    )
    churn = first_visit + rng.exponential(1.0 / params.churn_hazard[persona])
    # a customer is active at least until sign-up
    churn = np.where(is_customer, np.maximum(churn, signup + 0.01), churn)
    gap_time, gap_caused, churn, first_purchase = _gap_exposures(rng, first_visit, first_purchase, churn, horizon)
    n_devices, device_kind, anon_index, anon_ids = _devices(rng, cfg, params, persona, is_customer)
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
        params=params,
        repeat_buy_p=shape.repeat_buy_p(cfg.seed, persona, params),
    )


def _gap_exposures(
    rng: np.random.Generator, first_visit: np.ndarray, first_purchase: np.ndarray, churn: np.ndarray, horizon: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """When each entity meets each information gap, which gap (if any) makes it drop off, and the
    churn and first-purchase times that follow: (gap_time, gap_caused, churn, first_purchase)."""
    n = len(first_visit)
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
    return gap_time, gap_caused, churn, first_purchase


def _devices(
    rng: np.random.Generator, cfg: SynthConfig, params: P.PersonaParams, persona: np.ndarray, is_customer: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(n_devices, device_kind, anon_index, anon_ids): up to three devices per entity, each with an
    anonymous id; a few customers' second device is another customer's first (a shared device)."""
    n, n_c = len(persona), cfg.customers
    n_devices = rng.choice([1, 2, 3], size=n, p=[0.55, 0.35, 0.10])
    is_app = rng.random((n, 3)) < params.app_share[persona][:, None]
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
    return n_devices, device_kind, anon_index, anon_ids
