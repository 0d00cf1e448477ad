"""Turn what `dbt.ref()` returns in a Python model into pandas / Arrow, whatever the engine.

DuckDB hands over a DuckDBPyRelation, Spark / Databricks a pyspark DataFrame,
Snowflake a Snowpark DataFrame. Models call these helpers and stay adapter-neutral.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pandas as pd
import pyarrow as pa


def to_arrow(relation, columns: list[str] | None = None) -> pa.Table:
    """An Arrow table of `relation` (optionally only `columns`)."""
    if columns is not None and hasattr(relation, "project"):  # DuckDB: push the projection down
        relation = relation.project(", ".join(f'"{c}"' for c in columns))
        columns = None
    if hasattr(relation, "to_arrow_table"):  # DuckDB 2.x
        table = relation.to_arrow_table()
    elif hasattr(relation, "toArrow"):  # pyspark >= 4
        table = relation.toArrow()
    elif hasattr(relation, "toPandas"):  # pyspark, Snowpark
        table = pa.Table.from_pandas(relation.toPandas(), preserve_index=False)
    elif hasattr(relation, "to_pandas"):
        table = pa.Table.from_pandas(relation.to_pandas(), preserve_index=False)
    elif isinstance(relation, pd.DataFrame):
        table = pa.Table.from_pandas(relation, preserve_index=False)
    else:
        raise TypeError(f"cannot read a {type(relation).__name__} returned by dbt.ref()")
    return table.select(columns) if columns is not None else table


def inner_join(relation, other, keys: list[str], other_columns: list[str] | None = None, where: str | None = None):
    """`relation` joined (inner, on `keys`) with the rows of `other` that pass the SQL condition
    `where`, adding `other_columns`: the join runs in the warehouse, so only the matching rows
    are ever transferred."""
    keep = [*keys, *(other_columns or [])]
    if hasattr(relation, "project") and hasattr(other, "project"):  # DuckDB
        other = other.filter(where) if where else other
        return relation.join(other.project(", ".join(f'"{c}"' for c in keep)), ", ".join(f'"{k}"' for k in keys))
    if hasattr(relation, "toPandas") and hasattr(other, "select"):  # Spark, Snowpark
        other = other.filter(where) if where else other
        return relation.join(other.select(*keep), on=list(keys), how="inner")
    raise TypeError(f"cannot join a {type(relation).__name__} with a {type(other).__name__} in the warehouse")


def to_pandas(relation, columns: list[str] | None = None) -> pd.DataFrame:
    """A pandas DataFrame of `relation` (optionally only `columns`); decimals become floats."""
    table = to_arrow(relation, columns)
    fields = [pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f for f in table.schema]
    table = table.cast(pa.schema(fields))
    # column by column, freeing the Arrow buffers as they are converted: the peak stays near one
    # copy of the data instead of two (a million customers' snapshots are GiBs)
    return table.to_pandas(split_blocks=True, self_destruct=True)


def lazy_pandas(relation, columns: list[str] | None = None) -> Callable[[], pd.DataFrame]:
    """A function returning `to_pandas(relation, columns)`, read at its first call and kept: for a
    model that may keep its stored table and then needs no row at all."""
    return functools.cache(lambda: to_pandas(relation, columns))


def read_stored(session, this) -> pd.DataFrame | None:
    """The model's own table from its previous build (`dbt.this`), or None when there is none yet.

    `session` is what dbt hands a Python model: a DuckDB connection, or a Spark / Snowpark session.
    """
    name = f"{this.schema}.{this.identifier}"
    if hasattr(session, "catalog") and hasattr(session, "table"):  # Spark, Databricks
        return session.table(name).toPandas() if session.catalog.tableExists(name) else None
    if hasattr(session, "execute"):  # DuckDB
        # a cursor of its own: a query on the session itself would cut short the relations the
        # model already holds from dbt.ref() ("connection has an unfinished result")
        cursor = session.cursor() if hasattr(session, "cursor") else session
        try:
            exists = cursor.execute(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                [this.schema, this.identifier],
            ).fetchall()[0][0]
            return cursor.execute(f"select * from {this}").df() if exists else None
        finally:
            if cursor is not session:
                cursor.close()
    raise TypeError(f"cannot read {name} through a {type(session).__name__}")


def relation_fingerprint(relation, exclude: tuple[str, ...] = ()) -> str:
    """A digest of `relation`'s rows computed where they are (no row leaves the warehouse): the row
    count and the sum of one hash per row over every column but `exclude`, floats rounded to 9
    decimals (parallel sums differ in the last bits). Row order does not matter; the same rows
    give the same digest on the same engine. On DuckDB and Spark; other relations are hashed in
    pandas."""
    if hasattr(relation, "aggregate") and hasattr(relation, "types"):  # DuckDB
        names = [c for c in relation.columns if c not in exclude]
        floats = {"FLOAT", "DOUBLE"}
        parts = [
            f'round(cast("{c}" as double), 9)' if str(t) in floats or str(t).startswith("DECIMAL") else f'"{c}"'
            for c, t in zip(relation.columns, relation.types, strict=True)
            if c in names
        ]
        count, total = relation.aggregate(
            f"count(*), coalesce(sum(cast(hash({', '.join(parts)}) as hugeint)), 0)"
        ).fetchall()[0]
        return f"sql-{count}-{int(total) % 2**64:016x}"
    if hasattr(relation, "toPandas") and hasattr(relation, "agg"):  # Spark
        from pyspark.sql import functions as F  # noqa: N812 (pyspark's convention)

        kinds = dict(relation.dtypes)
        columns: list[Any] = [
            F.round(F.col(c).cast("double"), 9)
            if kinds[c] in ("float", "double") or kinds[c].startswith("decimal")
            else F.col(c)
            for c in relation.columns
            if c not in exclude
        ]
        count, total = relation.agg(F.count(F.lit(1)), F.sum(F.xxhash64(*columns).cast("decimal(38,0)"))).first()
        return f"sql-{count}-{int(total or 0) % 2**64:016x}"
    from customer_journey.ml.features import training_fingerprint

    frame = to_pandas(relation)
    return training_fingerprint(frame[[c for c in frame.columns if c not in exclude]])
