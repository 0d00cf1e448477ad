"""What every importer shares: finding the source files, writing the raw tables, the report.

Progress lines come from customer_journey.progress (shared with the generator and the benchmark)."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

# the raw-data contract's tables (models/staging/raw/_raw__sources.yml)
CONTRACT_TABLES = ("customers", "events", "orders", "order_items", "feedback", "marketing_actions", "marketing_spend")
REPORT_NAME = "_import_report.json"  # a leading '_': the build's raw-file listing skips it
SOURCE_SUFFIXES = (".csv", ".csv.gz", ".parquet")


class ImportRefused(SystemExit):
    """The source cannot be imported as asked; the message names the file, column or value and what to do."""


def source_files(src: Path) -> list[Path]:
    """The files to read: `src` itself, or every CSV / Parquet file under the folder `src`, sorted."""
    if src.is_file():
        return [src]
    if not src.is_dir():
        raise ImportRefused(f"cj import: {src} does not exist")
    files = sorted(
        p
        for p in src.rglob("*")
        if p.is_file() and p.name.lower().endswith(SOURCE_SUFFIXES) and not p.name.startswith(("_", "."))
    )
    if not files:
        raise ImportRefused(f"cj import: no .csv, .csv.gz or .parquet files under {src}")
    return files


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare_out(out: Path, tables: tuple[str, ...], force: bool) -> list[str]:
    """Make `out` ready for `tables`; returns the other contract tables already there (dbt reads them too).

    A table folder that already holds files is refused without `force` (the build reads every file
    under it, so a second import would double the rows); with `force` it is replaced.
    """
    out.mkdir(parents=True, exist_ok=True)
    for table in tables:
        folder = out / table
        if folder.exists() and any(folder.iterdir()):
            if not force:
                raise ImportRefused(
                    f"cj import: {folder} already holds files; the build would read them beside the new ones. "
                    "Pass --force to replace the tables this import writes, or choose an empty OUT."
                )
            shutil.rmtree(folder)
    report = out / REPORT_NAME
    if report.exists():
        report.unlink()
    return [t for t in CONTRACT_TABLES if t not in tables and (out / t).is_dir() and any((out / t).iterdir())]


def write_table(out: Path, table: str, data: pa.Table) -> int:
    """Write one raw table as `out/<table>/part-0.parquet` (one file, rows in the order given)."""
    folder = out / table
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(data, folder / "part-0.parquet")
    return data.num_rows


@dataclass
class ImportReport:
    """OUT/_import_report.json: what was read, written and left out, and why."""

    shape: str
    sources: list[dict[str, Any]]
    options: dict[str, Any]
    rows_read: int = 0
    rows_written: dict[str, int] = field(default_factory=dict)
    # reason -> {"rows": n, ...more counts}; rows of the source not written, and why
    rows_skipped: dict[str, dict[str, Any]] = field(default_factory=dict)
    # shape-specific facts (merged lines, credits applied, ...)
    notes: dict[str, Any] = field(default_factory=dict)
    other_tables_in_out: list[str] = field(default_factory=list)

    def skipped_rows(self) -> int:
        return sum(int(entry["rows"]) for entry in self.rows_skipped.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "sources": self.sources,
            "options": self.options,
            "rows_read": self.rows_read,
            "rows_skipped_total": self.skipped_rows(),
            "rows_written": self.rows_written,
            "rows_skipped": self.rows_skipped,
            "notes": self.notes,
            "other_tables_in_out": self.other_tables_in_out,
        }

    def write(self, out: Path) -> Path:
        path = out / REPORT_NAME
        path.write_text(json.dumps(self.as_dict(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
        return path

    def summary_lines(self, out: Path) -> list[str]:
        lines = [f"cj import {self.shape}: {self.rows_read:,} source rows read"]
        lines.append("  written: " + ", ".join(f"{t} {n:,}" for t, n in self.rows_written.items()) + f" -> {out}/")
        if self.rows_skipped:
            lines.append(f"  not written: {self.skipped_rows():,} rows")
            for reason, entry in self.rows_skipped.items():
                extra = ", ".join(f"{k.replace('_', ' ')} {_plain(v)}" for k, v in entry.items() if k != "rows")
                lines.append(f"    {reason}: {entry['rows']:,} rows" + (f" ({extra})" if extra else ""))
        for key, value in self.notes.items():
            if value in ({}, [], None):
                continue
            lines.append(f"  {key.replace('_', ' ')}: {_plain(value)}")
        if self.other_tables_in_out:
            lines.append(
                f"  note: {out}/ also holds {', '.join(self.other_tables_in_out)} from elsewhere; the build reads them too"
            )
        lines.append(f"  report: {out / REPORT_NAME}")
        return lines


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
