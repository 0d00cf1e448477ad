"""Data-shape regimes of the generator (`cj synth --shape`): each shape's defining facts, measured
from the files it writes, the default shape unchanged, and `--append-days` keeping the shape."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from customer_journey.synth import RAW_TABLES, SynthConfig, main
from customer_journey.synth.bots import BOT_CHUNK

# content checksum of `cj synth --customers 400 --days 30 --seed 5` followed by `--append-days 2`
# (every Parquet file under the folder: relative path, schema, rows as JSON), computed with
# `_content_checksum` below on the generator of commit 78b5d93, before shapes existed. The default
# shape must keep producing exactly these rows.
DEFAULT_CHECKSUM = "9c9a52ba530f64ab7a6a0c2450dae3b4ddbcedfc6b6979d4dc0d4b327cbb6ec2"

PRICE_COLUMNS = {"orders": ("order_amount", "discount_amount", "currency"), "order_items": ("unit_price",)}


# raw tables added since, each drawn from a random stream of its own: not in the checksum
LATER_TABLES = ("marketing_spend",)


def _is_bots(path: Path) -> bool:
    """The planted bots' files (synth.bots: streams of their own, added since): the persons' rows around
    them must stay byte-identical."""
    return path.name.endswith(f"-c{BOT_CHUNK:04d}.parquet") or path.name == "bots.parquet"


def _content_checksum(out: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(out.rglob("*.parquet")):
        if path.relative_to(out).parts[0] in LATER_TABLES or _is_bots(path):
            continue
        table = pq.read_table(path)
        digest.update(str(path.relative_to(out)).encode())
        digest.update(str(table.schema).encode())
        digest.update(json.dumps(table.to_pylist(), default=str, sort_keys=True).encode())
    return digest.hexdigest()


def _synth(out: Path, *args: str) -> Path:
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    return out


def _sql(out: Path, query: str) -> list[tuple]:
    """Run `query` with one view per written raw table of `out` (and `dirt`, the truth's dirt log)."""
    con = duckdb.connect()
    for table in RAW_TABLES:
        if (out / table).exists():
            con.execute(f"create view {table} as select * from read_parquet('{out / table}/*.parquet')")
    con.execute(f"create view dirt as select * from read_parquet('{out}/_truth/dirt/*.parquet')")
    return con.sql(query).fetchall()


def _written(out: Path) -> set[str]:
    return {t for t in RAW_TABLES if (out / t).exists()}


def _manifest(out: Path) -> dict:
    return json.loads((out / "_truth" / "manifest.json").read_text())


# orders that are not dirt (no null/orphan customer, no broken timestamp, no duplicate), per customer
CLEAN_ORDERS = """
    select * from orders
    where order_id::varchar not in (select row_key from dirt where table_name = 'orders')
"""
ORDERS_PER_BUYER = f"select customer_id, count(*) as n from ({CLEAN_ORDERS}) group by 1"


@pytest.fixture(scope="module")
def marketplace(tmp_path_factory) -> Path:
    return _synth(tmp_path_factory.mktemp("shapes") / "marketplace", "--shape", "marketplace", "--customers", "1500")


@pytest.fixture(scope="module")
def event_log(tmp_path_factory) -> Path:
    return _synth(tmp_path_factory.mktemp("shapes") / "event_log", "--shape", "event_log", "--customers", "1000")


@pytest.fixture(scope="module")
def event_log_clean(tmp_path_factory) -> Path:
    """Without dirt or late arrivals: every purchase event has its order and back."""
    out = tmp_path_factory.mktemp("shapes") / "event_log_clean"
    return _synth(out, "--shape", "event_log", "--customers", "1000", "--dirt-rate", "0", "--late-rate", "0")


@pytest.fixture(scope="module")
def orders_only(tmp_path_factory) -> Path:
    return _synth(tmp_path_factory.mktemp("shapes") / "orders_only", "--shape", "orders_only", "--customers", "800")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return _synth(tmp_path_factory.mktemp("shapes") / "tiny", "--shape", "tiny")


# --- the default shape -------------------------------------------------------------------------


def test_the_default_shape_writes_what_the_generator_wrote_before_shapes(tmp_path):
    out = _synth(tmp_path / "default", "--customers", "400", "--days", "30", "--seed", "5")
    _synth(out, "--append-days", "2")
    assert _content_checksum(out) == DEFAULT_CHECKSUM
    assert _manifest(out)["shape"] == "default"


def test_a_shape_sets_defaults_that_explicit_values_override():
    assert (SynthConfig().customers, SynthConfig().days) == (3_000, 120)
    assert (SynthConfig(shape="tiny").customers, SynthConfig(shape="tiny").days) == (300, 120)
    assert SynthConfig(shape="orders_only").days == 540 and SynthConfig(shape="event_log").days == 9
    assert SynthConfig(shape="marketplace").days == 365
    explicit = SynthConfig(shape="orders_only", customers=50, days=30)
    assert (explicit.customers, explicit.days) == (50, 30)


def test_help_lists_every_shape(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for name in ("default", "marketplace", "event_log", "orders_only", "tiny"):
        assert f"{name}:" in text, name
    assert "97 % of buyers order once" in text


def test_an_unknown_shape_names_the_known_ones():
    with pytest.raises(SystemExit, match="unknown shape 'retail'.*marketplace, event_log, orders_only, tiny"):
        SynthConfig(shape="retail")


# --- marketplace -------------------------------------------------------------------------------


def test_marketplace_almost_every_buyer_orders_once(marketplace):
    buyers, one_order = _sql(marketplace, f"select count(*), avg((n = 1)::int) from ({ORDERS_PER_BUYER})")[0]
    assert buyers > 900
    assert 0.95 <= one_order <= 0.99, one_order
    assert _manifest(marketplace)["shape"] == "marketplace" and _manifest(marketplace)["days"] == 365


def test_marketplace_reviews_come_days_after_their_order(marketplace):
    types = dict(_sql(marketplace, "select feedback_type, count(*) from feedback group by 1"))
    assert set(types) == {"review"}
    orders = _sql(marketplace, f"select count(*) from ({CLEAN_ORDERS})")[0][0]
    # most marketplace orders get a review
    assert types["review"] > 0.5 * orders
    lag_days = _sql(
        marketplace,
        """
        select
            count(*),
            min(date_diff('second', o.ordered_at::timestamp, f.created_at::timestamp) / 86400),
            max(date_diff('second', o.ordered_at::timestamp, f.created_at::timestamp) / 86400)
        from feedback as f
        inner join orders as o on f.order_id = o.order_id
        where try_cast(f.created_at as timestamp) is not null and try_cast(o.ordered_at as timestamp) is not null
        """,
    )[0]
    assert lag_days[0] > 0.9 * types["review"]
    # after delivery: at least three days after the order, within two weeks
    assert lag_days[1] >= 3.0 and lag_days[2] <= 14.0, lag_days


def test_marketplace_writes_no_clickstream_and_no_marketing(marketplace):
    assert _written(marketplace) == {"customers", "orders", "order_items", "feedback"}
    assert not (marketplace / "_pending" / "events").exists()
    assert not (marketplace / "_pending" / "marketing_actions").exists()
    # the truth is about what is written: no device identities, no action uplifts, dirt of written tables
    truth = {p.name for p in (marketplace / "_truth").iterdir()}
    assert "identity.parquet" not in truth and "uplift.parquet" not in truth
    dirt_tables = {t for (t,) in _sql(marketplace, "select distinct table_name from dirt")}
    assert dirt_tables and dirt_tables <= _written(marketplace)


# --- event_log ---------------------------------------------------------------------------------


def test_event_log_is_nine_days_of_clickstream(event_log):
    first, last, span = _sql(
        event_log,
        """
        select min(t)::date, max(t)::date, date_diff('second', min(t), max(t)) / 86400
        from (select try_cast(event_at as timestamp) as t from events)
        where t < '2030-01-01'
        """,
    )[0]
    assert str(first) == "2025-06-01"
    # sessions that start on the ninth day may end after midnight
    assert str(last) in ("2025-06-09", "2025-06-10") and 8.5 <= span <= 9.5, (first, last, span)
    orders_last = _sql(event_log, f"select max(ordered_at::timestamp) from ({CLEAN_ORDERS})")[0][0]
    assert str(orders_last) < "2025-06-10 06:00"
    assert _manifest(event_log)["days"] == 9


def test_event_log_orders_carry_no_prices(event_log):
    for table, columns in PRICE_COLUMNS.items():
        counts = _sql(event_log, f"select count(*), {', '.join(f'count({c})' for c in columns)} from {table}")[0]
        assert counts[0] > 100, table
        assert counts[1:] == (0,) * len(columns), (table, columns, counts)
    # no dirt that would put an amount back (negative amounts)
    kinds = {k for (k,) in _sql(event_log, "select distinct kind from dirt where table_name = 'orders'")}
    assert "negative_amount" not in kinds


def test_event_log_purchases_are_order_completed_events_matching_the_orders(event_log_clean):
    events = _sql(event_log_clean, "select customer_id, event_at from events where event_type = 'order_completed'")
    orders = _sql(event_log_clean, "select customer_id, ordered_at from orders")
    assert len(events) > 100
    assert Counter(events) == Counter(orders)


def test_event_log_has_no_sign_up_data_and_no_marketing(event_log_clean):
    out = event_log_clean
    assert _written(out) == {"customers", "events", "orders", "order_items", "feedback"}
    assert pq.read_schema(next((out / "customers").glob("*.parquet"))).names == ["customer_id", "signup_at"]
    # signup_at is the first activity: the first event of any of the customer's devices (devices
    # shared by two customers left out), and never after the customer's first identified event
    mismatched, checked = _sql(
        out,
        f"""
        with identity as (select * from read_parquet('{out}/_truth/identity.parquet')),
        unshared as (
            select anonymous_id from identity group by 1 having count(distinct customer_id) = 1
        ),
        first_seen as (
            select identity.customer_id, min(events.event_at) as first_event_at
            from events
            inner join identity on events.anonymous_id = identity.anonymous_id
            group by 1
            having bool_and(events.anonymous_id in (select anonymous_id from unshared))
        )
        select count(*) filter (where customers.signup_at != first_seen.first_event_at), count(*)
        from customers
        inner join first_seen on customers.customer_id = first_seen.customer_id
        """,
    )[0]
    assert checked > 900 and mismatched == 0, (mismatched, checked)
    later = _sql(
        out,
        """
        select count(*) from customers
        inner join (select customer_id, min(event_at) as first_at from events group by 1) as e
            on customers.customer_id = e.customer_id
        where customers.signup_at > e.first_at
        """,
    )[0][0]
    assert later == 0


# --- orders_only -------------------------------------------------------------------------------


def test_orders_only_is_eighteen_months_in_which_about_half_the_buyers_repeat(orders_only):
    buyers, repeat = _sql(orders_only, f"select count(*), avg((n >= 2)::int) from ({ORDERS_PER_BUYER})")[0]
    assert buyers > 350
    assert 0.4 <= repeat <= 0.6, repeat
    span = _sql(
        orders_only,
        f"select date_diff('day', min(ordered_at::timestamp), max(ordered_at::timestamp)) from ({CLEAN_ORDERS})",
    )[0][0]
    assert 500 <= span <= 540, span


def test_orders_only_writes_no_events_feedback_or_marketing(orders_only):
    assert _written(orders_only) == {"customers", "orders", "order_items"}
    assert not (orders_only / "_pending").exists() or {p.name for p in (orders_only / "_pending").iterdir()} <= {
        "orders",
        "order_items",
    }
    dirt_tables = {t for (t,) in _sql(orders_only, "select distinct table_name from dirt")}
    assert dirt_tables <= {"customers", "orders", "order_items"}
    # prices and sign-up data stay
    priced, orders = _sql(orders_only, "select count(order_amount), count(*) from orders")[0]
    assert priced == orders > 0
    emails, customers = _sql(orders_only, "select count(email), count(*) from customers")[0]
    assert emails == customers >= 800


# --- tiny --------------------------------------------------------------------------------------


def test_tiny_has_300_customers_and_everything_else(tiny):
    assert _sql(tiny, "select count(distinct customer_id) from customers")[0][0] == 300
    assert _written(tiny) == set(RAW_TABLES)
    manifest = _manifest(tiny)
    assert (manifest["shape"], manifest["customers"], manifest["days"]) == ("tiny", 300, 120)


def test_explicit_customers_override_the_shapes(tmp_path):
    out = _synth(tmp_path / "tiny50", "--shape", "tiny", "--customers", "50", "--days", "10")
    assert _sql(out, "select count(distinct customer_id) from customers")[0][0] == 50
    assert (_manifest(out)["customers"], _manifest(out)["days"]) == (50, 10)


# --- --append-days -----------------------------------------------------------------------------


def test_append_days_keeps_the_shape(tmp_path):
    out = _synth(tmp_path / "log", "--shape", "event_log", "--customers", "300")
    _synth(out, "--append-days", "2")
    manifest = _manifest(out)
    assert manifest["shape"] == "event_log" and manifest["windows"] == [[0, 9], [9, 11]]
    appended = sorted((out / "orders").glob("part-d00009-00011-*.parquet"))
    assert appended and all(
        pq.read_table(p).column("order_amount").null_count == pq.read_table(p).num_rows for p in appended
    )
    assert _written(out) == {"customers", "events", "orders", "order_items", "feedback"}
    assert pq.read_schema(next((out / "customers").glob("*.parquet"))).names == ["customer_id", "signup_at"]

    market = _synth(tmp_path / "market", "--shape", "marketplace", "--customers", "200", "--days", "30")
    _synth(market, "--append-days", "3", "--shape", "marketplace")
    assert _manifest(market)["shape"] == "marketplace"
    assert _written(market) == {"customers", "orders", "order_items", "feedback"}
    assert sorted((market / "orders").glob("part-d00030-00033-*.parquet"))


def test_append_days_with_another_shape_names_the_data_sets_shape(tmp_path):
    out = _synth(tmp_path / "orders", "--shape", "orders_only", "--customers", "100", "--days", "10")
    with pytest.raises(SystemExit, match="has shape 'orders_only'; --append-days keeps it"):
        main(["--append-days", "1", "--shape", "event_log", "--out", str(out), "--quiet"])


def test_a_plan_needs_a_shape_with_marketing(tmp_path):
    out = _synth(tmp_path / "orders", "--shape", "orders_only", "--customers", "100", "--days", "10")
    plan = tmp_path / "plan.csv"
    plan.write_text("customer_id,action_code\nC0000001,discount_10\n")
    with pytest.raises(SystemExit, match="marketing_actions table, which shape 'orders_only' does not write"):
        main(["--append-days", "1", "--plan", str(plan), "--out", str(out), "--quiet"])
