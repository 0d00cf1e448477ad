"""Right to erasure (#24): `cj erase` appends a request; the next build removes the person from
every table of every schema, from the published copy and from the model directory, leaves everyone
else's rows as they were, and the builds after it still equal a full refresh.

One data set (400 customers, 45 days) is built in full and grown by three appended days with an
incremental build after each. Three customers are erased: one who used a device another customer
also used, one with feedback and marketing actions, one with anonymous browsing stitched to them.
One incremental build honours the requests, `cj publish` copies the marts; then a day is appended
(the generator keeps simulating the erased customers: their new raw rows must stay out), built
incrementally, and compared with a full refresh of the same raw data.

The selection is the SQL layers up to the incremental models and the audit: no model is trained,
so the model directory stays empty here; the retrain policy for trained models is tested on small
frames below (`test_a_champion_trained_before_an_erasure_is_retrained_and_its_files_deleted`).
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import REPO, make_dataset, run_dbt
from customer_journey.cli import main
from customer_journey.ml import prediction
from customer_journey.ml.registry import erasure_changed_at, train_registry
from customer_journey.ml.reuse import ERASURE_REASON
from customer_journey.ops.erase import EraseRefused
from customer_journey.ops.publish import publish
from customer_journey.synth import generate, load_manifest
from test_incremental import INCREMENTAL_MODELS, _differences
from test_registry import SCALING, _labelled_rows, _settings

SELECT = [
    "--select",
    "+fct_customer_feature_snapshots",
    "+fct_sessions",
    "+int_funnel_step_paths",
    "+int_journey_paths",
    "+rpt_erasure_audit",
    "--indirect-selection",
    "cautious",
]
WITHOUT_TESTS = ["--exclude-resource-type", "test", "unit_test"]
SALT = os.environ.get("CJ_PII_SALT") or "test-salt-0123456789"  # what run_dbt gives the builds
# columns that may differ between equal data (bookkeeping), and the RFM scores: ranks among all
# customers, which move when customers leave the ranking (rescored to equal a full refresh)
IGNORED = {"dbt_loaded_at", "rfm_recency_score", "rfm_frequency_score", "rfm_monetary_score"}


def _build(raw, work, *args: str) -> None:
    # a process per build: once in two runs in the test process (2026-12-02) the grown warehouse held
    # one customer's sessions twice in its snapshots (C0000190: 4 sessions, 32 events; 2 and 16 after
    # the erasure rebuilt them); not seen with a process per build. Open in issue #22's note.
    result = run_dbt(["build", *SELECT, *args], raw, work, {"CJ_TEST_DBT_SUBPROCESS": "1"})
    assert result.returncode == 0, result.output[-4000:]
    assert "WARN=0" in result.output, result.output[-4000:]


def _append_day(raw) -> None:
    generate(load_manifest(raw), raw, append_days=1, quiet=True)


def _connect(db) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(db), read_only=True)
    con.execute("set variable cj_pii_salt = ?", [SALT])  # the staging views hash e-mail-like ids with it
    return con


def _people(db, raw) -> dict:
    """The three customers to erase, chosen on the grown warehouse, with everything that names them."""
    con = _connect(db)
    try:
        # a customer on a shared device whose anonymous events there were stitched to the other one
        shared = con.execute(
            "select min(mine.customer_id) from intermediate.int_identity_map as mine "
            "inner join intermediate.int_events_stitched as theirs on mine.anonymous_id = theirs.anonymous_id "
            "where mine.is_shared_device and theirs.identity_resolution <> 'identified' "
            "and theirs.customer_id <> mine.customer_id"
        ).fetchone()[0]
        on_shared = {
            c
            for (c,) in con.execute(
                "select customer_id from intermediate.int_identity_map where is_shared_device"
            ).fetchall()
        }
        engaged = con.execute(
            "select max(feedback.customer_id) from intermediate.int_feedback_cleaned as feedback "
            "inner join intermediate.int_marketing_actions_cleaned as actions using (customer_id) "
            "where feedback.customer_id not in (select unnest(?::varchar[]))",
            [sorted(on_shared)],
        ).fetchone()[0]
        browser = con.execute(
            "select customer_id from intermediate.int_events_stitched where identity_resolution = 'stitched' "
            "and customer_id not in (select unnest(?::varchar[])) group by 1 order by count(*) desc, 1 limit 1",
            [sorted(on_shared | {engaged})],
        ).fetchone()[0]
        customers = [shared, engaged, browser]
        hashes = [
            h
            for (h,) in con.execute(
                "select distinct email_hash from staging.stg_raw__customers "
                "where customer_id in (select unnest(?::varchar[])) and email_hash is not null",
                [customers],
            ).fetchall()
        ]
    finally:
        con.close()
    # their devices, from the raw events: a device another customer also identified on is shared
    events = pd.read_parquet(raw / "events", columns=["customer_id", "anonymous_id"]).dropna()
    devices = set(events.loc[events.customer_id.isin(customers), "anonymous_id"])
    others = events[events.anonymous_id.isin(devices) & ~events.customer_id.isin(customers)]
    return {
        "customers": customers,
        "hashes": hashes,
        "own_devices": sorted(devices - set(others.anonymous_id)),
        "shared_devices": sorted(set(others.anonymous_id)),
        # the other customers of those devices: their events there stay, their anonymous ones go
        "neighbours": sorted(set(others.customer_id)),
    }


def _reimport(raw, customers: list[str]) -> None:
    """A late re-export of the customers' raw events and orders, as new files of those tables."""
    for table in ("events", "orders"):
        rows = pq.ParquetDataset(raw / table).read()
        mine = rows.filter(pc.is_in(pc.utf8_trim_whitespace(rows["customer_id"]), pa.array(customers)))
        assert mine.num_rows > 0, table
        pq.write_table(mine, raw / table / "reexport.parquet")


