"""The "real-time" demo loop: append a day of generated data, rebuild, and say what changed.

    cj loop --days 1        (make loop)

It works on a copy of the bundled sample in warehouse/loop_raw (the committed
sample is never modified) and a warehouse of its own (warehouse/loop.duckdb).
Each round: the actions the warehouse recommends (activation.next_best_actions) are
sent on the next day through the generator's response model (a tenth held out
as the control), `cj synth --append-days` writes the day with their outcomes,
then an incremental `dbt build`, then a summary of new events and sessions,
customers whose segment or churn tier moved, and the actions recommended now.
Campaign outcomes are exported once their 7-day attribution window closes, so
the policy sees a round's results a week later.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from customer_journey.synth import generate, load_manifest

REPO = Path(__file__).resolve().parents[3]  # src/customer_journey/ops/loop.py
DESCRIPTION = __doc__.split("\n\n")[0]


def _snapshot(db: Path) -> dict:
    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {
            "events": con.execute("select count(*) from intermediate.int_events_cleaned").fetchall()[0][0],
            "sessions": con.execute("select count(*) from marts.fct_sessions").fetchall()[0][0],
            "segments": dict(con.execute("select customer_id, segment_name from ml.customer_segments").fetchall()),
            "tiers": dict(con.execute("select customer_id, risk_tier from ml.churn_predictions").fetchall()),
            "actions": dict(
                con.execute(
                    "select recommended_action_code, count(*) from activation.next_best_actions group by 1"
                ).fetchall()
            ),
        }
    finally:
        con.close()
    return out


def _moved(before: dict, after: dict) -> int:
    return sum(1 for k, v in after.items() if k in before and before[k] != v)


def recommended_plan(db: Path) -> dict[str, str]:
    """customer_id -> recommended action_code, from the warehouse's next_best_actions."""
    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select customer_id, recommended_action_code from activation.next_best_actions").fetchall()
    finally:
        con.close()
    return dict(rows)


def _build(raw: Path, db: Path) -> None:
    env = {
        **os.environ,
        "CJ_RAW_PATH": str(raw),
        "CJ_DUCKDB_PATH": str(db),
        "CJ_MODEL_DIR": str(db.parent / "loop_models"),
    }
    dbt = str(Path(sys.executable).with_name("dbt"))
    subprocess.run([dbt, "build", "--quiet"], cwd=REPO, env=env, check=True)


def run_round(raw: Path, db: Path, days: int, send_actions: bool = True) -> str:
    if not db.exists():
        _build(raw, db)  # the baseline the first round is compared with
    before = _snapshot(db)
    plan = recommended_plan(db) if send_actions else {}
    cfg = load_manifest(raw)
    generate(cfg, raw, append_days=days, quiet=True, plan=plan or None)
    started = time.time()
    _build(raw, db)
    seconds = time.time() - started
    after = _snapshot(db)
    lines = [
        f"appended {days} day(s): data now ends day {load_manifest(raw).windows[-1][1]}",
        f"  actions sent:      {len(plan):>8,} (the recommendations of the last build; a tenth held out)",
        f"  incremental build: {seconds:>8.1f} s",
        f"  new clean events:  {after['events'] - before.get('events', 0):>8,}",
        f"  new sessions:      {after['sessions'] - before.get('sessions', 0):>8,}",
        f"  segment moved:     {_moved(before.get('segments', {}), after['segments']):>8,} customers",
        f"  churn tier moved:  {_moved(before.get('tiers', {}), after['tiers']):>8,} customers",
        "  recommended now:   "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(after["actions"].items(), key=lambda kv: -kv[1])),
    ]
    return "\n".join(lines)


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--days", type=int, default=1, help="days to append per round")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--raw", type=Path, default=REPO / "warehouse" / "loop_raw")
    ap.add_argument("--db", type=Path, default=REPO / "warehouse" / "loop.duckdb")
    ap.add_argument("--reset", action="store_true", help="start again from a fresh copy of the sample")
    ap.add_argument("--no-send", action="store_true", help="do not send the recommended actions")


def run(args: argparse.Namespace) -> int:
    if args.reset and args.raw.exists():
        shutil.rmtree(args.raw)
        args.db.unlink(missing_ok=True)
    if not args.raw.exists():
        shutil.copytree(REPO / "data" / "sample", args.raw)
    for _ in range(args.rounds):
        print(run_round(args.raw, args.db, args.days, send_actions=not args.no_send), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`cj loop` as a function."""
    ap = argparse.ArgumentParser(prog="cj loop", description=DESCRIPTION)
    add_arguments(ap)
    return run(ap.parse_args(argv))
