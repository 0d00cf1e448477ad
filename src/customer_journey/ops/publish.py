"""Publish the built marts to a separate DuckDB file for BI tools, swapped in atomically.

    cj publish          (make publish)

DuckDB lets one process write a database file. A BI tool holding the build's
warehouse open would block `dbt build`, and could read half-built tables. So
BI tools read `warehouse/bi/customer_journey.duckdb` instead: after a build,
this copies every table and view of the `marts`, `ml` and `activation`
schemas into a new file beside it (views as tables, so the copy stands alone;
the deprecated aliases of renamed tables as views over their new names) and
renames it over the published one in one step. The copy is written in DuckDB's v1.2.0 storage
format, so older DuckDB readers (the Evidence report's Node DuckDB 1.4) open it. A reader that has the
old file open keeps reading the old, complete data until it reconnects; a
reader that connects after the swap sees the new data; nobody sees a mix.

Only a warehouse whose last `dbt run` / `dbt build` succeeded is published
(_cj_meta.build_status, written by the build's hooks): after a failed or
interrupted build, or while a build holds the warehouse, it refuses with a
message and leaves the published copy as it was. It never leaves a
temporary file behind.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import duckdb

DESCRIPTION = __doc__.split("\n\n")[0]
SCHEMAS = ("marts", "ml", "activation")
STORAGE = "v1.2.0"  # the published file's storage format (README, "BI")
PUBLISHED = "_cj_published"  # the new copy's catalog name while it is written

# the names public tables had before 0.2.0 (models/deprecated/): views in the published copy too
DEPRECATED_ALIASES = {
    "marts.customer_features": "marts.dim_customer_features",
    "marts.customer_feature_snapshots": "marts.fct_customer_feature_snapshots",
    "marts.customer_labels": "marts.fct_customer_labels",
    "marts.quarantined_rows": "marts.fct_quarantined_rows",
    "marts.customer_features_scaled": "ml.customer_features_scaled",
    "marts.feature_scaling_params": "ml.feature_scaling_params",
    "marts.segment_profiles": "ml.segment_profiles",
    "marts.action_performance": "activation.action_performance",
    "marts.next_best_actions": "activation.next_best_actions",
}


class PublishRefused(SystemExit):
    """The warehouse cannot be published now; the message says why and what to do."""


def last_build_status(con: duckdb.DuckDBPyConnection, catalog: str) -> tuple[str, str, str]:
    """(status, command, detail) of the last build recorded in the attached warehouse `catalog`."""
    found = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = '_cj_meta' "
        "and table_name = 'build_status'",
        [catalog],
    ).fetchall()[0][0]
    if not found:
        return ("unknown", "", "no build of this project recorded its status here")
    row = con.execute(f'select status, command, detail from "{catalog}"._cj_meta.build_status').fetchall()[0]
    return (row[0], row[1], row[2])


def _attach(con: duckdb.DuckDBPyConnection, source: Path, catalog: str, target: Path) -> None:
    literal = str(source).replace("'", "''")
    try:
        con.execute(f"attach '{literal}' as \"{catalog}\" (read_only)")
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        raise PublishRefused(
            f"cannot publish {source}: another process holds it (a build still running?). "
            f"Publish after it ends; {target} is unchanged. DuckDB said: {str(error).splitlines()[0]}"
        ) from None


def _remove_dead_copies(target: Path) -> None:
    """Delete half-written copies (`.<name>.<pid>.tmp` and its .wal) left by a publish that was killed."""
    for leftover in target.parent.glob(f".{target.name}.*.tmp*"):
        pid = leftover.name[len(target.name) + 2 :].split(".")[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            leftover.unlink(missing_ok=True)
        except PermissionError:  # alive, someone else's
            continue


def publish(source: Path, target: Path, schemas: tuple[str, ...] = SCHEMAS) -> dict[str, int]:
    """Copy the tables of `schemas` from `source` into a fresh file, then atomically replace `target`."""
    if not source.exists():
        raise PublishRefused(f"no warehouse at {source}: run `make build` (or dbt build) first")
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_copies(target)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    copied: dict[str, int] = {}
    try:
        con = duckdb.connect()
        try:
            # written in DuckDB's v1.2.0 storage format, which every DuckDB since 1.2 opens, including the
            # Node DuckDB (1.4) of the Evidence report in bi/; the default format of this DuckDB (2.0) is
            # unreadable there ("database file with version number 999")
            con.execute(
                f"attach '{str(staging).replace(chr(39), chr(39) * 2)}' as {PUBLISHED} (storage_version '{STORAGE}')"
            )
            con.execute(f"use {PUBLISHED}")
            # attached under its own catalog name: the views dbt wrote name their tables with it
            catalog = source.stem
            _attach(con, source, catalog, target)
            status, command, detail = last_build_status(con, catalog)
            if status != "succeeded":
                what = {
                    "running": f"its last `dbt {command}` has not finished (still running, or killed)",
                    "failed": f"its last `dbt {command}` failed ({detail})",
                }.get(status, detail)
                raise PublishRefused(
                    f"not publishing {source}: {what}. Fix it and build again (`make build`); {target} is unchanged."
                )
            wanted = ", ".join(repr(s) for s in schemas)
            relations = con.execute(
                f"select schema_name, table_name from duckdb_tables() "
                f"where database_name = ? and schema_name in ({wanted}) "
                f"union all select schema_name, view_name from duckdb_views() "
                f"where database_name = ? and schema_name in ({wanted}) and not internal "
                "order by 1, 2",
                [catalog, catalog],
            ).fetchall()
            for schema, name in relations:
                if f"{schema}.{name}" in DEPRECATED_ALIASES:
                    continue
                con.execute(f'create schema if not exists "{schema}"')
                con.execute(f'create table "{schema}"."{name}" as select * from "{catalog}"."{schema}"."{name}"')
                copied[f"{schema}.{name}"] = con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0]
            for alias, table in DEPRECATED_ALIASES.items():
                if table in copied:
                    con.execute(f"create view {alias} as select * from {table}")
            con.execute(f'detach "{catalog}"')
            con.execute(f"checkpoint {PUBLISHED}")
            con.execute("use memory")
            con.execute(f"detach {PUBLISHED}")
        finally:
            con.close()
        os.replace(staging, target)  # atomic on the same file system
    finally:
        staging.unlink(missing_ok=True)
        staging.with_name(staging.name + ".wal").unlink(missing_ok=True)
    return copied


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--source", type=Path, default=Path(os.environ.get("CJ_DUCKDB_PATH", "warehouse/customer_journey.duckdb"))
    )
    ap.add_argument("--target", type=Path, default=Path("warehouse/bi/customer_journey.duckdb"))


def run(args: argparse.Namespace) -> int:
    copied = publish(args.source, args.target)
    print(f"published {len(copied)} tables ({sum(copied.values()):,} rows) to {args.target}")
    return 0