@pytest.fixture(scope="module")
def erasure(tmp_path_factory):
    base = tmp_path_factory.mktemp("erasure")
    raw, work = base / "raw", base / "work"
    make_dataset(raw, customers=400, days=45, seed=11, dirt_rate=0.03)
    _build(raw, work, *WITHOUT_TESTS)
    for _ in range(3):
        _append_day(raw)
        _build(raw, work, *WITHOUT_TESTS)
    db = work / "warehouse.duckdb"
    shutil.copy(db, base / "before.duckdb")
    people = _people(db, raw)
    assert people["shared_devices"] and people["neighbours"] and len(people["hashes"]) == 3, people
    # two calls: two request files, read together
    assert main(["erase", "--customer", people["customers"][0], "--raw-path", str(raw)]) == 0
    assert (
        main(
            [
                "erase",
                "--customer",
                people["customers"][1],
                "--customer",
                people["customers"][2],
                "--raw-path",
                str(raw),
            ]
        )
        == 0
    )
    _build(raw, work, *WITHOUT_TESTS)
    shutil.copy(db, base / "erased.duckdb")
    expected_drops = _expected_drops(raw, people)
    published = base / "bi" / "customer_journey.duckdb"
    publish(db, published)
    # the next day, and a re-export of the erased customers' events and orders (a late file): their
    # raw rows must stay out; then a full refresh of it all
    _append_day(raw)
    _reimport(raw, people["customers"])
    expected_drops_next = _expected_drops(raw, people)
    _build(raw, work, *WITHOUT_TESTS)
    shutil.copy(db, base / "next.duckdb")
    _build(raw, work, *WITHOUT_TESTS, "--full-refresh")
    return {
        "raw": raw,
        "before": base / "before.duckdb",
        "erased": base / "erased.duckdb",
        "next": base / "next.duckdb",
        "full": db,
        "published": published,
        "models": work / "models",
        "work": work,
        "expected_drops": expected_drops,
        "expected_drops_next": expected_drops_next,
        **people,
    }


