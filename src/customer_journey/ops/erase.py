"""Append a right-to-erasure request to the raw erasure list; the next build honours it.

    cj erase --customer ID [--anonymous-id ID] [--raw-path DIR]

Each call writes one new file under <raw_path>/erasure_requests/ (Parquet; CSV when the folder
already holds CSV files, since a raw table keeps one format), named for the time it was written,
with one row per id: customer_id, anonymous_id, requested_at (UTC). Nothing is deleted here: the
next `dbt build` drops the person's rows in staging (their customer id, and every event on a
device they used), deletes the rows already stored in the incremental tables, and records the
counts in marts.rpt_erasure_audit; `cj publish` then writes a copy without them. What is erased
and how: docs/erasure.md.
"""

from __future__ import annotations

import argparse
import csv
import os
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

DESCRIPTION = __doc__.split("\n\n")[0]
TABLE = "erasure_requests"
SCHEMA = pa.schema(
    [
        pa.field("customer_id", pa.string()),
        pa.field("anonymous_id", pa.string()),
        pa.field("requested_at", pa.timestamp("us")),
    ]
)


class EraseRefused(SystemExit):
    """The request cannot be written; the message says why."""


def request_rows(customers: list[str], anonymous_ids: list[str], now: datetime) -> list[dict]:
    """One row per id (customer ids first), stamped `now` (UTC, naive); ids trimmed, empty ones refused."""
    rows = []
    for column, ids in (("customer_id", customers), ("anonymous_id", anonymous_ids)):
        for value in ids:
            value = value.strip()
            if not value:
                raise EraseRefused(f"an empty {column} cannot be erased")
            rows.append({"customer_id": None, "anonymous_id": None, column: value, "requested_at": now})
    if not rows:
        raise EraseRefused("name at least one --customer or --anonymous-id to erase")
    return rows


def append_requests(raw_path: Path, rows: list[dict], now: datetime) -> Path:
    """Write `rows` as a new file of <raw_path>/erasure_requests/ and return its path. The folder's
    format is kept: CSV if it holds CSV files, else Parquet."""
    if not raw_path.is_dir():
        raise EraseRefused(f"no raw data folder at {raw_path}: pass --raw-path or set CJ_RAW_PATH")
    folder = raw_path / TABLE
    folder.mkdir(exist_ok=True)
    as_csv = any(p.name.lower().endswith((".csv", ".csv.gz")) for p in folder.rglob("*") if p.is_file())
    stem = f"erasure-{now:%Y%m%dT%H%M%S%fZ}"
    path = folder / f"{stem}.{'csv' if as_csv else 'parquet'}"
    suffix = 1
    while path.exists():  # two calls in the same microsecond: never overwrite a request
        path = folder / f"{stem}-{suffix}.{'csv' if as_csv else 'parquet'}"
        suffix += 1
    # written beside the folder's files under a bookkeeping name (skipped by the build), then renamed
    partial = folder / f"_{path.name}.partial"
    if as_csv:
        with partial.open("w", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=SCHEMA.names)
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "requested_at": f"{row['requested_at'].isoformat()}+00:00"})
    else:
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), partial)
    partial.rename(path)
    return path


def write_empty_list(raw_path: Path) -> Path:
    """An empty erasure list (the contract's columns, no rows) under <raw_path>/erasure_requests/:
    for engines that need every raw folder to exist (Spark)."""
    folder = raw_path / TABLE
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "empty.parquet"
    pq.write_table(SCHEMA.empty_table(), path)
    return path


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--customer", action="append", default=[], metavar="ID", help="customer id to erase (repeatable)")
    ap.add_argument(
        "--anonymous-id",
        action="append",
        default=[],
        metavar="ID",
        help="device / cookie id to erase, every event on it (repeatable)",
    )
    ap.add_argument(
        "--raw-path",
        type=Path,
        default=Path(os.environ.get("CJ_RAW_PATH", "data/sample")),
        help="the raw data folder the build reads (default: $CJ_RAW_PATH, else data/sample)",
    )


def run(args: argparse.Namespace) -> int:
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = request_rows(args.customer, args.anonymous_id, now)
    path = append_requests(args.raw_path, rows, now)
    named = ", ".join(
        f"{column.replace('_id', '')} {row[column]}"
        for row in rows
        for column in ("customer_id", "anonymous_id")
        if row[column]
    )
    print(
        f"appended {len(rows)} erasure request(s) ({named}) to {path}. The next `dbt build` (make build) "
        "removes them from every table, then `cj publish` writes a copy without them; "
        "marts.rpt_erasure_audit counts what went."
    )
    return 0
