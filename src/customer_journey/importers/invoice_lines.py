"""`cj import invoice-lines`: one row per invoice line (the UCI Online Retail shape) -> customers, orders, order_items.

Source columns (defaults; Online Retail II's names are found too): InvoiceNo, StockCode, Quantity,
InvoiceDate, UnitPrice, CustomerID, Country (optional), plus an optional category column.

- customers: one per CustomerID; signup_at = its first invoice; country = the first invoice's
  country as an ISO code.
- orders: one per invoice (order_id = InvoiceNo). A cancellation invoice (number prefixed `C`, or
  every quantity negative) is a credit, not a sale: it is written as a `cancelled` order (its
  absolute amount; never revenue, not a purchase) and its amount is taken off the customer's
  sales, most recent sale at or before it first, then older ones, then (a credit for a purchase
  before the export's window) later ones. A sale's order_amount is what is left of it; a sale
  fully credited becomes `returned`. The marts count revenue from completed orders only, so their
  revenue is net revenue: the sum of quantity x unit price over the customer's lines.
- order_items: the sale invoices' lines, identical lines (same invoice, product and price) folded
  into one with the summed quantity.
- Lines that cannot be written (blank customer, unparseable values, ...) are counted by reason in
  OUT/_import_report.json, with their invoices and amount.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from customer_journey.importers.countries import is_mapped, iso_code
from customer_journey.importers.output import (
    ImportRefused,
    ImportReport,
    prepare_out,
    sha256,
    source_files,
    write_table,
)
from customer_journey.progress import Progress

SHAPE = "invoice-lines"
TABLES = ("customers", "orders", "order_items")

# field -> the column names it has in known exports (UCI Online Retail, then Online Retail II)
FIELDS: dict[str, tuple[str, ...]] = {
    "invoice": ("InvoiceNo", "Invoice"),
    "product": ("StockCode",),
    "quantity": ("Quantity",),
    "date": ("InvoiceDate",),
    "price": ("UnitPrice", "Price"),
    "customer": ("CustomerID", "Customer ID"),
    "country": ("Country",),
}
OPTIONAL_FIELDS = frozenset({"country"})
# tried in turn when no --date-format is given: UCI's M/D/YYYY H:MM, with seconds, then ISO-8601
DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "ISO8601")
CENT = Decimal("0.01")

SCHEMAS = {
    # email and acquisition_channel are written empty: the raw contract requires the columns today
    "customers": pa.schema(
        [
            ("customer_id", pa.string()),
            ("signup_at", pa.string()),
            ("email", pa.string()),
            ("country", pa.string()),
            ("acquisition_channel", pa.string()),
        ]
    ),
    "orders": pa.schema(
        [
            ("order_id", pa.string()),
            ("customer_id", pa.string()),
            ("ordered_at", pa.string()),
            ("status", pa.string()),
            ("order_amount", pa.float64()),
            ("currency", pa.string()),
            ("item_count", pa.int64()),
        ]
    ),
    "order_items": pa.schema(
        [
            ("order_id", pa.string()),
            ("product_id", pa.string()),
            ("category", pa.string()),
            ("quantity", pa.int64()),
            ("unit_price", pa.float64()),
        ]
    ),
}


@dataclass(frozen=True)
class InvoiceLinesOptions:
    currency: str = "GBP"
    category_column: str | None = None
    cancel_prefix: str = "C"
    date_format: str | None = None
    encoding: str = "utf-8"
    # field (see FIELDS) -> the source's column name, where it differs from the known names
    columns: dict[str, str] = field(default_factory=dict)


@dataclass
class Invoice:
    """One invoice of one customer, as an order; amounts are exact decimals."""

    order_id: str
    customer_id: str
    ordered_at: datetime
    country: str | None
    is_credit: bool
    sales: Decimal  # sum of the positive lines
    credits: Decimal  # sum of the negative lines, as a positive number
    units: int
    remaining: Decimal = Decimal(0)  # a sale's amount left after the credits applied to it

    @property
    def key(self) -> tuple[datetime, str]:
        return (self.ordered_at, self.order_id)


@dataclass
class CreditTotals:
    credits: int = 0
    amount: Decimal = Decimal(0)
    applied_to_earlier_sales: Decimal = Decimal(0)
    applied_to_later_sales: Decimal = Decimal(0)
    not_applied: Decimal = Decimal(0)
    credits_not_fully_applied: int = 0


# --- reading -----------------------------------------------------------------------------------


def _text_column(values: pa.ChunkedArray) -> pd.Series:
    """A Parquet column as the text a CSV would hold ('' for null; 12583.0 -> '12583')."""

    def text(value: Any) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return pd.Series([text(v) for v in values.to_pylist()], dtype=object)


def read_lines(files: list[Path], encoding: str, progress: Progress | None = None) -> pd.DataFrame:
    """Every row of the source files as text (a UTF-8 byte-order mark is dropped); `progress` counts files and rows."""
    frames = []
    utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
    for path in files:
        if path.name.lower().endswith(".parquet"):
            table = pq.read_table(path)
            frame = pd.DataFrame({name: _text_column(table.column(name)) for name in table.column_names})
        else:
            try:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig" if utf8 else encoding)
            except UnicodeDecodeError as error:
                raise ImportRefused(
                    f"cj import: {path} is not {encoding} text ({error.reason} at byte {error.start}); "
                    "pass --encoding with the file's encoding (exports from Excel are often latin-1)"
                ) from None
        frame.columns = [str(c).lstrip("\ufeff").strip() for c in frame.columns]
        frames.append(frame)
        if progress is not None:
            progress.advance(rows_read=len(frame))
    lines = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return lines.fillna("").astype(str)


def resolve_columns(found: list[str], options: InvoiceLinesOptions, where: str) -> dict[str, str | None]:
    """field -> source column; refuses a missing required one, naming the columns the file has."""
    resolved: dict[str, str | None] = {}
    for name, known in FIELDS.items():
        wanted = options.columns.get(name)
        candidates = (wanted,) if wanted else known
        hit = next((c for c in candidates if c in found), None)
        if hit is None and name not in OPTIONAL_FIELDS:
            raise ImportRefused(
                f"cj import {SHAPE}: {where} has no column {' or '.join(repr(c) for c in candidates)} "
                f"(the {name}); its columns are {found}. Name it with --{name}-column."
            )
        resolved[name] = hit
    if options.category_column is not None and options.category_column not in found:
        raise ImportRefused(
            f"cj import {SHAPE}: {where} has no column {options.category_column!r} (--category-column); "
            f"its columns are {found}"
        )
    return resolved


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_dates(text: pd.Series, date_format: str | None) -> pd.Series:
    """Invoice dates as naive local timestamps (NaT where unparseable, or where an offset is given)."""
    stripped = text.str.strip()
    formats = (date_format,) if date_format else DATE_FORMATS
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in formats:
        todo = parsed.isna() & (stripped != "")
        if not todo.any():
            break
        attempt = pd.to_datetime(stripped[todo], format=fmt, errors="coerce")
        if isinstance(attempt.dtype, pd.DatetimeTZDtype):
            continue  # an offset: this shape's dates are local times without one
        parsed[todo] = attempt.astype("datetime64[ns]")
    return parsed


# --- the mapping -------------------------------------------------------------------------------


def line_reasons(lines: pd.DataFrame) -> pd.Series:
    """Why a parsed line cannot be written ('' when it can), first reason only."""
    conditions = [
        lines["invoice"] == "",
        lines["product"] == "",
        lines["quantity"].isna(),
        lines["quantity"] == 0,
        lines["price"].isna(),
        lines["price_negative"],
        lines["ordered_at"].isna(),
        lines["customer"] == "",
    ]
    reasons = [
        "blank_invoice_id",
        "blank_product_id",
        "unparseable_quantity",
        "zero_quantity",
        "unparseable_unit_price",
        "negative_unit_price",
        "unparseable_invoice_date",
        "blank_customer_id",
    ]
    masks = [np.asarray(condition, dtype=bool) for condition in conditions]
    return pd.Series(np.select(masks, reasons, default=""), index=lines.index, dtype=object)


def allocate_credits(invoices: list[Invoice]) -> CreditTotals:
    """Take each credit off its customer's sales (sets `remaining`); see the module docstring.

    Credits are applied in time order: to the sales at or before the credit, most recent first,
    then to later sales, earliest first; what is left (no sale to take it from) is not applied.
    """
    totals = CreditTotals()
    by_customer: dict[str, list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        by_customer[invoice.customer_id].append(invoice)
    for customer_id in sorted(by_customer):
        history = sorted(by_customer[customer_id], key=lambda i: i.key)
        sales = [i for i in history if not i.is_credit]
        credits: list[tuple[Invoice, Decimal]] = []
        for invoice in history:
            if invoice.is_credit:
                invoice.remaining = Decimal(0)
                credits.append((invoice, invoice.credits - invoice.sales))
            else:
                invoice.remaining = invoice.sales - invoice.credits
                if invoice.remaining < 0:  # a sale invoice whose negative lines outweigh its positive ones
                    credits.append((invoice, -invoice.remaining))
                    invoice.remaining = Decimal(0)
        credits.sort(key=lambda pair: pair[0].key)
        for credit, amount in credits:
            totals.credits += 1
            totals.amount += amount
            earlier = sorted((s for s in sales if s.ordered_at <= credit.ordered_at), key=lambda s: s.key, reverse=True)
            later = sorted((s for s in sales if s.ordered_at > credit.ordered_at), key=lambda s: s.key)
            for group, bucket in ((earlier, "earlier"), (later, "later")):
                for sale in group:
                    if amount <= 0:
                        break
                    taken = min(amount, sale.remaining)
                    sale.remaining -= taken
                    amount -= taken
                    if bucket == "earlier":
                        totals.applied_to_earlier_sales += taken
                    else:
                        totals.applied_to_later_sales += taken
            if amount > 0:
                totals.not_applied += amount
                totals.credits_not_fully_applied += 1
    return totals


def build_invoices(kept: pd.DataFrame, *, has_country: bool) -> tuple[list[Invoice], int]:
    """One Invoice per invoice number of the kept lines (sorted by number), and how many span several times.

    An invoice is a credit when its number has the cancellation prefix or every line is negative.
    """
    found: dict[str, Invoice] = {}
    times: dict[str, set[Any]] = {}
    positive_units: dict[str, int] = defaultdict(int)
    all_negative: dict[str, bool] = {}
    for invoice_id, customer, ordered_at, country, quantity, amount, prefixed in zip(
        kept["invoice"],
        kept["customer"],
        kept["ordered_at"],
        kept["country"],
        kept["quantity"],
        kept["amount"],
        kept["is_prefixed"],
        strict=True,
    ):
        invoice = found.get(invoice_id)
        if invoice is None:
            invoice = found[invoice_id] = Invoice(
                order_id=invoice_id,
                customer_id=customer,
                ordered_at=ordered_at,
                country=country if has_country else None,
                is_credit=bool(prefixed),
                sales=Decimal(0),
                credits=Decimal(0),
                units=0,
            )
            times[invoice_id] = set()
            all_negative[invoice_id] = True
        times[invoice_id].add(ordered_at)
        invoice.ordered_at = min(invoice.ordered_at, ordered_at)
        invoice.units += abs(int(quantity))
        if quantity < 0:
            invoice.credits -= amount
        else:
            invoice.sales += amount
            positive_units[invoice_id] += int(quantity)
            all_negative[invoice_id] = False
    invoices = []
    for invoice_id in sorted(found):
        invoice = found[invoice_id]
        invoice.is_credit = invoice.is_credit or all_negative[invoice_id]
        if not invoice.is_credit:
            invoice.units = positive_units[invoice_id]
        invoice.ordered_at = pd.Timestamp(invoice.ordered_at).to_pydatetime()
        invoices.append(invoice)
    return invoices, sum(1 for t in times.values() if len(t) > 1)


def _money(value: Decimal) -> float:
    return float(value.quantize(CENT))


def import_invoice_lines(
    src: Path, out: Path, options: InvoiceLinesOptions, *, force: bool, quiet: bool
) -> ImportReport:
    files = source_files(src)
    # on a terminal (not --quiet): files and rows read, rows written per table, elapsed time
    with Progress(f"cj import {SHAPE}", total=len(files), unit="files", quiet=quiet) as progress:
        return _import(src, files, out, options, force, progress)


def _import(
    src: Path, files: list[Path], out: Path, options: InvoiceLinesOptions, force: bool, progress: Progress
) -> ImportReport:
    other_tables = prepare_out(out, TABLES, force)
    progress.set(phase="reading")
    raw = read_lines(files, options.encoding, progress)
    where = str(files[0]) if len(files) == 1 else f"{src} ({len(files)} files)"
    columns = resolve_columns(list(raw.columns), options, where)
    report = ImportReport(
        shape=SHAPE,
        sources=[{"file": str(p), "sha256": sha256(p)} for p in files],
        options={
            "currency": options.currency,
            "category_column": options.category_column,
            "cancel_prefix": options.cancel_prefix,
            "date_format": options.date_format or " | ".join(DATE_FORMATS),
            "columns": {k: v for k, v in columns.items()},
        },
        rows_read=len(raw),
        other_tables_in_out=other_tables,
    )
    progress.set(phase="checking the lines")

    def column(name: str) -> pd.Series:
        source = columns[name]
        return raw[source].str.strip() if source else pd.Series("", index=raw.index)

    quantity = pd.to_numeric(column("quantity"), errors="coerce")
    quantity = quantity.where(quantity.notna() & np.isfinite(quantity) & (quantity == quantity.round()))
    prices = [_decimal(v) for v in column("price")]
    lines = pd.DataFrame(
        {
            "invoice": column("invoice"),
            "product": column("product"),
            "customer": column("customer").str.replace(r"^(\d+)\.0+$", r"\1", regex=True),
            "country": column("country"),
            "category": raw[options.category_column].str.strip() if options.category_column else "",
            "quantity": quantity,
            "price": pd.Series(prices, index=raw.index, dtype=object),
            "price_negative": pd.Series([p is not None and p < 0 for p in prices], index=raw.index, dtype=bool),
            "ordered_at": parse_dates(column("date"), options.date_format),
        }
    )
    lines["amount"] = [
        None if (q != q or p is None) else Decimal(int(q)) * p
        for q, p in zip(lines["quantity"], lines["price"], strict=True)
    ]
    lines["reason"] = line_reasons(lines)

    # an invoice is one order of one customer: an invoice naming several customers is refused whole
    valid = lines["reason"] == ""
    customers_per_invoice = lines[valid].groupby("invoice")["customer"].nunique()
    shared = set(customers_per_invoice[customers_per_invoice > 1].index)
    lines.loc[valid & lines["invoice"].isin(shared), "reason"] = "invoice_with_several_customers"

    # a cancellation invoice whose lines add up to a sale is neither: refused whole
    valid = lines["reason"] == ""
    prefixed = (
        lines["invoice"].str.startswith(options.cancel_prefix)
        if options.cancel_prefix
        else pd.Series(False, index=lines.index)
    )
    net_by_invoice = lines[valid].groupby("invoice")["amount"].sum()
    prefix = options.cancel_prefix
    positive_credit = {i for i, net in net_by_invoice.items() if prefix and str(i).startswith(prefix) and net >= 0}
    lines.loc[valid & lines["invoice"].isin(positive_credit), "reason"] = "cancellation_invoice_not_negative"

    for reason, group in lines[lines["reason"] != ""].groupby("reason", sort=True):
        amounts = [a for a in group["amount"] if a is not None]
        report.rows_skipped[str(reason)] = {
            "rows": len(group),
            "invoices": int(group.loc[group["invoice"] != "", "invoice"].nunique()),
            "amount": _money(sum(amounts, Decimal(0))),
            "example_invoice": str(group["invoice"].iloc[0]),
        }

    kept = lines[lines["reason"] == ""].copy()
    kept["is_prefixed"] = prefixed[kept.index]
    kept["negative"] = kept["quantity"] < 0

    # --- orders
    invoices, several_times = build_invoices(kept, has_country=columns["country"] is not None)
    credit_totals = allocate_credits(invoices)
    progress.set(phase="writing the tables", invoices=len(invoices))

    order_rows: dict[str, list[Any]] = {name: [] for name in SCHEMAS["orders"].names}
    status_counts = {"completed": 0, "returned": 0, "cancelled": 0}
    revenue = Decimal(0)
    for invoice in sorted(invoices, key=lambda i: i.order_id):
        if invoice.is_credit:
            status, amount = "cancelled", invoice.credits - invoice.sales
        elif invoice.sales > 0 and invoice.remaining == 0:
            status, amount = "returned", invoice.sales
        else:
            status, amount = "completed", invoice.remaining
            revenue += amount
        status_counts[status] += 1
        order_rows["order_id"].append(invoice.order_id)
        order_rows["customer_id"].append(invoice.customer_id)
        order_rows["ordered_at"].append(invoice.ordered_at.strftime("%Y-%m-%d %H:%M:%S"))
        order_rows["status"].append(status)
        order_rows["order_amount"].append(float(amount))
        order_rows["currency"].append(options.currency)
        order_rows["item_count"].append(invoice.units)

    # --- order items: the sale invoices' positive lines, identical lines folded together
    credit_ids = {i.order_id for i in invoices if i.is_credit}
    sale_lines = kept[~kept["invoice"].isin(credit_ids) & ~kept["negative"]]
    folded: dict[tuple[str, str, Decimal], list[Any]] = {}
    for invoice_id, product, price, qty, category in zip(
        sale_lines["invoice"],
        sale_lines["product"],
        sale_lines["price"],
        sale_lines["quantity"],
        sale_lines["category"],
        strict=True,
    ):
        key = (invoice_id, product, price)
        if key in folded:
            folded[key][0] += int(qty)
        else:
            folded[key] = [int(qty), category or "unknown"]
    item_rows: dict[str, list[Any]] = {name: [] for name in SCHEMAS["order_items"].names}
    for (invoice_id, product, price), (qty, category) in sorted(folded.items(), key=lambda kv: kv[0]):
        item_rows["order_id"].append(invoice_id)
        item_rows["product_id"].append(product)
        item_rows["category"].append(category)
        item_rows["quantity"].append(qty)
        item_rows["unit_price"].append(float(price))

    # --- customers: first invoice's time and country
    first: dict[str, Invoice] = {}
    countries_seen: dict[str, set[str]] = defaultdict(set)
    for invoice in sorted(invoices, key=lambda i: i.key):
        first.setdefault(invoice.customer_id, invoice)
        if invoice.country:
            countries_seen[invoice.customer_id].add(invoice.country)
    customer_rows: dict[str, list[Any]] = {name: [] for name in SCHEMAS["customers"].names}
    unmapped: dict[str, int] = defaultdict(int)
    for customer_id in sorted(first):
        invoice = first[customer_id]
        country = invoice.country or ""
        if country and not is_mapped(country):
            unmapped[country] += 1
        customer_rows["customer_id"].append(customer_id)
        customer_rows["signup_at"].append(invoice.ordered_at.strftime("%Y-%m-%d %H:%M:%S"))
        customer_rows["email"].append(None)
        customer_rows["country"].append(iso_code(country))
        customer_rows["acquisition_channel"].append(None)

    for table, rows in (("customers", customer_rows), ("orders", order_rows), ("order_items", item_rows)):
        report.rows_written[table] = write_table(out, table, pa.table(rows, schema=SCHEMAS[table]))
        progress.set_counts({table: report.rows_written[table]})
    progress.set(phase="")

    written_net = sum((a for a in kept["amount"]), Decimal(0))
    report.notes = {
        "invoices": {"sales": status_counts["completed"] + status_counts["returned"], "cancellations": len(credit_ids)},
        "orders_by_status": status_counts,
        "identical_lines_merged": int(len(sale_lines) - len(folded)),
        "cancellation_lines": int(kept["invoice"].isin(credit_ids).sum()),
        "negative_lines_in_sale_invoices": int((kept["negative"] & ~kept["invoice"].isin(credit_ids)).sum()),
        "invoices_with_several_times": int(several_times),
        "customers_with_several_countries": sum(1 for c in countries_seen.values() if len(c) > 1),
        "countries_not_mapped_to_iso": dict(sorted(unmapped.items())),
        "credits": {
            "count": credit_totals.credits,
            "amount": _money(credit_totals.amount),
            "applied_to_earlier_sales": _money(credit_totals.applied_to_earlier_sales),
            "applied_to_later_sales": _money(credit_totals.applied_to_later_sales),
            "not_applied": _money(credit_totals.not_applied),
            "credits_not_fully_applied": credit_totals.credits_not_fully_applied,
        },
        "net_amount_of_written_lines": _money(written_net),
        "revenue_of_completed_orders": _money(revenue),
        "currency": options.currency,
    }
    report.write(out)
    return report
