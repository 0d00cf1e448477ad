"""Cleaning on generated data: the injected dirt is found in the quarantine, by reason, and nothing else."""

from __future__ import annotations

import pyarrow.dataset as ds
import pytest


@pytest.fixture(scope="module")
def dirt(e2e_data):
    return ds.dataset(e2e_data / "_truth" / "dirt").to_table().to_pandas()


def _quarantined(db, table: str) -> dict[str, int]:
    return dict(
        db.execute(
            "select quarantine_reason, count(*) from marts.fct_quarantined_rows where source_table = ? group by 1",
            [table],
        ).fetchall()
    )


def test_every_table_reconciles(db):
    rows = db.execute(
        "select source_table, raw_rows, clean_rows, quarantined_rows "
        "from marts.rpt_quarantine_summary where quarantine_reason = '_total'"
    ).fetchall()
    assert {table for table, *_ in rows} == {
        "customers",
        "events",
        "orders",
        "order_items",
        "feedback",
        "marketing_actions",
        "marketing_spend",
    }
    for table, raw, clean, quarantined in rows:
        assert raw == clean + quarantined, table
        assert raw > 0, table


@pytest.mark.parametrize(
    "kind",
    [
        "exact_duplicate",
        "duplicate_event_id",
        "null_event_id",
        "unparseable_timestamp",
        "future_timestamp",
        "unknown_event_type",
    ],
)
def test_event_dirt_is_quarantined_by_reason(db, dirt, kind):
    injected = dirt[(dirt.table_name == "events") & (dirt.kind == kind)]
    found = _quarantined(db, "events").get(kind, 0)
    assert len(injected) > 0
    assert found == len(injected), (kind, found, len(injected))
    if kind not in ("null_event_id",):
        keys = {
            r[0]
            for r in db.execute(
                "select row_key from marts.fct_quarantined_rows where source_table = 'events' and quarantine_reason = ?",
                [kind],
            ).fetchall()
        }
        assert keys == set(injected.row_key)


def test_only_injected_dirt_is_quarantined(db, dirt):
    """Cosmetic dirt (casing, whitespace, time-zone offsets) is repaired, not refused; clean rows are never refused."""
    expected = {
        "events": dirt[
            (dirt.table_name == "events") & ~dirt.kind.str.endswith("_clean") & (dirt.kind != "late_arrival")
        ],
        "orders": dirt[dirt.table_name == "orders"],
        "customers": dirt[(dirt.table_name == "customers") & ~dirt.kind.str.endswith("_clean")],
        "feedback": dirt[dirt.table_name == "feedback"],
        "marketing_actions": dirt[dirt.table_name == "marketing_actions"],
    }
    for table, rows in expected.items():
        # bot traffic is refused too, from clean rows: test_bots.py checks it against _truth/bots
        found = sum(count for reason, count in _quarantined(db, table).items() if reason != "bot")
        if table == "feedback":
            # feedback of a customer whose only row was refused would be an orphan: none are, here
            assert found == len(rows), (table, _quarantined(db, table))
        else:
            assert found == len(rows), (table, _quarantined(db, table), rows.kind.value_counts().to_dict())


def test_order_lines_of_refused_orders_are_refused_too(db):
    orphan_lines = _quarantined(db, "order_items").get("orphan_item_order", 0)
    refused_orders = db.execute(
        "select count(distinct row_key) from marts.fct_quarantined_rows "
        "where source_table = 'orders' and quarantine_reason <> 'exact_duplicate' "
        "and row_key is not null"
    ).fetchone()[0]
    assert orphan_lines >= refused_orders > 0
    assert set(_quarantined(db, "order_items")) <= {"orphan_item_order", "exact_duplicate"}


def test_cosmetic_dirt_is_repaired(db, dirt):
    casing = dirt[(dirt.table_name == "events") & (dirt.kind == "casing_whitespace_clean")].row_key.tolist()
    rows = db.execute(
        "select event_type, channel from intermediate.int_events_cleaned where event_id in (select unnest(?))",
        [casing],
    ).fetchall()
    assert len(rows) == len(casing)
    assert all(t == t.strip().lower() for t, _ in rows)
    assert all(c is None or c == c.lower() for _, c in rows)


