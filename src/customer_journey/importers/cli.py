"""`cj import <shape> SRC OUT`: turn a real export into the raw tables of the contract.

    cj import invoice-lines SRC OUT    one row per invoice line (UCI Online Retail)
    cj import event-log SRC OUT        one row per user action (Taobao UserBehavior)

SRC is a file or a folder of CSV (.csv, .csv.gz) or Parquet files; OUT gets one folder per raw
table (OUT/customers/part-0.parquet, ...) and OUT/_import_report.json, then `CJ_RAW_PATH=OUT
dbt build` builds on it. docs/importers.md explains each mapping.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from customer_journey.importers.event_log import (
    DEFAULT_COLUMNS,
    DEFAULT_MAP,
    EventLogOptions,
    import_event_log,
    parse_action_map,
)
from customer_journey.importers.invoice_lines import FIELDS, InvoiceLinesOptions, import_invoice_lines
from customer_journey.importers.output import ImportReport

DESCRIPTION = "Turn a real export (invoice lines, an event log) into the raw tables of the data contract."


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("src", type=Path, metavar="SRC", help="the export: a file, or a folder of CSV / Parquet files")
    parser.add_argument("out", type=Path, metavar="OUT", help="output folder: one sub-folder per raw table")
    parser.add_argument("--force", action="store_true", help="replace the tables this import writes if OUT has them")
    parser.add_argument("--quiet", action="store_true", help="no progress lines (the summary is still printed)")


def add_arguments(ap: argparse.ArgumentParser) -> None:
    shapes = ap.add_subparsers(dest="shape", required=True, metavar="SHAPE")

    lines = shapes.add_parser(
        "invoice-lines",
        help="one row per invoice line: invoice, product, quantity, date, unit price, customer, country",
        description="One row per invoice line (UCI Online Retail: InvoiceNo, StockCode, Description, Quantity, "
        "InvoiceDate, UnitPrice, CustomerID, Country) -> customers, orders, order_items. Cancellation invoices "
        "(prefixed C) are credits taken off the customer's sales, so the marts' revenue is net revenue.",
    )
    _common(lines)
    lines.add_argument("--currency", default="GBP", help="ISO 4217 code of the prices (default GBP)")
    lines.add_argument(
        "--category-column", default=None, help="column holding a product category (default: none, 'unknown')"
    )
    lines.add_argument("--cancel-prefix", default="C", help="invoice-number prefix of cancellations (default C)")
    lines.add_argument(
        "--date-format",
        default=None,
        help="strptime format of the invoice date (default: M/D/YYYY H:MM, with or without seconds, or ISO-8601)",
    )
    lines.add_argument(
        "--encoding", default="utf-8", help="text encoding of CSV files (default utf-8; a BOM is skipped)"
    )
    for name, known in FIELDS.items():
        lines.add_argument(
            f"--{name}-column", default=None, help=f"column of the {name} (default: {' or '.join(known)})"
        )
    lines.set_defaults(shape_run=_run_invoice_lines)

    events = shapes.add_parser(
        "event-log",
        help="one row per user action: user, item, category, action, time (unix or ISO)",
        description="One row per user action (Taobao UserBehavior: user_id, item_id, category_id, behavior_type, "
        "timestamp) -> events, customers (from first activity), orders and order_items (from the purchase action; "
        "no prices).",
    )
    _common(events)
    for name, default in DEFAULT_COLUMNS.items():
        events.add_argument(f"--{name}-column", default=None, help=f"column of the {name} (default {default})")
    events.add_argument(
        "--map",
        default=DEFAULT_MAP,
        help="action=event_type pairs, comma-separated; event types from seeds/event_taxonomy.csv, the purchase "
        f"action mapped to order_completed (default {DEFAULT_MAP}). Other actions are reported and not written.",
    )
    events.add_argument(
        "--no-header",
        action="store_true",
        help="CSV files without a header row: columns are user, item, category, action, time in that order",
    )
    events.set_defaults(shape_run=_run_event_log)


def _run_invoice_lines(args: argparse.Namespace) -> ImportReport:
    options = InvoiceLinesOptions(
        currency=args.currency.strip().upper(),
        category_column=args.category_column,
        cancel_prefix=args.cancel_prefix,
        date_format=args.date_format,
        encoding=args.encoding,
        columns={name: getattr(args, f"{name}_column") for name in FIELDS if getattr(args, f"{name}_column")},
    )
    return import_invoice_lines(args.src, args.out, options, force=args.force, quiet=args.quiet)


def _run_event_log(args: argparse.Namespace) -> ImportReport:
    options = EventLogOptions(
        action_map=parse_action_map(args.map),
        columns={name: getattr(args, f"{name}_column") for name in DEFAULT_COLUMNS if getattr(args, f"{name}_column")},
        header=not args.no_header,
    )
    return import_event_log(args.src, args.out, options, force=args.force, quiet=args.quiet)


def run(args: argparse.Namespace) -> int:
    report: ImportReport = args.shape_run(args)
    print("\n".join(report.summary_lines(args.out)))
    if report.rows_written.get("customers", 0) == 0:
        print(
            "cj import: no customer was written; the build needs at least one (see the reasons above)", file=sys.stderr
        )
        return 1
    return 0
