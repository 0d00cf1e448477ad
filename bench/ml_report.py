"""The ML layer's honesty report: per data set and target, the champion against every baseline.

    python bench/ml_report.py                 (make ml-report)

Generates (cached in bench/data/) the default data set (10,000 customers x 150 days) and one data set
per generator shape (marketplace, event_log, orders_only, tiny), runs a full `dbt build` on each into a
fresh warehouse, and reads back what the warehouse itself recorded: the time anchors
(int_data_calendar), each target's training status, the validation metrics of every candidate and
baseline (model_metrics: out of time, on customers never trained on), the champion, and the
segmentation run's status. Writes bench/results/ml_report_<timestamp>.json and prints a summary table.
Nothing here is computed by the report: it only reads tables.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from run import _env as bench_env  # bench/run.py: this folder is on sys.path when run as a script

REPO = Path(__file__).resolve().parents[1]
# name -> generator settings (customers and days 0: the shape's default)
DATA_SETS = {
    "default": {"shape": "default", "customers": 10_000, "days": 150},
    "marketplace": {"shape": "marketplace", "customers": 3_000, "days": 200},
    "event_log": {"shape": "event_log", "customers": 3_000, "days": 0},
    "orders_only": {"shape": "orders_only", "customers": 2_000, "days": 540},
    "tiny": {"shape": "tiny", "customers": 0, "days": 90},
}
SEED = 42


def _generate(name: str, settings: dict) -> Path:
    out = REPO / "bench" / "data" / f"ml-{name}-{settings['customers']}-{settings['days']}-{SEED}"
    if not (out / "_truth" / "manifest.json").exists():
        from customer_journey.synth import SynthConfig, generate

        config = SynthConfig(shape=settings["shape"], customers=settings["customers"], days=settings["days"], seed=SEED)
        generate(config, out, quiet=True)
    return out


def _build(raw: Path, work: Path) -> float:
    # the benchmark's environment (bench/run.py), with the plots kept in the work folder too
    env = {**bench_env(raw, work), "CJ_ASSETS_DIR": str(work / "assets")}
    dbt = str(Path(sys.executable).with_name("dbt"))
    started = time.perf_counter()
    proc = subprocess.run(
        [dbt, "build", "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"dbt build failed on {raw}:\n{proc.stdout[-4000:]}{proc.stderr[-2000:]}")
    return round(time.perf_counter() - started, 1)


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    frame = con.execute(sql).df()
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def read_report(warehouse: Path) -> dict:
    """What the warehouse recorded about its ML layer (tables only)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            "time_anchors": _records(con, "select * from intermediate.int_data_calendar")[0],
            "training_status": _records(con, "select * from ml.model_training_status order by target"),
            "validation": _records(
                con,
                """
                select target, algorithm, is_champion, roc_auc, pr_auc, rows, base_rate
                from ml.model_metrics
                where split = 'validation'
                    and trained_at = (select max(trained_at) from ml.model_metrics)
                order by target, roc_auc desc
                """,
            ),
            "segmentation": _records(
                con, "select * exclude (feature_list) from ml.segmentation_runs order by run_at desc limit 1"
            ),
            "segments": _records(
                con,
                "select segment_name, count(*) as customers from ml.customer_segments group by 1 order by 2 desc",
            ),
            "selected_features": [
                name
                for (name,) in con.execute(
                    "select feature_name from ml.feature_importance where is_selected order by importance_rank"
                ).fetchall()
            ],
        }
    finally:
        con.close()


def summary(name: str, report: dict) -> list[str]:
    """Markdown rows: data set, target, champion (AUC), best baseline (AUC), margin, status."""
    lines = []
    statuses = {row["target"]: row for row in report["training_status"]}
    for target in ("churn", "purchase"):
        rows = [r for r in report["validation"] if r["target"] == target]
        status = statuses.get(target, {})
        champion = next((r for r in rows if r["is_champion"]), None)
        baselines = [r for r in rows if str(r["algorithm"]).startswith("baseline_")]
        best = max(baselines, key=lambda r: r["roc_auc"] or 0.0, default=None)
        fmt = "{:.3f}".format
        lines.append(
            f"| {name} | {target} | "
            + (f"{champion['algorithm']} {fmt(champion['roc_auc'])}" if champion else "none")
            + " | "
            + (f"{best['algorithm']} {fmt(best['roc_auc'])}" if best else "none")
            + " | "
            + (
                f"{champion['roc_auc'] - best['roc_auc']:+.3f}"
                if champion and best and champion["roc_auc"] is not None
                else ""
            )
            + f" | {status.get('training_status', '')}: {status.get('status_reason', '')} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-sets", nargs="*", default=list(DATA_SETS), choices=list(DATA_SETS))
    args = parser.parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results: dict = {"started_at": stamp, "data_sets": {}}
    lines = [
        "| data | target | champion (val. AUC) | best baseline (val. AUC) | margin | status |",
        "|---|---|---|---|---|---|",
    ]
    for name in args.data_sets:
        settings = DATA_SETS[name]
        raw = _generate(name, settings)
        work = REPO / "bench" / "data" / f"ml-work-{name}"
        subprocess.run(["rm", "-rf", str(work)], check=True)
        seconds = _build(raw, work)
        report = read_report(work / "warehouse.duckdb")
        results["data_sets"][name] = {"settings": settings, "build_seconds": seconds, **report}
        lines.extend(summary(name, report))
        print("\n".join(lines[-2:]), flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    results["commit"] = commit.stdout.strip()
    out = REPO / "bench" / "results" / f"ml_report_{stamp}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print("\n".join(lines))
    print(f"\nwritten: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
