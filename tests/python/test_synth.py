"""The journey generator: determinism, schema, realism, dirt and --append-days."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.dataset as ds
import pytest
import yaml

from customer_journey.synth import DIRT_KINDS, RAW_TABLES, SCHEMAS, main
from customer_journey.synth import personas as P

REPO = Path(__file__).resolve().parents[2]


def _rows(path: Path, table: str) -> int:
    return ds.dataset(path / table).count_rows()


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "raw"
    assert main(["--customers", "800", "--days", "60", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    return out


def test_same_seed_gives_identical_tables(small, tmp_path):
    again = tmp_path / "again"
    main(["--customers", "800", "--days", "60", "--seed", "3", "--out", str(again), "--quiet"])
    for table in RAW_TABLES:
        a = ds.dataset(small / table).to_table()
        b = ds.dataset(again / table).to_table()
        assert a.equals(b), table


def test_other_seed_gives_other_data(small, tmp_path):
    other = tmp_path / "other"
    main(["--customers", "800", "--days", "60", "--seed", "4", "--out", str(other), "--quiet"])
    a = ds.dataset(small / "events").to_table(columns=["event_at"])
    b = ds.dataset(other / "events").to_table(columns=["event_at"])
    assert not a.equals(b)


def test_schema_matches_the_documented_contract(small):
    sources = yaml.safe_load((REPO / "models/staging/raw/_raw__sources.yml").read_text())
    tables = sources["sources"][0]["tables"]
    contract = {t["name"]: [c["name"] for c in t["columns"]] for t in tables}
    optional = {t["name"]: {c["name"] for c in t["columns"] if not c["config"]["meta"]["required"]} for t in tables}
    # erasure_requests is written by `cj erase`, not by the generator
    assert set(contract) - {"erasure_requests"} == set(RAW_TABLES)
    for table in RAW_TABLES:
        written = ds.dataset(small / table).schema.names
        assert written == SCHEMAS[table].names, table
        # the contract's columns, in its order; one it has beyond them is optional (order_items.line_number)
        assert written == [c for c in contract[table] if c in written], table
        assert set(contract[table]) - set(written) <= optional[table], table


def test_row_counts_scale_with_customers(small):
    customers = _rows(small, "customers")
    # customers plus a few exact duplicates injected as dirt
    assert 800 <= customers <= 800 * 1.02
    events = _rows(small, "events")
    orders = _rows(small, "orders")
    assert 20 < events / 800 < 200, events
    assert 0.5 < orders / 800 < 5, orders
    assert _rows(small, "order_items") > orders


def test_personas_drive_behaviour(small):
    """Loyal customers order more and churn less than one-off buyers."""
    con = duckdb.connect()
    stats = dict(
        con.execute(
            f"""
            select t.persona, count(o.order_id) / count(distinct t.customer_id)
            from read_parquet('{small}/_truth/entities.parquet') t
            left join read_parquet('{small}/orders/*.parquet') o using (customer_id)
            where t.customer_id is not null
            group by 1
            """
        ).fetchall()
    )
    assert stats["loyal_high_value"] > 2 * stats["one_off_buyer"]
    assert stats["window_shopper"] < stats["bargain_hunter"]


def test_information_gaps_are_planted_with_their_truth(small):
    truth = ds.dataset(small / "_truth" / "entities.parquet").to_table().to_pandas()
    planted = {g.touchpoint for g in P.GAPS if g.effect > 0}
    caused = set(truth["dropoff_gap"].dropna().unique())
    # only planted gaps cause drop-offs, and each of them does
    assert caused == planted
    # the exposed drop out far more often than the planted effect's complement would allow by chance
    exposed = truth["exposed_search_zero_results_at"].notna()
    share = (truth.loc[exposed, "dropoff_gap"] == "search_zero_results").mean()
    assert 0.3 < share < 0.6


def test_zero_result_searches_exist_only_for_the_search_gap(small):
    con = duckdb.connect()
    zero = con.execute(
        f"select count(*) from read_parquet('{small}/events/*.parquet') where search_results_count = 0"
    ).fetchone()[0]
    exposed = con.execute(
        f"select count(*) from read_parquet('{small}/_truth/entities.parquet') "
        "where exposed_search_zero_results_at is not null "
        f"and exposed_search_zero_results_at < '{_end(small)}'"
    ).fetchone()[0]
    assert zero > 0
    # every exposure inside the window shows up (a few may be held back as late arrivals or be dirt)
    assert 0.85 * exposed <= zero <= exposed * 1.05 + 2


def _end(out: Path) -> str:
    manifest = json.loads((out / "_truth" / "manifest.json").read_text())
    start = np.datetime64(manifest["start"])
    return str(start + np.timedelta64(manifest["windows"][-1][1], "D"))


@pytest.mark.parametrize("table", ["events", "orders"])
def test_dirt_appears_at_the_configured_rate(tmp_path, table):
    out = tmp_path / "dirty"
    main(["--customers", "1500", "--days", "60", "--seed", "11", "--dirt-rate", "0.05", "--out", str(out), "--quiet"])
    dirt = ds.dataset(out / "_truth" / "dirt").to_table().to_pandas()
    dirt = dirt[(dirt.table_name == table) & (dirt.kind != "late_arrival")]
    injected_rows = _rows(out, table) - (dirt.kind.isin(["exact_duplicate", "duplicate_event_id"])).sum()
    rate = len(dirt) / injected_rows
    assert 0.04 < rate < 0.06, rate
    assert set(dirt.kind) == set(DIRT_KINDS[table])


def test_no_dirt_when_rate_is_zero(tmp_path):
    out = tmp_path / "clean"
    main(["--customers", "300", "--days", "30", "--dirt-rate", "0", "--late-rate", "0", "--out", str(out), "--quiet"])
    assert ds.dataset(out / "_truth" / "dirt").count_rows() == 0
    con = duckdb.connect()
    dupes = con.execute(
        f"select count(*) - count(distinct event_id) from read_parquet('{out}/events/*.parquet')"
    ).fetchone()[0]
    assert dupes == 0


def test_append_days_continues_the_same_customers(tmp_path):
    out = tmp_path / "stream"
    main(["--customers", "1000", "--days", "40", "--seed", "5", "--out", str(out), "--quiet"])
    customers_before = ds.dataset(out / "customers").to_table()
    files_before = {p.name for p in (out / "events").iterdir()}
    main(["--append-days", "2", "--out", str(out), "--quiet"])
    manifest = json.loads((out / "_truth" / "manifest.json").read_text())
    assert manifest["windows"] == [[0, 40], [40, 42]]
    # the customers table is untouched, new events are in new files only
    assert ds.dataset(out / "customers").to_table().equals(customers_before)
    new_files = [p for p in (out / "events").iterdir() if p.name not in files_before]
    assert new_files and all("d00040-00042" in p.name for p in new_files)

    con = duckdb.connect()
    new = f"read_parquet({[str(p) for p in new_files]})"
    known = con.execute(
        f"""
        select count(*) filter (where e.customer_id is not null and c.customer_id is null),
               count(*) filter (where e.customer_id is not null)
        from {new} e left join read_parquet('{out}/customers/*.parquet') c using (customer_id)
        """
    ).fetchone()
    assert known[1] > 0 and known[0] == 0  # every identified new event belongs to an existing customer
    # nobody whose latent churn time is before the new window comes back
    returned = con.execute(
        f"""
        select count(*) from {new} e
        join read_parquet('{out}/_truth/entities.parquet') t using (customer_id)
        where try_cast(e.event_at as timestamp) >= timestamp '2025-07-11'
          and t.churn_at < '2025-07-10'
        """
    ).fetchone()[0]
    assert returned == 0
    # late arrivals: events stamped before the new window arrive in its files
    late = con.execute(
        f"select count(*) from {new} where try_cast(event_at as timestamp) < timestamp '2025-07-11'"
    ).fetchone()[0]
    assert late > 0


def test_append_without_a_data_set_names_the_folder(tmp_path):
    with pytest.raises(SystemExit, match="manifest.json"):
        main(["--append-days", "1", "--out", str(tmp_path / "nothing"), "--quiet"])


def test_refuses_to_overwrite_without_force(small):
    with pytest.raises(SystemExit, match="already holds"):
        main(["--customers", "10", "--days", "5", "--out", str(small), "--quiet"])


def test_true_churn_probability_formula():
    # no orders at all: churn is certain; memoryless check against a closed form
    h, mu = np.array([0.01, 0.01, 0.0]), np.array([0.0, 0.05, 0.05])
    p = P.true_churn_probability(h, mu, np.array([False, False, False]), horizon_days=90)
    assert p[0] == pytest.approx(1.0)
    assert p[2] == pytest.approx(np.exp(-0.05 * 90))
    expected = 0.01 / 0.06 * (1 - np.exp(-0.06 * 90)) + np.exp(-0.06 * 90)
    assert p[1] == pytest.approx(expected)
    assert P.true_churn_probability(h, mu, np.array([True, True, True]))[1] == 1.0


def test_chunks_of_only_anonymous_visitors(tmp_path):
    """With small chunks the last ones hold only visitors (no orders, feedback or actions): still fine."""
    out = tmp_path / "visitors"
    main(["--customers", "100", "--days", "20", "--chunk-size", "40", "--out", str(out), "--quiet"])
    assert _rows(out, "customers") >= 100
    # the planted bots' events are a part of their own (chunk 9999)
    files = sorted(p.name for p in (out / "events").iterdir() if not p.name.endswith("-c9999.parquet"))
    assert len(files) == 4  # 150 entities in chunks of 40
    assert sorted(p.name for p in (out / "orders").iterdir()) != files  # the visitor chunk writes no orders


def test_a_plan_of_actions_is_sent_with_a_matched_holdout(tmp_path):
    out = tmp_path / "planned"
    main(["--customers", "1500", "--days", "30", "--seed", "9", "--dirt-rate", "0", "--out", str(out), "--quiet"])
    plan = tmp_path / "plan.csv"
    targets = [f"C{i:07d}" for i in range(0, 1500, 2)]
    plan.write_text("customer_id,action_code\n" + "".join(f"{c},winback_offer\n" for c in targets))
    main(["--append-days", "8", "--plan", str(plan), "--out", str(out), "--quiet"])
    con = duckdb.connect()
    rows = con.execute(
        f"""
        select action_code, count(*), count(distinct customer_id), min(sent_at), max(sent_at)
        from read_parquet('{out}/marketing_actions/*.parquet')
        where campaign_id = 'plan-d00030-winback_offer'
        group by 1 order by 1
        """
    ).fetchall()
    by_code = {r[0]: r for r in rows}
    assert set(by_code) == {"holdout", "winback_offer"}
    sent, held = by_code["winback_offer"][2], by_code["holdout"][2]
    assert sent + held == len(targets)  # every planned customer: sent, or held out as the control
    assert 0.05 < held / len(targets) < 0.15
    # sent on the first appended day (2025-07-01)
    assert by_code["winback_offer"][3] >= "2025-07-01" and by_code["winback_offer"][4] < "2025-07-02"
    # the generator's own campaigns carry their window's campaign id
    own = con.execute(
        f"select count(*) from read_parquet('{out}/marketing_actions/*.parquet') where campaign_id = 'random-d00000'"
    ).fetchone()[0]
    assert own > 0


def test_a_plan_naming_an_unknown_customer_or_action_fails(tmp_path):
    out = tmp_path / "planned"
    main(["--customers", "200", "--days", "10", "--seed", "9", "--out", str(out), "--quiet"])
    plan = tmp_path / "plan.csv"
    plan.write_text("customer_id,action_code\nC9999999,winback_offer\n")
    with pytest.raises(SystemExit, match="C9999999"):
        main(["--append-days", "1", "--plan", str(plan), "--out", str(out), "--quiet"])
    plan.write_text("customer_id,action_code\nC0000001,free_pony\n")
    with pytest.raises(SystemExit, match="free_pony"):
        main(["--append-days", "1", "--plan", str(plan), "--out", str(out), "--quiet"])
