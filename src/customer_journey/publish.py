"""Publish the built marts to a separate DuckDB file for BI tools, swapped in atomically.

    python -m customer_journey.publish          (make publish)

DuckDB lets one process write a database file. A BI tool holding the build's
warehouse open would block `dbt build`, and could read half-built tables. So
BI tools read `warehouse/bi/customer_journey.duckdb` instead: after a build,
this copies every table of the `marts` and `ml` schemas into a new file beside
it and renames it over the published one in one step. A reader that has the
old file open keeps reading the old, complete data until it reconnects; a
reader that connects after the swap sees the new data; nobody sees a mix.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import duckdb

SCHEMAS = ("marts", "ml")


def publish(source: Path, target: Path, schemas: tuple[str, ...] = SCHEMAS) -> dict[str, int]:
    """Copy the tables of `schemas` from `source` into a fresh file, then atomically replace `target`."""
    if not source.exists():
        raise SystemExit(f"no warehouse at {source}: run `make build` (or dbt build) first")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    copied: dict[str, int] = {}
    con = duckdb.connect(str(staging))
    try:
        con.execute(f"attach '{source}' as src (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            f"where database_name = 'src' and schema_name in ({', '.join(repr(s) for s in schemas)}) "
            "order by 1, 2"
        ).fetchall()
        for schema, name in tables:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f'create table "{schema}"."{name}" as select * from src."{schema}"."{name}"')
            copied[f"{schema}.{name}"] = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
        con.execute("detach src")
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(staging, target)  # atomic on the same file system
    return copied


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--source", type=Path, default=Path(os.environ.get("CJ_DUCKDB_PATH", "warehouse/customer_journey.duckdb"))
    )
    ap.add_argument("--target", type=Path, default=Path("warehouse/bi/customer_journey.duckdb"))
    args = ap.parse_args(argv)
    copied = publish(args.source, args.target)
    print(f"published {len(copied)} tables ({sum(copied.values()):,} rows) to {args.target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
