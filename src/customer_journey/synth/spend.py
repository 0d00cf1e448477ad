"""marketing_spend: what the paid channels cost, one row per day x channel x campaign (an ad
platform's cost export).

Spend does not drive the simulated traffic (a session's channel comes from the personas' weights),
so it is scaled to the traffic: a daily budget per customer of the data set, per campaign, with
day-to-day noise and quieter weekends. On the default world that puts return on ad spend (linear
attribution) near 3 for paid search, 2 for social, 10 for e-mail and below 1 for display.
One campaign runs only for a month (a flight). The rows come from a random stream of their own,
so every other table is the same, for a seed, with or without them.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from customer_journey.synth.config import SynthConfig
from customer_journey.synth.schemas import SPEND_SCHEMA

# the random stream of the spend rows (other tables use 0-10)
SPEND_STREAM = 11
CURRENCY = "EUR"


# channel, campaign, daily spend per customer of the data set, and the days the campaign runs
# ([first, end) in days since the start date; None: always)
CAMPAIGNS: tuple[tuple[str, str, float, tuple[int, int] | None], ...] = (
    ("paid_search", "brand_search", 0.045, None),
    ("paid_search", "generic_search", 0.032, None),
    ("social", "spring_promo", 0.070, None),
    ("social", "summer_sale", 0.090, (14, 44)),
    ("email", "weekly_digest", 0.027, None),
    ("display", "retargeting", 0.025, None),
)
WEEKEND_FACTOR = 0.8
NOISE_SIGMA = 0.15


def draw_spend(cfg: SynthConfig, d0: int, d1: int) -> pa.Table:
    """The spend rows of days [d0, d1): every running campaign on every day, in cents."""
    rng = np.random.default_rng([cfg.seed, SPEND_STREAM, d0])
    start = date.fromisoformat(cfg.start)
    rows: dict[str, list] = {name: [] for name in SPEND_SCHEMA.names}
    for day in range(d0, d1):
        when = start + timedelta(days=day)
        weekday = WEEKEND_FACTOR if when.weekday() >= 5 else 1.0
        for channel, campaign, per_customer, flight in CAMPAIGNS:
            if flight is not None and not flight[0] <= day < flight[1]:
                continue
            noise = float(rng.lognormal(-(NOISE_SIGMA**2) / 2, NOISE_SIGMA))
            rows["spend_date"].append(when.isoformat())
            rows["channel"].append(channel)
            rows["campaign"].append(campaign)
            rows["spend_amount"].append(round(cfg.customers * per_customer * weekday * noise, 2))
            rows["currency"].append(CURRENCY)
    return pa.table(rows, schema=SPEND_SCHEMA)