def _search(db, needles: list[str]) -> dict[str, int]:
    """relation.column -> rows holding one of `needles`, over every text column of every table and
    view of every schema but `raw` (the views over the user's own files)."""
    pattern = "|".join(re.escape(n) for n in needles)
    con = _connect(db)
    try:
        columns: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema <> 'raw' and data_type = 'VARCHAR' "
            "order by 1, 2, ordinal_position"
        ).fetchall():
            columns.setdefault((schema, table), []).append(column)
        hits = {}
        for (schema, table), names in columns.items():
            counts = con.execute(
                "select "
                + ", ".join(f'count(*) filter (where regexp_matches("{c}", $pattern))' for c in names)
                + f' from "{schema}"."{table}"',
                {"pattern": pattern},
            ).fetchone()
            hits.update({f"{schema}.{table}.{c}": n for c, n in zip(names, counts, strict=True) if n})
    finally:
        con.close()
    return hits


def test_the_erased_are_nowhere_in_the_warehouse_the_published_copy_or_the_models(erasure):
    needles = [*erasure["customers"], *erasure["hashes"], *erasure["own_devices"]]
    # the search finds them where they were (it would find a leftover)
    before = _search(erasure["before"], needles)
    assert {"staging.stg_raw__customers.email_hash", "intermediate.int_identity_map.anonymous_id"} <= set(before)
    assert "marts.fct_customer_feature_snapshots.customer_id" in before
    for db in ("erased", "next", "full", "published"):
        assert _search(erasure[db], needles) == {}, db
    # a shared device stays on its other customers' own events only: none of its anonymous events
    # remain, and no identity pair ties it to an erased customer
    con = _connect(erasure["erased"])
    try:
        devices = erasure["shared_devices"]
        assert (
            con.execute(
                "select count(*) from intermediate.int_events_stitched where anonymous_id in (select unnest(?::varchar[])) "
                "and (identity_resolution <> 'identified' or customer_id not in (select unnest(?::varchar[])))",
                [devices, erasure["neighbours"]],
            ).fetchone()[0]
            == 0
        )
        assert (
            con.execute(
                "select count(*) from staging.stg_raw__events where anonymous_id in (select unnest(?::varchar[])) "
                "and customer_id is null",
                [devices],
            ).fetchone()[0]
            == 0
        )
    finally:
        con.close()
    # the published copy is a new file: not even its bytes hold them (the warehouse file may, in
    # the storage of deleted rows, until it is rewritten: docs/erasure.md)
    published = erasure["published"].read_bytes()
    assert not [n for n in needles if n.encode() in published]
    # dbt's compiled SQL, run results and logs: the ids reach SQL only through the raw list (an id
    # that the project's own docs quote as an example is left out of this check)
    project_text = "".join(p.read_text() for p in REPO.glob("models/**/*") if p.suffix in (".md", ".yml"))
    data_needles = [n for n in needles if n not in project_text]
    written = [p for folder in ("target", "logs") for p in (erasure["work"] / folder).rglob("*") if p.is_file()]
    assert len(data_needles) > len(needles) / 2 and written
    assert not [p for p in written if any(n.encode() in p.read_bytes() for n in data_needles)]
    # no model was trained by this selection; whatever the directory holds names nobody erased
    files = [p for p in erasure["models"].rglob("*") if p.is_file()] if erasure["models"].exists() else []
    assert not [p for p in files if any(n.encode() in p.read_bytes() for n in needles)]


