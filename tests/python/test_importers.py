"""`cj import`: real exports of two common shapes into the raw tables, checked against the source files.

The Online Retail slices are real data (UCI Machine Learning Repository, "Online Retail", CC BY 4.0),
read from ../shared/real-data/online_retail/ beside the repository (its README says where they come
from); the tests that need them are skipped where that folder is absent. The expected numbers are
computed here from the CSV with pandas, independently of the importer.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import REPO, run_dbt
from customer_journey.cli import main
from customer_journey.importers import (
    EventLogOptions,
    ImportRefused,
    InvoiceLinesOptions,
    import_event_log,
    import_invoice_lines,
    parse_action_map,
)
from customer_journey.importers.event_log import DEFAULT_MAP

REAL_DATA = REPO.parent / "shared" / "real-data" / "online_retail"
FRANCE = REAL_DATA / "online_retail_france.csv"
GERMANY = REAL_DATA / "online_retail_germany.csv"
needs_real_data = pytest.mark.skipif(not FRANCE.exists(), reason=f"real data not found at {REAL_DATA}")


def _table(out: Path, name: str) -> pd.DataFrame:
    return pq.read_table(out / name).to_pandas()


def _report(out: Path) -> dict:
    return json.loads((out / "_import_report.json").read_text())


def _expected(csv: Path) -> dict:
    """The facts of an Online Retail slice, from the CSV with pandas (not the importer's code)."""
    lines = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    lines["amount"] = [Decimal(q) * Decimal(p) for q, p in zip(lines["Quantity"], lines["UnitPrice"], strict=True)]
    known = lines[lines["CustomerID"] != ""]
    blank = lines[lines["CustomerID"] == ""]
    is_cancel = known["InvoiceNo"].str.startswith("C")
    sale_lines = known[~is_cancel]
    net_by_customer = known.groupby("CustomerID")["amount"].sum()
    return {
        "customers": set(known["CustomerID"]),
        "invoices": lines["InvoiceNo"].nunique(),
        "cancellations": lines.loc[lines["InvoiceNo"].str.startswith("C"), "InvoiceNo"].nunique(),
        "sale_invoices_with_customer": sale_lines["InvoiceNo"].nunique(),
        "cancellations_with_customer": known.loc[is_cancel, "InvoiceNo"].nunique(),
        "blank": {"rows": len(blank), "invoices": blank["InvoiceNo"].nunique(), "amount": sum(blank["amount"])},
        "net_revenue": sum(known["amount"]),
        # revenue cannot go below zero per customer: a customer whose credits exceed their sales keeps 0
        "revenue_by_customer": {c: max(net, Decimal(0)) for c, net in net_by_customer.items()},
        "sale_units": int(sale_lines["Quantity"].astype(int).sum()),
        "sale_item_rows": len(sale_lines.drop_duplicates(["InvoiceNo", "StockCode", "UnitPrice"])),
        "sale_lines": len(sale_lines),
    }


def _cents(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _check_against_source(out: Path, expected: dict) -> None:
    customers, orders, items = _table(out, "customers"), _table(out, "orders"), _table(out, "order_items")
    assert set(customers["customer_id"]) == expected["customers"] and customers["customer_id"].is_unique
    assert orders["order_id"].is_unique
    statuses = orders["status"].value_counts().to_dict()
    assert statuses.get("completed", 0) + statuses.get("returned", 0) == expected["sale_invoices_with_customer"]
    assert statuses.get("cancelled", 0) == expected["cancellations_with_customer"]
    assert set(orders.loc[orders["status"] == "cancelled", "order_id"].str[0]) == {"C"}
    assert (orders["order_amount"] >= 0).all() and set(orders["currency"]) == {"GBP"}
    completed = orders[orders["status"] == "completed"]
    revenue = completed.groupby("customer_id")["order_amount"].sum()
    for customer, amount in expected["revenue_by_customer"].items():
        assert _cents(revenue.get(customer, 0.0)) == _cents(amount), customer
    # identical lines of one invoice are one item line; no unit is lost
    assert items["quantity"].sum() == expected["sale_units"]
    assert len(items) == expected["sale_item_rows"]
    assert not items.duplicated(["order_id", "product_id", "unit_price"]).any()
    assert set(items["order_id"]) <= set(orders.loc[orders["status"] != "cancelled", "order_id"])
    report = _report(out)
    assert report["notes"]["identical_lines_merged"] == expected["sale_lines"] - expected["sale_item_rows"]
    blank = expected["blank"]
    if blank["rows"]:
        assert report["rows_skipped"]["blank_customer_id"] == {
            "rows": blank["rows"],
            "invoices": blank["invoices"],
            "amount": float(_cents(blank["amount"])),
            "example_invoice": report["rows_skipped"]["blank_customer_id"]["example_invoice"],
        }
    # every source line is written (a sale line, or a line of a cancellation) or reported
    written_lines = expected["sale_lines"] + report["notes"]["cancellation_lines"]
    assert report["rows_read"] == written_lines + report["rows_skipped_total"]


@pytest.fixture(scope="module")
def france(tmp_path_factory) -> tuple[Path, dict]:
    if not FRANCE.exists():
        pytest.skip(f"real data not found at {REAL_DATA}")
    out = tmp_path_factory.mktemp("france") / "raw"
    import_invoice_lines(FRANCE, out, InvoiceLinesOptions(), force=False, quiet=True)
    return out, _expected(FRANCE)


@needs_real_data
def test_france_slice_matches_an_independent_count(france):
    out, expected = france
    # the numbers the issue and the data's README state, as the CSV gives them
    assert len(expected["customers"]) == 87
    assert expected["invoices"] == 461 and expected["cancellations"] == 69
    assert expected["blank"]["rows"] == 66 and expected["blank"]["invoices"] == 3
    assert _cents(expected["net_revenue"]) == Decimal("196712.84")
    _check_against_source(out, expected)
    report = _report(out)
    assert report["rows_written"] == {"customers": 87, "orders": 458, "order_items": 8307}
    assert report["notes"]["credits"]["not_applied"] == 0.0
    assert _cents(report["notes"]["revenue_of_completed_orders"]) == _cents(expected["net_revenue"])
    assert set(_table(out, "customers")["country"]) == {"FR"}


@needs_real_data
def test_germany_slice_with_a_byte_order_mark(tmp_path):
    assert GERMANY.read_bytes()[:3] == b"\xef\xbb\xbf"
    out = tmp_path / "raw"
    report = import_invoice_lines(GERMANY, out, InvoiceLinesOptions(), force=False, quiet=True)
    assert report.options["columns"]["invoice"] == "InvoiceNo"  # the first column, behind the BOM
    expected = _expected(GERMANY)
    assert len(expected["customers"]) == 95 and expected["cancellations"] == 146
    _check_against_source(out, expected)
    # one customer (12605) has only a cancellation: a credit with no sale to take it from
    assert expected["revenue_by_customer"]["12605"] == 0
    assert report.notes["credits"]["not_applied"] == 7.5 and report.notes["credits"]["credits_not_fully_applied"] == 1
    assert _cents(report.notes["revenue_of_completed_orders"]) == _cents(expected["net_revenue"] + Decimal("7.5"))


@needs_real_data
@pytest.mark.dbt
def test_france_import_builds_and_the_marts_agree(france, tmp_path):
    out, expected = france
    result = run_dbt(["build"], out, tmp_path / "build")
    assert result.returncode == 0, result.output[-6000:]
    assert "WARN=0" in result.output, result.output[-6000:]
    con = duckdb.connect(str(tmp_path / "build" / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from marts.dim_customers").fetchall() == [(87,)]
        by_status = dict(con.execute("select order_status, count(*) from marts.fct_orders group by 1").fetchall())
        assert by_status["completed"] + by_status["returned"] == expected["sale_invoices_with_customer"] == 389
        assert by_status["cancelled"] == expected["cancellations_with_customer"] == 69
        revenue = con.execute("select sum(revenue_amount) from marts.fct_orders").fetchall()[0][0]
        assert _cents(revenue) == _cents(expected["net_revenue"])
        by_customer = dict(con.execute("select customer_id, revenue_amount from marts.dim_customers").fetchall())
        assert {c: _cents(v) for c, v in by_customer.items()} == {
            c: _cents(v) for c, v in expected["revenue_by_customer"].items()
        }
        assert con.execute("select count(*) from marts.fct_quarantined_rows").fetchall() == [(0,)]
        # no clickstream: the event reports are empty and say why; the order reports are not
        status = {
            r[0]: r[1:]
            for r in con.execute("select report_name, report_status, reason from marts.rpt_report_status").fetchall()
        }
        for report in (
            "fct_sessions",
            "rpt_paths",
            "rpt_conversion_drivers",
            "rpt_dropoff_paths",
            "rpt_information_gaps",
        ):
            assert status[report][0] == "empty" and status[report][1].startswith("no clickstream"), (
                report,
                status[report],
            )
        for report in ("rpt_funnel", "rpt_retention_cohorts", "rpt_channel_attribution", "rpt_lifecycle"):
            assert status[report] == ("ok", None), (report, status[report])
    finally:
        con.close()


EDGE_CASES = """\
InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
A1,P1,mug,2,1/5/2011 9:00,1.50,100.0,United Kingdom
A1,P1,mug,3,1/5/2011 9:00,1.50,100.0,United Kingdom
A1,P2,lamp,1,1/5/2011 9:00,10,100.0,United Kingdom
A2,P1,mug,4,2011-01-06 10:00:00,1.50,100,United Kingdom
CA3,P2,lamp,-1,1/7/2011 8:00,10,100,United Kingdom
B1,P3,x,1,1/5/2011 9:00,5,,France
B2,P3,x,0,1/5/2011 9:00,5,200,France
B3,P3,x,1,13/45/2011 9:00,5,200,France
B4,P3,x,1,1/5/2011 9:00,abc,200,France
B5,P3,x,1,1/5/2011 9:00,-5,200,France
D1,P4,x,2,1/8/2011 9:00,3,300,EIRE
D1,P5,x,1,1/8/2011 9:00,3,301,EIRE
E1,P6,x,-2,1/9/2011 9:00,4,400,Atlantis
C9,P7,x,-1,1/1/2011 9:00,5,500,Germany
F1,P7,x,4,1/2/2011 9:00,5,500,Germany
"""


def test_invoice_lines_edge_cases(tmp_path):
    src = tmp_path / "lines.csv"
    src.write_text(EDGE_CASES, encoding="utf-8")
    out = tmp_path / "raw"
    report = import_invoice_lines(src, out, InvoiceLinesOptions(currency="EUR"), force=False, quiet=True)
    orders = _table(out, "orders").set_index("order_id")
    # CA3's 10.00 comes off the most recent earlier sale first (A2, 6.00: fully credited -> returned),
    # then A1 (17.50 -> 13.50); C9 predates F1 and comes off it (20 -> 15); E1 (all lines negative, no
    # C prefix) is a credit of customer 400, who has no sale: not applied
    assert orders["status"].to_dict() == {
        "A1": "completed",
        "A2": "returned",
        "C9": "cancelled",
        "CA3": "cancelled",
        "E1": "cancelled",
        "F1": "completed",
    }
    assert orders["order_amount"].to_dict() == {"A1": 13.5, "A2": 6.0, "C9": 5.0, "CA3": 10.0, "E1": 8.0, "F1": 15.0}
    assert orders.loc["A1", "item_count"] == 6 and orders.loc["A2", "ordered_at"] == "2011-01-06 10:00:00"
    assert orders.loc["A1", "customer_id"] == "100"  # 100.0 as a float export writes it
    assert report.notes["credits"] == {
        "count": 3,
        "amount": 23.0,
        "applied_to_earlier_sales": 10.0,
        "applied_to_later_sales": 5.0,
        "not_applied": 8.0,
        "credits_not_fully_applied": 1,
    }
    assert report.notes["revenue_of_completed_orders"] == 28.5
    items = _table(out, "order_items")
    assert items.values.tolist() == [
        ["A1", "P1", "unknown", 5, 1.5],
        ["A1", "P2", "unknown", 1, 10.0],
        ["A2", "P1", "unknown", 4, 1.5],
        ["F1", "P7", "unknown", 4, 5.0],
    ]
    assert report.notes["identical_lines_merged"] == 1
    assert {k: v["rows"] for k, v in report.rows_skipped.items()} == {
        "blank_customer_id": 1,
        "invoice_with_several_customers": 2,
        "negative_unit_price": 1,
        "unparseable_invoice_date": 1,
        "unparseable_unit_price": 1,
        "zero_quantity": 1,
    }
    assert report.rows_read == 15 and report.skipped_rows() == 7
    customers = _table(out, "customers").set_index("customer_id")
    assert customers["country"].to_dict() == {"100": "GB", "400": "Atlantis", "500": "DE"}
    assert customers.loc["500", "signup_at"] == "2011-01-01 09:00:00"  # first invoice, a cancellation
    assert report.notes["countries_not_mapped_to_iso"] == {"Atlantis": 1}
    assert set(_table(out, "orders")["currency"]) == {"EUR"}


def test_invoice_lines_is_deterministic_and_refuses_to_double_a_table(tmp_path):
    src = tmp_path / "lines.csv"
    src.write_text(EDGE_CASES, encoding="utf-8")
    import_invoice_lines(src, tmp_path / "a", InvoiceLinesOptions(), force=False, quiet=True)
    import_invoice_lines(src, tmp_path / "b", InvoiceLinesOptions(), force=False, quiet=True)
    for table in ("customers", "orders", "order_items"):
        assert (tmp_path / "a" / table / "part-0.parquet").read_bytes() == (
            tmp_path / "b" / table / "part-0.parquet"
        ).read_bytes()
    with pytest.raises(ImportRefused, match="already holds files"):
        import_invoice_lines(src, tmp_path / "a", InvoiceLinesOptions(), force=False, quiet=True)
    import_invoice_lines(src, tmp_path / "a", InvoiceLinesOptions(), force=True, quiet=True)
    assert len(list((tmp_path / "a" / "orders").iterdir())) == 1


def test_invoice_lines_errors_name_the_file_and_column(tmp_path):
    src = tmp_path / "lines.csv"
    src.write_text("Invoice,StockCode,Quantity,InvoiceDate,Price,CustomerId\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match=r"lines\.csv has no column 'CustomerID' or 'Customer ID'.*CustomerId"):
        import_invoice_lines(src, tmp_path / "raw", InvoiceLinesOptions(), force=False, quiet=True)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(EDGE_CASES.replace("mug", "m\xfcg").encode("latin-1"))
    with pytest.raises(ImportRefused, match=r"latin\.csv is not utf-8 text.*--encoding"):
        import_invoice_lines(latin, tmp_path / "raw2", InvoiceLinesOptions(), force=False, quiet=True)
    import_invoice_lines(latin, tmp_path / "raw3", InvoiceLinesOptions(encoding="latin-1"), force=False, quiet=True)
    assert len(_table(tmp_path / "raw3", "orders")) == 6


EVENT_LOG = """\
user_id,item_id,category_id,behavior_type,timestamp
1,100,10,pv,1511544070
1,100,10,cart,1511544080
1,100,10,buy,1511544090
1,101,11,fav,1511544095
2,200,20,pv,2017-11-25T10:00:00
2,200,20,BUY,2017-11-25T10:05:00+08:00
2,201,20,buy,2017-11-25T11:00:00
3,300,30,fav,1511600000
,400,40,pv,1511600000
4,400,40,pv,not-a-time
5,500,50,pv,1511600000123
"""


def test_event_log_maps_actions_and_reports_the_unknown_ones(tmp_path):
    src = tmp_path / "log.csv"
    src.write_text(EVENT_LOG, encoding="utf-8")
    out = tmp_path / "raw"
    report = import_event_log(src, out, EventLogOptions(parse_action_map(DEFAULT_MAP)), force=False, quiet=True)
    assert report.rows_read == 11
    assert report.rows_written == {"events": 7, "customers": 3, "orders": 3, "order_items": 3}
    assert report.rows_skipped["unknown_action"] == {"rows": 2, "actions": {"fav": 2}}
    assert report.rows_skipped["blank_user_id"]["rows"] == 1
    assert report.rows_skipped["unparseable_time"]["rows"] == 1
    assert report.rows_read == report.rows_written["events"] + report.skipped_rows()
    events = _table(out, "events")
    assert "fav" not in set(events["event_type"]) and events["event_id"].is_unique
    assert events.groupby("event_type").size().to_dict() == {"add_to_cart": 1, "order_completed": 3, "product_view": 3}
    assert (events["anonymous_id"] == events["customer_id"]).all()
    by_id = events.set_index("event_id")["event_at"].to_dict()
    # unix seconds and offsets become UTC with +00:00; ISO text without an offset stays as given
    assert by_id["1:1"] == "2017-11-24T17:21:10+00:00"
    assert by_id["2:1"] == "2017-11-25T02:05:00+00:00" and by_id["2:2"] == "2017-11-25T10:00:00"
    assert by_id["5:1"] == "2017-11-25T08:53:20.123+00:00"  # milliseconds, told apart by magnitude
    customers = _table(out, "customers").set_index("customer_id")
    assert customers["signup_at"].to_dict() == {
        "1": "2017-11-24T17:21:10+00:00",
        "2": "2017-11-25T02:05:00+00:00",
        "5": "2017-11-25T08:53:20.123+00:00",
    }
    orders = _table(out, "orders")
    assert sorted(orders["order_id"]) == ["1:3", "2:1", "2:3"]
    assert orders["order_amount"].isna().all() and set(orders["status"]) == {"completed"}
    items = _table(out, "order_items")
    assert items[["order_id", "product_id", "category", "quantity"]].values.tolist() == [
        ["1:3", "100", "10", 1],
        ["2:1", "200", "20", 1],
        ["2:3", "201", "20", 1],
    ]
    assert items["unit_price"].isna().all()


def test_event_log_without_header_and_from_parquet(tmp_path):
    rows = EVENT_LOG.splitlines()[1:]
    src = tmp_path / "UserBehavior.csv"
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "csv"
    assert main(["import", "event-log", str(src), str(out), "--no-header", "--quiet"]) == 0
    frame = pd.read_csv(tmp_path / "UserBehavior.csv", header=None, dtype=str, keep_default_na=False)
    frame.columns = ["uid", "sku", "cat", "act", "ts"]
    (tmp_path / "pq").mkdir()
    frame.to_parquet(tmp_path / "pq" / "log.parquet")
    args = ["--user-column", "uid", "--item-column", "sku", "--category-column", "cat"]
    args += [
        "--action-column",
        "act",
        "--time-column",
        "ts",
        "--map",
        "pv=product_view,buy=order_completed,cart=add_to_cart",
    ]
    assert main(["import", "event-log", str(tmp_path / "pq"), str(tmp_path / "parquet"), *args, "--quiet"]) == 0
    for table in ("events", "customers", "orders", "order_items"):
        assert _table(out, table).equals(_table(tmp_path / "parquet", table)), table


def test_event_log_map_must_name_taxonomy_event_types(tmp_path):
    src = tmp_path / "log.csv"
    src.write_text(EVENT_LOG, encoding="utf-8")
    options = EventLogOptions(parse_action_map(DEFAULT_MAP + ",fav=wishlist_add"))
    with pytest.raises(ImportRefused, match=r"fav=wishlist_add.*event_taxonomy\.csv"):
        import_event_log(src, tmp_path / "raw", options, force=False, quiet=True)
    with pytest.raises(ImportRefused, match="is not action=event_type"):
        parse_action_map("pv=product_view,cart")


def test_cj_import_prints_a_summary(tmp_path, capsys):
    src = tmp_path / "lines.csv"
    src.write_text(EDGE_CASES, encoding="utf-8")
    assert main(["import", "invoice-lines", str(src), str(tmp_path / "raw"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "cj import invoice-lines: 15 source rows read" in printed
    assert "blank_customer_id: 1 rows" in printed and "_import_report.json" in printed


def test_an_imported_event_log_builds(tmp_path):
    """No prices, no customers table, purchases as events: the SQL layers build, every order is kept with a
    null amount, and the product funnel counts the viewers."""
    src = tmp_path / "log.csv"
    src.write_text(EVENT_LOG, encoding="utf-8")
    out = tmp_path / "raw"
    import_event_log(src, out, EventLogOptions(parse_action_map(DEFAULT_MAP)), force=False, quiet=True)
    result = run_dbt(["build", "--selector", "sql_layers"], out, tmp_path / "build")
    assert result.returncode == 0, result.output[-4000:]
    assert "ERROR=0" in result.output
    con = duckdb.connect(str(tmp_path / "build" / "warehouse.duckdb"), read_only=True)
    assert con.execute("select count(*), count(order_amount) from marts.fct_orders").fetchone() == (3, 0)
    assert con.execute("select count(*) from marts.fct_quarantined_rows").fetchone()[0] == 0
    viewers = con.execute(
        "select entered_count from marts.rpt_funnel where funnel_name = 'product' and funnel_step = 'product_view' "
        "and period = 'all' and dimension = 'all'"
    ).fetchone()[0]
    assert viewers == 3
