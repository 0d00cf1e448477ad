"""`cj import event-log`: one row per user action (user, item, category, action, time) -> events, customers, orders.

The shape of clickstream exports such as Taobao's UserBehavior (user_id, item_id, category_id,
behavior_type, timestamp): no customers table, no prices. Read and mapped in DuckDB, so a log of
tens of millions of rows fits in memory bounds (DuckDB spills to a temporary folder).

- events: every row whose action is in the action map (`--map pv=product_view,...`), with the
  mapped event type (it must be in seeds/event_taxonomy.csv). Rows with an action not in the map
  are counted per action name in the report and NOT written. anonymous_id = customer_id = the
  user; product_id = the item; event_id = `<user>:<n>`, n numbering the user's rows in time order.
- customers: one per user with a written event; signup_at = that user's first written event.
- orders: one per row mapped to `order_completed` (order_id = its event_id), status completed,
  order_amount null (the log has no prices); order_items: its item, quantity 1, unit_price null.
- Times: unix epochs (seconds; milliseconds and microseconds told apart by magnitude, as the raw
  contract does) and ISO-8601 text with an offset are written as UTC ISO text with `+00:00`;
  ISO-8601 text without an offset is written as given (local time of the source). The first
  event and the event order compare them as if all were UTC.
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from customer_journey.importers.output import (
    ImportRefused,
    ImportReport,
    prepare_out,
    sha256,
    source_files,
)
from customer_journey.progress import Progress

SHAPE = "event-log"
TABLES = ("customers", "events", "orders", "order_items")
PURCHASE_EVENT = "order_completed"
DEFAULT_COLUMNS = {
    "user": "user_id",
    "item": "item_id",
    "category": "category_id",
    "action": "behavior_type",
    "time": "timestamp",
}
REQUIRED_FIELDS = ("user", "action", "time")
# Taobao UserBehavior's action names. fav (a product saved to favourites) is not mapped: the event
# taxonomy has no wishlist event; add one to seeds/event_taxonomy.csv and pass fav=<it> in --map.
DEFAULT_MAP = "pv=product_view,cart=add_to_cart,buy=order_completed"
TAXONOMY = Path(__file__).resolve().parents[3] / "seeds" / "event_taxonomy.csv"  # src/customer_journey/importers/
UNKNOWN_ACTIONS_LISTED = 20


@dataclass(frozen=True)
class EventLogOptions:
    action_map: dict[str, str]
    # field (user, item, category, action, time) -> column name; missing fields use DEFAULT_COLUMNS
    columns: dict[str, str] = field(default_factory=dict)
    header: bool = True

    def column(self, name: str) -> str:
        return self.columns.get(name) or DEFAULT_COLUMNS[name]


def parse_action_map(text: str) -> dict[str, str]:
    """`pv=product_view,cart=add_to_cart` -> {'pv': 'product_view', ...}; action names compare case-insensitively."""
    mapping: dict[str, str] = {}
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        action, sep, event_type = entry.partition("=")
        if not sep or not action.strip() or not event_type.strip():
            raise ImportRefused(f"cj import {SHAPE}: --map entry {entry!r} is not action=event_type")
        key = action.strip().lower()
        if key in mapping and mapping[key] != event_type.strip():
            raise ImportRefused(f"cj import {SHAPE}: --map names action {action.strip()!r} twice")
        mapping[key] = event_type.strip()
    if not mapping:
        raise ImportRefused(f"cj import {SHAPE}: --map is empty")
    return mapping


def taxonomy_event_types(path: Path = TAXONOMY) -> set[str] | None:
    """The event types the build accepts (seeds/event_taxonomy.csv), None when the seed is not there."""
    if not path.exists():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["event_type"] for row in csv.DictReader(handle)}


def check_action_map(mapping: dict[str, str], known: set[str] | None) -> None:
    if known is None:
        return
    unknown = {action: event_type for action, event_type in mapping.items() if event_type not in known}
    if unknown:
        raise ImportRefused(
            f"cj import {SHAPE}: --map sends {', '.join(f'{a}={t}' for a, t in sorted(unknown.items()))}, "
            f"but {sorted(set(unknown.values()))} is not an event type in {TAXONOMY} (the build would quarantine "
            f"those events as unknown_event_type). Known types: {', '.join(sorted(known))}."
        )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _reader(files: list[Path], options: EventLogOptions) -> str:
    names = [p.name.lower() for p in files]
    parquet = [n.endswith(".parquet") for n in names]
    listed = "[" + ", ".join(_literal(str(p)) for p in files) + "]"
    if all(parquet):
        return f"read_parquet({listed}, union_by_name = true)"
    if any(parquet):
        raise ImportRefused(
            f"cj import {SHAPE}: the source mixes Parquet and CSV files ({files[0]}, ...); use one format"
        )
    if options.header:
        return f"read_csv({listed}, header = true, all_varchar = true, union_by_name = true)"
    columns = [options.column(f) for f in ("user", "item", "category", "action", "time")]
    return (
        f"read_csv({listed}, header = false, all_varchar = true, names = [{', '.join(_literal(c) for c in columns)}])"
    )


def _time_sql(text: str) -> dict[str, str]:
    """SQL for a raw time text: its kind, the instant to order by (UTC-ish, naive) and the text to write."""
    epoch = f"try_cast({text} as double)"
    offset = f"regexp_matches({text}, '\\d{{2}}:\\d{{2}}(:\\d{{2}}(\\.\\d+)?)?\\s*(Z|[+-]\\d{{2}}(:?\\d{{2}})?)$')"
    instant = f"""case
            when {epoch} is not null then cast(case
                when abs({epoch}) < 1e11 then to_timestamp({epoch})
                when abs({epoch}) < 1e14 then to_timestamp({epoch} / 1e3)
                when abs({epoch}) < 1e17 then to_timestamp({epoch} / 1e6)
            end as timestamp)
            when {offset} then cast(try_cast({text} as timestamptz) as timestamp)
            else try_cast({text} as timestamp)
        end"""
    kind = (
        f"case when {epoch} is not null then 'epoch' when {offset} then 'iso_with_offset' else 'iso_without_offset' end"
    )
    return {"instant": instant, "kind": kind}


def import_event_log(src: Path, out: Path, options: EventLogOptions, *, force: bool, quiet: bool) -> ImportReport:
    check_action_map(options.action_map, taxonomy_event_types())
    files = source_files(src)
    other_tables = prepare_out(out, TABLES, force)
    report = ImportReport(
        shape=SHAPE,
        sources=[{"file": str(p), "sha256": sha256(p)} for p in files],
        options={
            "columns": {f: options.column(f) for f in DEFAULT_COLUMNS},
            "map": options.action_map,
            "header": options.header,
        },
        other_tables_in_out=other_tables,
    )
    # on a terminal (not --quiet): the step, rows read and written per table, elapsed time; it ticks while
    # DuckDB runs a statement (one reads every file)
    progress = Progress(f"cj import {SHAPE}", quiet=quiet)
    with progress, progress.ticking(), tempfile.TemporaryDirectory(prefix="cj-import-") as spill:
        progress.set(files=len(files), source_bytes=sum(p.stat().st_size for p in files))
        con = duckdb.connect()
        try:
            con.execute("set TimeZone = 'UTC'")
            con.execute(f"set temp_directory = {_literal(spill)}")
            _run(con, files, out, options, report, progress)
        finally:
            con.close()
    report.write(out)
    return report


def _run(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    out: Path,
    options: EventLogOptions,
    report: ImportReport,
    progress: Progress,
) -> None:
    reader = _reader(files, options)
    where = str(files[0]) if len(files) == 1 else f"{len(files)} files ({files[0]}, ...)"
    found = [row[0] for row in con.execute(f"describe select * from {reader}").fetchall()]
    selected: dict[str, str] = {}
    for name in DEFAULT_COLUMNS:
        column = options.column(name)
        if column in found:
            selected[name] = f"nullif(trim(cast({_ident(column)} as varchar)), '')"
        elif name in REQUIRED_FIELDS or name in options.columns:
            raise ImportRefused(
                f"cj import {SHAPE}: {where} has no column {column!r} (the {name}; --{name}-column); "
                f"its columns are {found}" + ("" if options.header else " (read without a header: --no-header)")
            )
        else:
            selected[name] = "cast(null as varchar)"
    progress.set(phase="reading")
    con.execute(
        "create temp table action_map as select * from (values "
        + ", ".join(f"({_literal(a)}, {_literal(t)})" for a, t in sorted(options.action_map.items()))
        + ") as m(action_key, event_type)"
    )
    time_sql = _time_sql("time_text")
    con.execute(
        f"""
        create temp table parsed as
        with source as (
            select
                {selected["user"]} as user_id,
                {selected["item"]} as item_id,
                {selected["category"]} as category_id,
                {selected["action"]} as action,
                {selected["time"]} as time_text
            from {reader}
        ),
        timed as (
            select *, {time_sql["instant"]} as sort_at, {time_sql["kind"]} as time_kind
            from source
        )
        select
            timed.*,
            action_map.event_type,
            case
                when timed.user_id is null then 'blank_user_id'
                when timed.sort_at is null then 'unparseable_time'
                when action_map.event_type is null then 'unknown_action'
            end as reason
        from timed
        left join action_map
            on lower(timed.action) = action_map.action_key
        """
    )
    report.rows_read = con.execute("select count(*) from parsed").fetchall()[0][0]
    progress.set(phase="", rows_read=report.rows_read)
    for reason, rows in con.execute(
        "select reason, count(*) from parsed where reason is not null group by 1 order by 1"
    ).fetchall():
        entry: dict[str, Any] = {"rows": rows}
        if reason == "unknown_action":
            by_action = con.execute(
                "select coalesce(action, '(blank)'), count(*) from parsed where reason = 'unknown_action' "
                "group by 1 order by 2 desc, 1"
            ).fetchall()
            entry["actions"] = dict(by_action[:UNKNOWN_ACTIONS_LISTED])
            if len(by_action) > UNKNOWN_ACTIONS_LISTED:
                entry["other_actions"] = len(by_action) - UNKNOWN_ACTIONS_LISTED
        else:
            user, action, time_text = con.execute(
                "select user_id, action, time_text from parsed where reason = ? "
                "order by user_id nulls first, action nulls first, time_text nulls first limit 1",
                [reason],
            ).fetchall()[0]
            entry["example"] = {"user": user, "action": action, "time": time_text}
        report.rows_skipped[reason] = entry

    progress.set(phase="numbering the events")
    con.execute(
        """
        create temp table written as
        select
            user_id || ':' || row_number() over (
                partition by user_id
                order by sort_at, event_type, item_id nulls first, category_id nulls first, action, time_text
            ) as event_id,
            case
                when time_kind = 'iso_without_offset' then replace(cast(sort_at as varchar), ' ', 'T')
                else replace(cast(sort_at as varchar), ' ', 'T') || '+00:00'
            end as event_at,
            *
        from parsed
        where reason is null
        """
    )
    copies = {
        "events": """
            select event_id, event_at, user_id as anonymous_id, user_id as customer_id, event_type,
                item_id as product_id
            from written order by customer_id, sort_at, event_id""",
        "customers": """
            select
                user_id as customer_id,
                arg_min(event_at, (sort_at, event_id)) as signup_at,
                cast(null as varchar) as email,
                cast(null as varchar) as country,
                cast(null as varchar) as acquisition_channel
            from written group by 1 order by 1""",
        "orders": f"""
            select event_id as order_id, user_id as customer_id, event_at as ordered_at, 'completed' as status,
                cast(null as double) as order_amount, cast(null as varchar) as currency,
                case when item_id is not null then 1 end as item_count
            from written where event_type = {_literal(PURCHASE_EVENT)} order by order_id""",
        "order_items": f"""
            select event_id as order_id, item_id as product_id, category_id as category, 1 as quantity,
                cast(null as double) as unit_price
            from written where event_type = {_literal(PURCHASE_EVENT)} and item_id is not null order by order_id""",
    }
    for table, query in copies.items():
        folder = out / table
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "part-0.parquet"
        progress.set(phase=f"writing {table}")
        con.execute(f"copy ({query}) to {_literal(str(target))} (format parquet)")
        report.rows_written[table] = con.execute(
            f"select count(*) from read_parquet({_literal(str(target))})"
        ).fetchall()[0][0]
        progress.set_counts({table: report.rows_written[table]})
    progress.set(phase="")

    report.notes = {
        "users": report.rows_written["customers"],
        "events_by_type": dict(
            con.execute("select event_type, count(*) from written group by 1 order by 2 desc, 1").fetchall()
        ),
        "time_kinds": dict(con.execute("select time_kind, count(*) from written group by 1 order by 1").fetchall()),
        "users_with_no_written_event": con.execute(
            "select count(distinct user_id) from parsed where user_id is not null "
            "and user_id not in (select user_id from written)"
        ).fetchall()[0][0],
        "purchases_without_item": con.execute(
            f"select count(*) from written where event_type = {_literal(PURCHASE_EVENT)} and item_id is null"
        ).fetchall()[0][0],
        "prices": "none in this shape: order_amount and unit_price are null",
    }