def _others(con, catalog: str, model: str, people: dict) -> str:
    """The rows of `catalog`.`model` that belong to nobody erased nor to a neighbour on their
    devices, as a query over every column but IGNORED."""
    schema, table = model.split(".")
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
            [catalog, schema, table],
        ).fetchall()
    )
    columns = list(types)
    people_ids = ", ".join(f"'{c}'" for c in [*people["customers"], *people["neighbours"]])
    devices = [*people["own_devices"], *people["shared_devices"]]
    device_ids = ", ".join(f"'{d}'" for d in devices)
    anon_persons = ", ".join(f"'anon:{d}'" for d in devices)
    conditions = []
    if "customer_id" in columns:
        conditions.append(f"coalesce(customer_id not in ({people_ids}), true)")
    if "person_id" in columns:
        conditions.append(f"coalesce(person_id not in ({people_ids}, {anon_persons}), true)")
    if "anonymous_id" in columns:
        conditions.append(f"coalesce(anonymous_id not in ({device_ids}), true)")
    # floating-point sums depend on the order a parallel scan adds them in (401.19 against
    # 401.19000000000005, seen 2026-12-02): compare to 1e-9, as _differences does
    kept = ", ".join(
        f'round("{c}", 9) as "{c}"' if types[c] in ("DOUBLE", "FLOAT") else f'"{c}"'
        for c in columns
        if c not in IGNORED
    )
    return f"select {kept} from {catalog}.{model} where {' and '.join(conditions)}"


def _expected_drops(raw, people: dict) -> dict[str, int]:
    """The raw rows staging must drop for the erased people, counted with pandas on the raw files:
    their customer rows, orders and order lines, feedback, marketing actions, and events with their
    customer id or without a customer id on one of their devices."""
    customers = set(people["customers"])
    devices = {*people["own_devices"], *people["shared_devices"]}

    def ids(frame: pd.DataFrame, column: str) -> pd.Series:
        return frame[column].astype("string").str.strip().replace("", pd.NA)

    tables = {t: pd.read_parquet(raw / t) for t in ("customers", "orders", "order_items", "events", "feedback")}
    tables["marketing_actions"] = pd.read_parquet(raw / "marketing_actions")
    orders = tables["orders"]
    erased_orders = set(ids(orders, "order_id")[ids(orders, "customer_id").isin(customers)].dropna())
    events = tables["events"]
    return {
        "raw.customers": int(ids(tables["customers"], "customer_id").isin(customers).sum()),
        "raw.orders": int(ids(orders, "customer_id").isin(customers).sum()),
        "raw.order_items": int(ids(tables["order_items"], "order_id").isin(erased_orders).sum()),
        "raw.feedback": int(ids(tables["feedback"], "customer_id").isin(customers).sum()),
        "raw.marketing_actions": int(ids(tables["marketing_actions"], "customer_id").isin(customers).sum()),
        "raw.events": int(
            (
                ids(events, "customer_id").isin(customers)
                | (ids(events, "customer_id").isna() & ids(events, "anonymous_id").isin(devices))
            ).sum()
        ),
    }


def test_everyone_elses_rows_are_unchanged_and_the_audit_counts_what_went(erasure):
    con = duckdb.connect()
    con.execute(f"attach '{erasure['before']}' as before (read_only)")
    con.execute(f"attach '{erasure['erased']}' as erased (read_only)")
    try:
        counted = {
            (relation, action): rows
            for relation, action, rows in con.execute(
                "select relation_name, erasure_action, rows_affected from erased.marts.rpt_erasure_audit"
            ).fetchall()
        }
        for model in INCREMENTAL_MODELS:
            others_before = _others(con, "before", model, erasure)
            others_after = _others(con, "erased", model, erasure)
            kept, only_before, only_after = con.execute(
                f"select (select count(*) from ({others_after})), "
                f"(select count(*) from ({others_before} except all {others_after})), "
                f"(select count(*) from ({others_after} except all {others_before}))"
            ).fetchone()
            assert kept > 0 and (only_before, only_after) == (0, 0), (model, only_before, only_after)
            before, after = (
                con.execute(f"select count(*) from {catalog}.{model}").fetchone()[0] for catalog in ("before", "erased")
            )
            if model in (
                "intermediate.int_sessions",
                "intermediate.int_customer_daily_activity",
                "intermediate.int_funnel_step_events",
                "intermediate.int_funnel_step_paths",
                "intermediate.int_journey_paths",
            ):
                # the neighbours' sessions, days, step events and paths are recomputed (their number may
                # change): the deleted rows are the erased people's
                ids = [*erasure["customers"], *(f"anon:{d}" for d in erasure["own_devices"])]
                column = "customer_id" if model == "intermediate.int_customer_daily_activity" else "person_id"
                before = (
                    after
                    + con.execute(
                        f"select count(*) from before.{model} where {column} in (select unnest(?::varchar[]))", [ids]
                    ).fetchone()[0]
                )
            if model == "intermediate.int_bot_visitors":
                # bots are devices nobody signs in on: the erased customers own none, nothing to delete
                assert before == after and (model, "deleted") not in counted, model
            elif model != "marts.fct_sessions":  # a view over int_sessions
                assert before - after == counted[(model, "deleted")] > 0, model
    finally:
        con.close()
    # what staging drops, as counted by pandas on the raw files of the erasure build
    for relation, rows in erasure["expected_drops"].items():
        assert counted.get((relation, "dropped_in_staging"), 0) == rows, relation
    assert erasure["expected_drops"]["raw.events"] > 0 and erasure["expected_drops"]["raw.order_items"] > 0
    assert counted[("raw.customers", "dropped_in_staging")] == 3
    assert counted[("raw.erasure_requests", "request_list")] == 3
    # the neighbours' remaining events were handed on, and RFM ranks moved for some customers
    assert counted[("intermediate.int_events_stitched", "reprocessed")] > 0
    assert counted[("marts.fct_customer_feature_snapshots", "rescored")] > 0


