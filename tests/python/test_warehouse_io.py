"""The adapter-neutral readers the Python models use: DuckDB relations and sessions, Spark-like ones."""

from __future__ import annotations

from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest

from customer_journey.ml.warehouse_io import inner_join, read_stored, to_pandas


def test_duckdb_relation_to_pandas_with_a_projection():
    con = duckdb.connect()
    con.execute("create table t as select 1 as a, 2.5::decimal(4, 1) as b, 'x' as c")
    frame = to_pandas(con.table("t"), ["a", "b"])
    assert list(frame.columns) == ["a", "b"] and frame.b.dtype == "float64" and frame.b.iloc[0] == 2.5


def test_inner_join_runs_in_duckdb_and_keeps_only_matching_rows_that_pass_the_condition():
    con = duckdb.connect()
    con.execute(
        "create table snapshots as select * from (values ('a', 1, 10.0), ('b', 1, 20.0), ('c', 2, 3.0)) t(customer_id, as_of_date, x)"
    )
    con.execute(
        "create table labels as select * from (values ('a', 1, true, 'n'), ('b', 1, null, 'n'), ('c', 2, false, 'n')) t(customer_id, as_of_date, y, other)"
    )
    joined = inner_join(
        con.table("snapshots"), con.table("labels"), ["customer_id", "as_of_date"], ["y"], where="y is not null"
    )
    assert isinstance(joined, duckdb.DuckDBPyRelation)  # still lazy: nothing transferred yet
    frame = to_pandas(joined).sort_values("customer_id")
    assert list(frame.columns) == ["customer_id", "as_of_date", "x", "y"]
    assert frame.customer_id.tolist() == ["a", "c"] and frame.y.tolist() == [True, False]


def test_inner_join_refuses_what_it_cannot_join_in_a_warehouse():
    with pytest.raises(TypeError, match="cannot join a DataFrame"):
        inner_join(pd.DataFrame({"k": [1]}), pd.DataFrame({"k": [1]}), ["k"])


def test_read_stored_on_duckdb():
    con = duckdb.connect()
    this = SimpleNamespace(schema="ml", identifier="model")
    assert read_stored(con, this) is None
    con.execute("create schema ml; create table ml.model as select 7 as k")
    # dbt's relation renders as schema.identifier
    relation = type("Relation", (), {"schema": "ml", "identifier": "model", "__str__": lambda self: "ml.model"})()
    assert read_stored(con, relation).k.tolist() == [7]


class _SparkLike:
    """What read_stored needs of a Spark session: a catalog and table()."""

    def __init__(self, tables: dict[str, pd.DataFrame]):
        self.tables = tables
        self.catalog = SimpleNamespace(tableExists=lambda name: name in tables)

    def table(self, name):
        return SimpleNamespace(toPandas=lambda: self.tables[name])


def test_read_stored_on_a_spark_session():
    this = SimpleNamespace(schema="ml", identifier="model")
    assert read_stored(_SparkLike({}), this) is None
    stored = pd.DataFrame({"k": [3]})
    assert read_stored(_SparkLike({"ml.model": stored}), this).k.tolist() == [3]


def test_an_unknown_session_is_refused():
    with pytest.raises(TypeError, match="cannot read"):
        read_stored(object(), SimpleNamespace(schema="ml", identifier="model"))


def test_reading_the_stored_table_leaves_the_models_relations_readable():
    """A model reads its refs (relations on the session), then its own stored table: the relations
    must still be readable afterwards (a query on the session itself cut them short)."""
    con = duckdb.connect()
    con.execute("create schema ml")
    con.execute("create table ml.features as select range as id from range(5000)")
    con.execute("create table ml.stored as select 1 as x")
    features = con.sql("select * from ml.features")
    this = type("This", (), {"schema": "ml", "identifier": "stored", "__str__": lambda self: "ml.stored"})()
    assert read_stored(con, this).x.tolist() == [1]
    assert len(to_pandas(features)) == 5000
    missing = type("This", (), {"schema": "ml", "identifier": "nothing", "__str__": lambda self: "ml.nothing"})()
    assert read_stored(con, missing) is None
    assert len(to_pandas(features)) == 5000
