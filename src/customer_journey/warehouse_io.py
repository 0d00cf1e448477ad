"""Turn what `dbt.ref()` returns in a Python model into pandas / Arrow, whatever the engine.

DuckDB hands over a DuckDBPyRelation, Spark / Databricks a pyspark DataFrame,
Snowflake a Snowpark DataFrame. Models call these helpers and stay adapter-neutral.
"""

from __future__ import annotations

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


def to_pandas(relation, columns: list[str] | None = None) -> pd.DataFrame:
    """A pandas DataFrame of `relation` (optionally only `columns`); decimals become floats."""
    table = to_arrow(relation, columns)
    fields = [pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields)).to_pandas()