@pytest.mark.parametrize("model", INCREMENTAL_MODELS)
def test_the_build_after_the_erasure_equals_a_full_refresh(erasure, model):
    only_incremental, only_full, rows = _differences(erasure["next"], erasure["full"], model)
    assert rows > 0
    assert (only_incremental, only_full) == (0, 0), (
        f"{model}: {only_incremental} rows only in the incremental build, {only_full} only in the full refresh"
    )


def test_the_erased_customers_new_raw_rows_stay_out(erasure):
    """The list stays in force: a day appended after the erasure and a re-export of the erased
    customers' events and orders bring new raw rows of theirs, which staging drops (the audit
    counts them, as pandas does on the raw files) while nothing of them reaches a table."""
    con = _connect(erasure["next"])
    try:
        latest = dict(
            con.execute(
                "select relation_name, max_by(rows_affected, recorded_at) from marts.rpt_erasure_audit "
                "where erasure_action = 'dropped_in_staging' group by 1"
            ).fetchall()
        )
    finally:
        con.close()
    assert latest == {k: v for k, v in erasure["expected_drops_next"].items() if v}
    for table in ("raw.events", "raw.orders"):
        assert erasure["expected_drops_next"][table] > erasure["expected_drops"][table], table


# --- cj erase and the model policy, without a build ----------------------------------------------


def test_cj_erase_appends_a_readable_request_file(tmp_path, capsys):
    raw = tmp_path / "raw"
    (raw / "customers").mkdir(parents=True)
    assert main(["erase", "--customer", " C0000007 ", "--anonymous-id", "anon-9", "--raw-path", str(raw)]) == 0
    assert "appended 2 erasure request(s) (customer C0000007, anonymous anon-9)" in capsys.readouterr().out
    assert main(["erase", "--customer", "ann@example.com", "--raw-path", str(raw)]) == 0
    files = sorted((raw / "erasure_requests").iterdir())
    assert [f.suffix for f in files] == [".parquet", ".parquet"]
    rows = [row for f in files for row in pq.read_table(f).to_pylist()]
    assert [(r["customer_id"], r["anonymous_id"]) for r in rows] == [
        ("C0000007", None),
        (None, "anon-9"),
        ("ann@example.com", None),
    ]
    assert all(isinstance(r["requested_at"], datetime) for r in rows)
    assert pq.read_schema(files[0]).field("requested_at").type == "timestamp[us]"
    # the build reads the folder like any raw table: the contract's columns, no bookkeeping files left
    read = duckdb.sql(f"select * from read_parquet('{raw}/erasure_requests/*.parquet', union_by_name = true)")
    assert read.columns == ["customer_id", "anonymous_id", "requested_at"] and len(read.fetchall()) == 3


