"""The customers table: one row per signed-up customer, written once with the first window.

In a shape without sign-up data it holds only customer_id and signup_at = the first activity.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from customer_journey.synth import personas as P
from customer_journey.synth.config import SynthConfig
from customer_journey.synth.encode import customer_ids, dict_strings, ts_strings
from customer_journey.synth.latent import Latent
from customer_journey.synth.schemas import CUSTOMER_SCHEMA


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
    if not cfg.regime.signup_data:
        # an export without sign-up data: who the customer is, and when they were first active
        return pa.table(
            {
                "customer_id": pa.array(customer_ids(idx), pa.string()),
                "signup_at": ts_strings(cfg.epoch, lat.first_visit[:n]),
            }
        )
    return pa.table(
        {
            "customer_id": pa.array(customer_ids(idx), pa.string()),
            "signup_at": ts_strings(cfg.epoch, lat.signup[:n]),
            "email": pa.array(np.char.add(np.char.add("user", idx.astype(str)), "@example.com"), pa.string()),
            "country": dict_strings(tuple(countries), country),
            "city": pa.array(city, pa.string()),
            "birth_year": pa.array(birth_year.astype("int32"), pa.int32()),
            "gender": dict_strings(("female", "male", "non_binary", "unknown"), gender, gender == 3),
            "acquisition_channel": dict_strings(P.ACQUISITION_CHANNELS, lat.acquisition[:n]),
        },
        schema=CUSTOMER_SCHEMA,
    )