def test_offsets_are_converted_to_utc(db, dirt, e2e_data):
    tz = dirt[(dirt.table_name == "events") & (dirt.kind == "tz_offset_clean")].row_key.tolist()[:50]
    raw = dict(
        db.execute(
            f"select cast(event_id as varchar), event_at from read_parquet('{e2e_data}/events/*.parquet') "
            "where cast(event_id as varchar) in (select unnest(?))",
            [tz],
        ).fetchall()
    )
    clean = dict(
        db.execute(
            "select event_id, strftime(event_at, '%Y-%m-%dT%H:%M:%S') from intermediate.int_events_cleaned "
            "where event_id in (select unnest(?))",
            [tz],
        ).fetchall()
    )
    assert raw and set(raw) == set(clean)
    for key, text in raw.items():
        assert text.endswith("+02:00")
        local_hour = int(text[11:13])
        assert int(clean[key][11:13]) == (local_hour - 2) % 24


def test_no_pii_past_staging(db):
    """No clear e-mail in any table or view outside staging and raw."""
    columns = db.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema not in ('raw', 'staging') and lower(column_name) in ('email', 'comment')"
    ).fetchall()
    assert columns == []
    leaked = db.execute("select count(*) from marts.fct_quarantined_rows where raw_values like '%@%'").fetchone()[0]
    assert leaked == 0
    hashes = db.execute("select count(*), count(distinct email_hash) from marts.dim_customers").fetchone()
    assert hashes[0] == hashes[1]  # upper-cased / padded e-mails hash like the clean ones, and all differ


def test_stitched_customers_agree_with_the_truth(db, e2e_data):
    truth = f"read_parquet('{e2e_data}/_truth/identity.parquet')"
    wrong, stitched = db.execute(
        f"""
        select
            count(*) filter (where t.customer_id is null),
            count(*)
        from intermediate.int_events_stitched e
        left join {truth} t
            on e.anonymous_id = t.anonymous_id and e.customer_id = t.customer_id
        where e.identity_resolution = 'stitched'
        """
    ).fetchone()
    assert stitched > 1000
    assert wrong == 0
    # every event of a device that ever identified is attributed (pre-login browsing included);
    # devices a customer used only before signing up carry no evidence and stay anonymous
    leftover = db.execute(
        """
        select count(*) from intermediate.int_events_stitched e
        where e.identity_resolution = 'anonymous'
            and e.anonymous_id in (select anonymous_id from intermediate.int_identity_map)
        """
    ).fetchone()[0]
    assert leftover == 0


def test_shared_devices_are_detected(db, e2e_data):
    truth_shared = db.execute(
        f"select count(*) from (select anonymous_id from read_parquet('{e2e_data}/_truth/identity.parquet') "
        "group by 1 having count(distinct customer_id) > 1)"
    ).fetchone()[0]
    found = db.execute(
        "select count(distinct anonymous_id) from intermediate.int_identity_map where is_shared_device"
    ).fetchone()[0]
    assert truth_shared > 0
    # a shared device is seen as shared once both customers have identified on it
    assert 0.5 * truth_shared <= found <= truth_shared


def test_sessions_respect_timeout_and_cap(db):
    too_long = db.execute("select count(*) from marts.fct_sessions where duration_seconds > 12 * 3600").fetchone()[0]
    assert too_long == 0
    gaps = db.execute(
        """
        select max(gap) from (
            select date_diff('second', lag(event_at) over (partition by session_id order by event_at), event_at) as gap
            from intermediate.int_events_sessionized
        )
        """
    ).fetchone()[0]
    assert gaps <= 30 * 60
    converted = db.execute("select count(*) from marts.fct_sessions where is_converted").fetchone()[0]
    sessions_with_order = db.execute(
        "select count(distinct session_id) from intermediate.int_events_sessionized where event_type = 'order_completed'"
    ).fetchone()[0]
    orders = db.execute(
        "select count(*) from intermediate.int_events_cleaned where event_type = 'order_completed'"
    ).fetchone()[0]
    assert converted == sessions_with_order
    # two orders rarely fall in one session (two purchase visits less than 30 minutes apart)
    assert 0.98 * orders <= converted <= orders