def test_cj_erase_keeps_a_csv_folder_csv_and_refuses_what_it_cannot_write(tmp_path):
    raw = tmp_path / "raw"
    (raw / "erasure_requests").mkdir(parents=True)
    (raw / "erasure_requests" / "from_crm.csv").write_text("customer_id,anonymous_id,requested_at\nC1,,2025-01-01\n")
    assert main(["erase", "--customer", "C2", "--raw-path", str(raw)]) == 0
    written = [f for f in (raw / "erasure_requests").iterdir() if f.name != "from_crm.csv"]
    assert len(written) == 1 and written[0].suffix == ".csv"
    rows = duckdb.sql(f"select * from read_csv('{raw}/erasure_requests/*.csv', all_varchar = true)").fetchall()
    assert sorted(r[0] for r in rows) == ["C1", "C2"]
    with pytest.raises(EraseRefused, match="at least one"):
        main(["erase", "--raw-path", str(raw)])
    with pytest.raises(EraseRefused, match="empty customer_id"):
        main(["erase", "--customer", "  ", "--raw-path", str(raw)])
    with pytest.raises(EraseRefused, match="no raw data folder"):
        main(["erase", "--customer", "C3", "--raw-path", str(tmp_path / "missing")])


def test_a_champion_trained_before_an_erasure_is_retrained_and_its_files_deleted(tmp_path, monkeypatch):
    """The policy for trained models: retrain (the stored champion cannot stay) and delete the files
    of the champions trained before the erasure list changed; under var retrain never, keep and mark."""
    # one candidate is enough to exercise the policy (the full set is test_registry's)
    learned = prediction.candidates
    monkeypatch.setattr(
        prediction, "candidates", lambda rs: {"logistic_regression": learned(rs)["logistic_regression"]}
    )
    rows = _labelled_rows()
    trained = datetime(2025, 9, 2, 12, 0)
    first = train_registry(rows, ["signal", "spend"], SCALING, None, _settings(tmp_path / "a"), now=trained)
    old_files = sorted(first.frame.artefact_path.dropna())
    assert len(old_files) == 2 and all(os.path.exists(f) for f in old_files)
    audit = pd.DataFrame(
        {
            "erasure_action": ["request_list", "deleted"],
            "build_started_at": [datetime(2025, 9, 3), datetime(2025, 9, 4)],
        }
    )
    erased_at = erasure_changed_at(audit)
    assert erased_at == pd.Timestamp(2025, 9, 3) and erasure_changed_at(audit.iloc[0:0]) is None
    later = datetime(2025, 9, 3, 6, 0)
    # a fresh champion would be kept (see test_registry); trained before the erasure it is not
    again = train_registry(
        rows, ["signal", "spend"], SCALING, first.frame, _settings(tmp_path / "b"), now=later, erased_at=erased_at
    )
    assert set(again.promoted) == {"churn", "purchase"}
    for target in ("churn", "purchase"):
        assert again.reasons[target].startswith(f"{ERASURE_REASON}: the champion was trained on 2025-09-02")
    assert sorted(again.stale_artefacts) == old_files and not any(os.path.exists(f) for f in old_files)
    assert all(os.path.exists(f) for f in again.frame.artefact_path.dropna())
    # after the retrain the new champion is newer than the erasure: kept as usual
    kept = train_registry(
        rows,
        ["signal", "spend"],
        SCALING,
        pd.concat([first.frame, again.frame], ignore_index=True),
        _settings(tmp_path / "b"),
        now=later,
        erased_at=erased_at,
    )
    assert set(kept.frame.training_status) == {"kept_champion"} and not kept.stale_artefacts
    # var retrain never: the old champion stays, and the reason marks it
    never = train_registry(
        rows,
        ["signal", "spend"],
        SCALING,
        first.frame,
        _settings(tmp_path / "c", "never"),
        now=later,
        erased_at=erased_at,
    )
    assert set(never.frame.training_status) == {"kept_champion"} and not never.stale_artefacts
    assert "may have learned from an erased person and is kept (marked, not retrained)" in never.reasons["churn"]
