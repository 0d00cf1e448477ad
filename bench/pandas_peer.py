"""The pandas peer: the floor's outputs (bench/floor.sql) as a data scientist would write them.

Same rules as the floor: drop bad rows, keep the first copy of an event id,
stitch devices to customers (next login on a shared device), 30-minute
sessions, then the customer features as of the day after the last event.
bench/run.py times `dim_customer_features(raw)`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def _ts(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601").dt.tz_localize(None)


def _events(raw: Path) -> pd.DataFrame:
    columns = ["event_id", "anonymous_id", "customer_id", "event_type", "channel", "event_at"]
    ev = pd.read_parquet(raw / "events", columns=columns)
    for c in ("event_id", "anonymous_id", "customer_id"):
        ev[c] = ev[c].astype("string").str.strip().replace("", None)
    ev["event_type"] = ev["event_type"].str.strip().str.lower()
    ev["event_at"] = _ts(ev["event_at"])
    known = set(pd.read_csv(REPO / "seeds" / "event_taxonomy.csv").event_type)
    ok = (
        ev.event_id.notna()
        & (ev.anonymous_id.notna() | ev.customer_id.notna())
        & ev.event_at.notna()
        & (ev.event_at <= pd.Timestamp.now(tz="UTC").tz_localize(None) + pd.Timedelta(hours=24))
        & ev.event_type.isin(known)
    )
    ev = ev[ok].sort_values(["event_at", "event_id"], kind="stable")
    return ev.drop_duplicates("event_id", keep="first")


def _stitch(ev: pd.DataFrame) -> pd.DataFrame:
    pairs = ev.dropna(subset=["anonymous_id", "customer_id"])
    devices = pairs.groupby("anonymous_id").customer_id.agg(only_customer_id="min", customers_on_device="nunique")
    ev = ev.join(devices, on="anonymous_id")
    ev = ev.sort_values(["anonymous_id", "event_at", "event_id"], kind="stable")
    by_device = ev.groupby("anonymous_id", sort=False).customer_id
    next_login = by_device.bfill()
    last_login = by_device.ffill()
    shared = np.where(ev.customers_on_device > 1, next_login.fillna(last_login), None)
    single = np.where(ev.customers_on_device == 1, ev.only_customer_id, None)
    person = ev.customer_id.fillna(pd.Series(single, index=ev.index)).fillna(pd.Series(shared, index=ev.index))
    ev["person_id"] = person.fillna("anon:" + ev.anonymous_id.astype(str))
    return ev


def _sessions(ev: pd.DataFrame) -> pd.DataFrame:
    ev = ev.sort_values(["person_id", "event_at", "event_id"], kind="stable")
    gap = ev.groupby("person_id", sort=False).event_at.diff().dt.total_seconds()
    ev["session_number"] = (gap.isna() | (gap > 1800)).astype(int).groupby(ev.person_id, sort=False).cumsum()
    return (
        ev.groupby(["person_id", "session_number"], sort=False)
        .agg(
            session_started_at=("event_at", "min"),
            session_ended_at=("event_at", "max"),
            event_count=("event_id", "size"),
            is_converted=("event_type", lambda s: (s == "order_completed").any()),
        )
        .reset_index()
    )


def dim_customer_features(raw: Path) -> pd.DataFrame:
    raw = Path(raw)
    ev = _events(raw)
    sessions = _sessions(_stitch(ev))
    as_of = ev.event_at.max().normalize() + pd.Timedelta(days=1)

    customers = pd.read_parquet(raw / "customers", columns=["customer_id", "signup_at"])
    customers["customer_id"] = customers.customer_id.astype("string").str.strip().replace("", None)
    customers["signup_at"] = _ts(customers.signup_at)
    customers = customers.dropna(subset=["customer_id"]).drop_duplicates("customer_id")
    customers = customers[customers.signup_at < as_of]

    orders = pd.read_parquet(
        raw / "orders", columns=["order_id", "customer_id", "status", "order_amount", "ordered_at"]
    )
    orders["customer_id"] = orders.customer_id.astype("string").str.strip()
    orders["order_status"] = orders.status.str.strip().str.lower()
    orders["order_amount"] = pd.to_numeric(orders.order_amount, errors="coerce")
    orders["ordered_at"] = _ts(orders.ordered_at)
    orders = orders.drop_duplicates("order_id")
    orders = orders[
        orders.order_status.isin(["completed", "returned"]) & (orders.order_amount >= 0) & (orders.ordered_at < as_of)
    ]
    days_ago = (as_of - orders.ordered_at).dt.days
    completed = orders.order_status == "completed"
    of = (
        pd.DataFrame(
            {
                "customer_id": orders.customer_id,
                "orders_lifetime": 1,
                "orders_30d": (days_ago < 30).astype(int),
                "orders_90d": (days_ago < 90).astype(int),
                "orders_365d": (days_ago < 365).astype(int),
                "revenue_lifetime": orders.order_amount.where(completed, 0.0),
                "revenue_90d": orders.order_amount.where(completed & (days_ago < 90), 0.0),
                "last_ordered_at": orders.ordered_at,
            }
        )
        .groupby("customer_id")
        .agg(
            {
                "orders_lifetime": "sum",
                "orders_30d": "sum",
                "orders_90d": "sum",
                "orders_365d": "sum",
                "revenue_lifetime": "sum",
                "revenue_90d": "sum",
                "last_ordered_at": "max",
            }
        )
    )

    s = sessions[~sessions.person_id.str.startswith("anon:") & (sessions.session_started_at < as_of)]
    s_days = (as_of - s.session_started_at).dt.days
    sf = (
        pd.DataFrame(
            {
                "customer_id": s.person_id,
                "sessions_7d": (s_days < 7).astype(int),
                "sessions_30d": (s_days < 30).astype(int),
                "sessions_90d": (s_days < 90).astype(int),
                "events_90d": s.event_count.where(s_days < 90, 0),
                "last_active_at": s.session_ended_at,
            }
        )
        .groupby("customer_id")
        .agg(
            {
                "sessions_7d": "sum",
                "sessions_30d": "sum",
                "sessions_90d": "sum",
                "events_90d": "sum",
                "last_active_at": "max",
            }
        )
    )
    recent = s[s_days < 30]
    active = recent.groupby(recent.person_id).session_started_at.apply(lambda t: t.dt.normalize().nunique())
    sf["active_days_30d"] = active.reindex(sf.index).fillna(0).astype(int)

    out = customers.join(of, on="customer_id").join(sf, on="customer_id")
    out["as_of_date"] = as_of.date()
    out["tenure_days"] = (as_of - out.signup_at.dt.normalize()).dt.days
    out["recency_days"] = (as_of - out.last_ordered_at.dt.normalize()).dt.days
    out["days_since_last_active"] = (as_of.normalize() - out.last_active_at.dt.normalize()).dt.days
    counts = [c for c in out.columns if c.endswith(("_lifetime", "_30d", "_90d", "_365d", "_7d"))]
    out[counts] = out[counts].fillna(0)
    return out.drop(columns=["signup_at", "last_ordered_at", "last_active_at"])
