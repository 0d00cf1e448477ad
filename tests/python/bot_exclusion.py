"""Bot traffic in the tests that recompute numbers from the raw files: the warehouse quarantines the
events without a customer id of the devices int_bot_visitors flags (docs/bots.md), so an
independent recomputation leaves out the same events."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def flagged_devices(warehouse: Path) -> set[str]:
    """The anonymous ids the warehouse flagged as bots."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {row[0] for row in con.execute("select anonymous_id from intermediate.int_bot_visitors").fetchall()}
    finally:
        con.close()


def without_bot_events(events: pd.DataFrame, devices: set[str]) -> pd.DataFrame:
    """`events` (raw or cleaned rows) without the bots' events: those with no customer id on a flagged device."""
    return events[~(events.customer_id.isna() & events.anonymous_id.isin(devices))]
