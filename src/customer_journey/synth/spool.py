"""Writing a window's rows: Parquet parts per (table, window, chunk), and `_pending/` for rows whose
time falls after the window's end (reviews of recent orders, campaign outcomes, late-arriving
events), released by the next `--append-days`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from customer_journey.synth.config import SynthConfig

# bookkeeping columns of a pending row: when it is due (days), its dirt kind, whether it is late
PENDING_COLUMNS = ["_due", "_dirt", "_late"]


class PartWriter:
    """Writes one Parquet file per (table, window, chunk)."""

    def __init__(self, out: Path, tag: str) -> None:
        self.out = out
        self.tag = tag
        self.rows = self.files = self.bytes = 0  # written so far (the progress line shows them)

    def write(self, table: str, chunk: int, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        folder = self.out / table
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"part-{self.tag}-c{chunk:04d}.parquet"
        pq.write_table(data, path, compression="zstd")
        self.rows += data.num_rows
        self.files += 1
        self.bytes += path.stat().st_size


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` with `schema`'s columns: a column added since it was spooled comes back as nulls."""
    columns = [
        table.column(f.name) if f.name in table.column_names else pa.nulls(table.num_rows, f.type) for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def pending_path(out: Path, table: str, chunk: int) -> Path:
    return out / "_pending" / table / f"c{chunk:04d}.parquet"


def release_pending(out: Path, table: str, chunk: int) -> pa.Table | None:
    """Rows held back by the previous window, with their _due, _dirt and _late columns."""
    path = pending_path(out, table, chunk)
    return pq.read_table(path) if path.exists() else None


def hold_pending(
    out: Path, table: str, chunk: int, data: pa.Table, due: np.ndarray, kinds: np.ndarray, late: np.ndarray
) -> None:
    """Replace the chunk's pending rows of `table` with `data` (all not yet due)."""
    pending = (
        data.append_column("_due", pa.array(due, pa.float64()))
        .append_column("_dirt", pa.array(kinds, pa.string()))
        .append_column("_late", pa.array(late, pa.bool_()))
    )
    path = pending_path(out, table, chunk)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pending, path)


def late_mask(data: pa.Table, due: np.ndarray, d1: int, cfg: SynthConfig, rng: np.random.Generator) -> np.ndarray:
    """Events of the window's last `late_days` held back, decided per event id so copies travel together."""
    ids = data.column("event_id")
    raw = pc.fill_null(ids, 0).to_numpy().astype(np.uint64)
    u = ((raw * np.uint64(2654435761) + np.uint64(cfg.seed)) % np.uint64(2**32)).astype(float) / 2**32
    u = np.where(pc.is_null(ids).to_numpy(zero_copy_only=False), rng.random(len(u)), u)
    return (due >= d1 - cfg.late_days) & (due < d1) & (u < cfg.late_rate)
