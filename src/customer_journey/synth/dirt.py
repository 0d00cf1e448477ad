"""Dirt: a small, configurable share of rows made wrong the ways real data is.

Each table has its kinds of dirt and their share of the table's dirt rate. Kinds ending in
"_clean" are cosmetic: staging must repair them, not quarantine them. Duplicates are written as
extra copies (the original stays clean; the copy is the dirt).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from customer_journey.synth.schemas import KEY_COLUMN, TIME_COLUMN

# kind -> share of the table's dirt rate
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
DUPLICATING_KINDS = ("exact_duplicate", "duplicate_event_id")


def inject_dirt(
    table_name: str,
    data: pa.Table,
    due: np.ndarray,
    rate: float,
    rng: np.random.Generator,
    kinds: dict[str, float] | None = None,
) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """Return the dirtied table, the rows' due times, and each row's dirt kind (None when clean).

    `kinds` (default: the table's DIRT_KINDS) are the kinds of dirt a data shape allows.
    Dirt is recorded per row and reported in `_truth/dirt` only when the row is
    actually written, so rows still waiting in `_pending/` are not counted.
    """
    kinds = DIRT_KINDS.get(table_name, {}) if kinds is None else kinds
    n = data.num_rows
    no_dirt = np.full(n, None, dtype=object)
    if not kinds or rate <= 0 or n == 0:
        return data, due, no_dirt
    picked = _pick_rows(kinds, n, rate, rng)
    pos = sum(len(rows) for rows in picked.values())
    if pos == 0:
        return data, due, no_dirt
    # only the picked rows go through Python; the rest stays columnar
    sub_idx = np.sort(np.concatenate(list(picked.values())))
    where = {int(r): i for i, r in enumerate(sub_idx)}
    sub = data.take(pa.array(sub_idx))
    cols = {name: sub.column(name).to_pylist() for name in sub.column_names}
    extra_rows: list[dict[str, Any]] = []
    extra_due: list[float] = []
    sub_kind = np.full(pos, None, dtype=object)
    for kind, rows in picked.items():
        for row_index in rows:
            r = where[int(row_index)]
            # the original of a duplicated row stays clean; its copy is the dirt
            sub_kind[r] = None if kind in DUPLICATING_KINDS else kind
            copy = _make_dirty(table_name, kind, cols, r, rng)
            if copy is not None:
                extra_rows.append(copy)
                extra_due.append(due[row_index])
    extra_kind = [k for k, rows in picked.items() if k in DUPLICATING_KINDS for _ in rows]
    keep = np.ones(n, dtype=bool)
    keep[sub_idx] = False
    pieces = [data.filter(pa.array(keep)), pa.Table.from_pydict(cols, schema=data.schema)]
    due = np.concatenate([due[keep], due[sub_idx]])
    row_kind = np.concatenate([no_dirt[keep], sub_kind])
    if extra_rows:
        pieces.append(pa.Table.from_pylist(extra_rows, schema=data.schema))
        due = np.concatenate([due, np.array(extra_due)])
        row_kind = np.concatenate([row_kind, np.array(extra_kind, dtype=object)])
    return pa.concat_tables(pieces), due, row_kind


def _pick_rows(kinds: dict[str, float], n: int, rate: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """kind -> sorted row indices it dirties: binomial counts, disjoint rows from one permutation."""
    counts = {k: int(rng.binomial(n, min(rate * share, 1.0))) for k, share in kinds.items()}
    perm = rng.permutation(n)
    picked: dict[str, np.ndarray] = {}
    pos = 0
    for k, c in counts.items():
        picked[k] = np.sort(perm[pos : pos + c])
        pos += c
    return picked


def _make_dirty(
    table_name: str, kind: str, cols: dict[str, list[Any]], r: int, rng: np.random.Generator
) -> dict[str, Any] | None:
    """Make row `r` of `cols` dirty in place, or return the dirty copy to append (duplicates)."""
    key = KEY_COLUMN[table_name]
    tcol = TIME_COLUMN.get(table_name, "")
    if kind == "exact_duplicate":
        return {c: cols[c][r] for c in cols}
    if kind == "duplicate_event_id":
        row = {c: cols[c][r] for c in cols}
        ts = datetime.fromisoformat(row["event_at"]) + timedelta(minutes=int(rng.integers(1, 60)))
        row["event_at"] = ts.strftime("%Y-%m-%d %H:%M:%S")
        row["event_type"] = "page_view" if row["event_type"] != "page_view" else "product_view"
        return row
    if kind == "null_event_id":
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
    return None
