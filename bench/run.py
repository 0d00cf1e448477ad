"""Benchmark: how the full build's time and memory grow with data.

    python bench/run.py --sizes 10000 100000          (make bench)

For each size (customers; about 50-75 events each), generate the data once
(cached in bench/data/<customers>-<seed>), run a full `dbt build` into a fresh
warehouse, then append one day and build again (incremental). Records wall
time, peak RSS of the dbt process tree's largest process, the DuckDB file size,
per-model execution times (target/run_results.json) and rows per mart.

Then the comparison: the dbt models behind fct_sessions and dim_customer_features
(`dbt run --selector sessions_and_features --full-refresh`, selectors.yml) against
the hand-written single-script floor (bench/floor.sql, same DuckDB threads and
memory limit) and the pandas peer (bench/pandas_peer.py, up to --pandas-max
customers). Writes bench/results/<timestamp>.json and prints a summary.

On a terminal, a progress line on stderr shows the size, the step and the elapsed time, and each
step's time stays above it; `--quiet`, or no terminal, leaves only the summary (CJ_PROGRESS=1 forces
the progress lines, see customer_journey.progress).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from customer_journey.progress import Progress
from customer_journey.progress import seconds as duration

REPO = Path(__file__).resolve().parents[1]
MARTS = [
    "fct_sessions",
    "fct_customer_journeys",
    "dim_customer_features",
    "fct_customer_feature_snapshots",
    "rpt_funnel",
]


def _generate(customers: int, seed: int, days: int) -> Path:
    out = REPO / "bench" / "data" / f"{customers}-{seed}-{days}"
    if not (out / "_truth" / "manifest.json").exists():
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "customer_journey.synth",
                "--customers",
                str(customers),
                "--days",
                str(days),
                "--seed",
                str(seed),
                "--out",
                str(out),
                "--quiet",
            ],
            check=True,
        )
    return out


def _commit() -> str | None:
    """The commit measured (`git describe --dirty`), or None outside a git checkout."""
    try:
        with subprocess.Popen(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        ) as git:
            described = git.communicate()[0].strip()
    except OSError:
        return None
    return described if git.returncode == 0 and described else None


def _env(raw: Path, work: Path) -> dict:
    return {
        **os.environ,
        "CJ_RAW_PATH": str(raw),
        "CJ_DUCKDB_PATH": str(work / "warehouse.duckdb"),
        "CJ_DUCKDB_TEMP_DIR": str(work / "tmp"),
        "CJ_MODEL_DIR": str(work / "models"),
        "CJ_PII_SALT": os.environ.get("CJ_PII_SALT") or "bench-salt-0123456789",
    }


def _build(raw: Path, work: Path, label: str) -> dict:
    env = _env(raw, work)
    dbt = str(Path(sys.executable).with_name("dbt"))
    started = time.perf_counter()
    proc = subprocess.run(
        # as in production: dbt's unit tests check the SQL on fixed inputs, not the data, and run in CI
        # (make test), so the measured builds leave them out
        [
            dbt,
            "build",
            "--quiet",
            "--exclude-resource-type",
            "unit_test",
            "--target-path",
            str(work / f"target-{label}"),
            "--log-path",
            str(work / "logs"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"dbt build failed ({label}):\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    results = json.loads((work / f"target-{label}" / "run_results.json").read_text())
    models = {
        r["unique_id"].split(".")[-1]: round(r["execution_time"], 2)
        for r in results["results"]
        if r["unique_id"].startswith("model.")
    }
    # data tests: in an incremental build those on incremental models read only the newest batch
    tests = sum(r["execution_time"] for r in results["results"] if r["unique_id"].startswith("test."))
    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    rows = {m: con.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in MARTS}
    events = con.execute("select count(*) from staging.stg_raw__events").fetchone()[0]
    con.close()
    return {
        "wall_seconds": round(wall, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "duckdb_file_mib": round((work / "warehouse.duckdb").stat().st_size / 2**20),
        "raw_events": events,
        "rows": rows,
        "model_seconds": models,
        "test_seconds": round(tests, 1),
    }


@contextmanager
def _step(progress: Progress, customers: int, name: str) -> Iterator[None]:
    """One step of one size: shown on the progress line while it runs, its time logged when it ends."""
    progress.set(phase=f"{customers:,} customers: {name}")
    started = time.perf_counter()
    yield
    progress.log(f"  {customers:>9,} customers  {name:<34} {duration(time.perf_counter() - started):>8}")


def _compare(raw: Path, work: Path, pandas_max: int, customers: int, progress: Progress) -> dict:
    """Seconds for the same core outputs: dbt's models, the hand-written floor, pandas."""
    dbt = str(Path(sys.executable).with_name("dbt"))
    progress.set(phase=f"{customers:,} customers: compare, dbt sessions + features")
    started = time.perf_counter()
    subprocess.run(
        [
            dbt,
            "run",
            "--quiet",
            "--selector",
            "sessions_and_features",
            "--full-refresh",
            "--target-path",
            str(work / "target-compare"),
            "--log-path",
            str(work / "logs"),
        ],
        cwd=REPO,
        env=_env(raw, work),
        check=True,
    )
    dbt_seconds = time.perf_counter() - started

    progress.set(phase=f"{customers:,} customers: compare, the floor")
    script = (REPO / "bench" / "floor.sql").read_text()
    script = script.replace("{raw}", str(raw)).replace("{taxonomy}", str(REPO / "seeds" / "event_taxonomy.csv"))
    floor_db = work / "floor.duckdb"
    floor_db.unlink(missing_ok=True)
    con = duckdb.connect(str(floor_db))
    con.execute(f"set threads = {os.environ.get('CJ_DUCKDB_THREADS', '2')}")
    con.execute(f"set memory_limit = '{os.environ.get('CJ_DUCKDB_MEMORY_LIMIT', '5GB')}'")
    con.execute(f"set temp_directory = '{work / 'tmp'}'")
    con.execute("set preserve_insertion_order = false")
    con.execute("set TimeZone = 'UTC'")
    started = time.perf_counter()
    con.execute(script)
    floor_seconds = time.perf_counter() - started
    floor_rows = con.execute("select count(*) from floor_customer_features").fetchone()[0]
    floor_sessions = con.execute("select count(*) from floor_sessions").fetchone()[0]
    con.close()

    pandas_seconds = None
    if customers <= pandas_max:
        sys.path.insert(0, str(REPO / "bench"))
        from pandas_peer import dim_customer_features

        progress.set(phase=f"{customers:,} customers: compare, pandas")
        started = time.perf_counter()
        pandas_rows = len(dim_customer_features(raw))
        pandas_seconds = time.perf_counter() - started
        if pandas_rows != floor_rows:
            progress.echo(f"  note: pandas made {pandas_rows:,} feature rows, the floor {floor_rows:,}")
    return {
        "dbt_seconds": round(dbt_seconds, 1),
        "floor_seconds": round(floor_seconds, 1),
        "pandas_seconds": None if pandas_seconds is None else round(pandas_seconds, 1),
        "dbt_to_floor": round(dbt_seconds / floor_seconds, 2),
        "pandas_to_floor": None if pandas_seconds is None else round(pandas_seconds / floor_seconds, 2),
        "floor_feature_rows": floor_rows,
        "floor_sessions": floor_sessions,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--pandas-max", type=int, default=200_000, help="largest size the pandas peer runs at (memory)")
    ap.add_argument("--no-compare", action="store_true", help="skip the floor / pandas comparison")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr (the summary is still printed)")
    args = ap.parse_args(argv)
    # no ETA: each size takes several times as long as the one before
    progress = Progress("bench", total=len(args.sizes), unit="sizes", eta=False, quiet=args.quiet)
    with progress, progress.ticking():
        return _run(args, progress)


def _run(args: argparse.Namespace, progress: Progress) -> int:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    runs = []
    for size in args.sizes:
        with _step(progress, size, "generate (or reuse the cached data)"):
            raw = _generate(size, args.seed, args.days)
        work = REPO / "bench" / "data" / f"work-{size}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        # the append happens on a copy, so the cached data set stays as generated
        copy = work / "raw"
        with _step(progress, size, "copy the raw data"):
            shutil.copytree(raw, copy)
        with _step(progress, size, "full build"):
            full = _build(copy, work, "full")
        with _step(progress, size, "append one day"):
            subprocess.run(
                [sys.executable, "-m", "customer_journey.synth", "--append-days", "1", "--out", str(copy), "--quiet"],
                check=True,
            )
        # a scheduled daily build keeps its target directory: it reuses the parse of the unchanged
        # project (dbt's partial_parse.msgpack) instead of parsing all of it again (14 s here)
        parsed = work / "target-full" / "partial_parse.msgpack"
        if parsed.exists():
            (work / "target-after-one-day").mkdir(exist_ok=True)
            shutil.copy2(parsed, work / "target-after-one-day")
        with _step(progress, size, "build after one day"):
            after_day = _build(copy, work, "after-one-day")
        run = {"customers": size, "full": full, "after_one_day": after_day}
        progress.echo(
            f"{size:>9,} customers  {full['raw_events']:>11,} events  full build {full['wall_seconds']:>7.1f} s  "
            f"peak RSS {full['peak_rss_mib']:>6,} MiB  file {full['duckdb_file_mib']:>5,} MiB  "
            f"after one day {after_day['wall_seconds']:>7.1f} s "
            f"({100 * after_day['wall_seconds'] / full['wall_seconds']:.0f} %)"
        )
        if not args.no_compare:
            with _step(progress, size, "compare with the floor and pandas"):
                run["compare"] = c = _compare(copy, work, args.pandas_max, size, progress)
            pandas = (
                "not run" if c["pandas_seconds"] is None else f"{c['pandas_seconds']:.1f} s ({c['pandas_to_floor']}x)"
            )
            progress.echo(
                f"{'':>11}sessions + features: dbt {c['dbt_seconds']:.1f} s ({c['dbt_to_floor']}x the floor), "
                f"floor {c['floor_seconds']:.1f} s, pandas {pandas}"
            )
        runs.append(run)
        progress.set(phase="", done=len(runs))
    progress.finish()
    out = REPO / "bench" / "results" / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({"machine": machine, "commit": _commit(), "runs": runs}, indent=2))
    print("\nslowest models at the largest size:")
    for name, seconds in sorted(runs[-1]["full"]["model_seconds"].items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {name:32s} {seconds:7.1f} s")
    print(f"results: {out.relative_to(REPO)}  ({machine})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
