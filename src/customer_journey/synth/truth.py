"""`_truth/`: the ground truth beside the raw folders (the dbt models never read it).

entities (persona, true churn parameters, gap exposures and the drop-off they caused, for every
latent entity whatever the shape writes), identity (every device's anonymous id and its customer;
only in shapes that write events), uplift (the true effect of each action per persona; only in
shapes that write marketing actions), gaps (the planted information gaps) and dirt (every injected
dirty or late row that was written).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from customer_journey.synth import personas as P
from customer_journey.synth.config import SynthConfig
from customer_journey.synth.encode import NULL, customer_ids, dict_strings, ts_strings
from customer_journey.synth.latent import Latent
from customer_journey.synth.schemas import KEY_COLUMN

DIRT_SCHEMA = pa.schema([("table_name", pa.string()), ("row_key", pa.string()), ("kind", pa.string())])


def write_truth(cfg: SynthConfig, lat: Latent, out: Path) -> None:
    truth = out / "_truth"
    truth.mkdir(parents=True, exist_ok=True)
    n = len(lat.persona)
    idx = np.arange(n)
    epoch = cfg.epoch
    cols = {
        "entity_index": pa.array(idx, pa.int64()),
        "customer_id": pa.array(np.where(lat.is_customer, customer_ids(idx), NULL), pa.string()),
        "primary_anonymous_id": pa.array(lat.anon_ids[lat.anon_index[:, 0]], pa.string()),
        "persona": dict_strings(P.PERSONAS, lat.persona),
        "first_visit_at": ts_strings(epoch, lat.first_visit),
        "signup_at": ts_strings(epoch, lat.signup),
        "first_purchase_at": ts_strings(epoch, lat.first_purchase),
        "churn_at": ts_strings(epoch, lat.churn),
        "churn_hazard_per_day": pa.array(lat.params.churn_hazard[lat.persona]),
        "order_rate_per_day": pa.array(lat.params.session_rate[lat.persona] * lat.repeat_buy_p),
        "dropoff_gap": dict_strings(
            tuple(g.touchpoint for g in P.GAPS), np.maximum(lat.gap_caused, 0), lat.gap_caused < 0
        ),
        "dropoff_stage": dict_strings(
            tuple(g.stage for g in P.GAPS), np.maximum(lat.gap_caused, 0), lat.gap_caused < 0
        ),
    }
    for g, gap in enumerate(P.GAPS):
        cols[f"exposed_{gap.touchpoint}_at"] = ts_strings(epoch, lat.gap_time[:, g])
    pq.write_table(pa.table(cols), truth / "entities.parquet")
    if cfg.regime.writes("events"):
        _write_identity(lat, truth)
    if cfg.regime.writes("marketing_actions"):
        _write_uplift(lat, truth)
    pq.write_table(
        pa.Table.from_pylist([{**asdict(g), "is_planted": g.effect > 0} for g in P.GAPS]), truth / "gaps.parquet"
    )


def _write_uplift(lat: Latent, truth: Path) -> None:
    """The true conversion uplift of each action per persona: only where marketing actions are written."""
    acts, pers = np.meshgrid(np.arange(len(P.ACTIONS)), np.arange(len(P.CUSTOMER_PERSONAS)), indexing="ij")
    pq.write_table(
        pa.table(
            {
                "action_code": [P.ACTIONS[a] for a in acts.ravel()],
                "persona": [P.CUSTOMER_PERSONAS[p] for p in pers.ravel()],
                "true_uplift": P.TRUE_UPLIFT[acts.ravel(), pers.ravel()],
                "base_conversion": lat.params.base_conversion[pers.ravel()],
            }
        ),
        truth / "uplift.parquet",
    )


def _write_identity(lat: Latent, truth: Path) -> None:
    """Every device (anonymous id) of every customer: only where a clickstream shows devices."""
    n = len(lat.persona)
    idx = np.arange(n)
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
                "customer_id": pa.array(customer_ids(pc_), pa.string()),
            }
        ),
        truth / "identity.parquet",
    )


class DirtLog:
    """The dirty and late rows written in one window: `_truth/dirt/part-<window>.parquet`."""

    def __init__(self) -> None:
        self.rows: list[dict[str, str | None]] = []

    def record(self, table: str, written: pa.Table, kinds: np.ndarray, late: np.ndarray) -> None:
        """Log the written rows of `table` that carry a dirt kind, then those that arrived late."""
        keys = written.column(KEY_COLUMN[table]).to_pylist()
        for i in np.flatnonzero(kinds != None):  # noqa: E711 - object array
            self.rows.append(
                {"table_name": table, "row_key": None if keys[i] is None else str(keys[i]), "kind": kinds[i]}
            )
        for i in np.flatnonzero(late):
            self.rows.append(
                {"table_name": table, "row_key": None if keys[i] is None else str(keys[i]), "kind": "late_arrival"}
            )

    def write(self, out: Path, tag: str) -> None:
        dirt_dir = out / "_truth" / "dirt"
        dirt_dir.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(self.rows, schema=DIRT_SCHEMA), dirt_dir / f"part-{tag}.parquet")
