"""`cj synth`: the generator's command line."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pyarrow.parquet as pq

from customer_journey.synth.config import SynthConfig, load_manifest
from customer_journey.synth.generate import force_clean, generate
from customer_journey.synth.marketing import read_plan
from customer_journey.synth.schemas import RAW_TABLES
from customer_journey.synth.shapes import DEFAULT_SHAPE, SHAPES

DESCRIPTION = "Synthetic customer-journey generator: writes the raw tables as Parquet."


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--shape",
        choices=tuple(SHAPES),
        default=None,
        help="data-shape regime: "
        # argparse formats help with %: a summary's "97 %" must be escaped
        + "; ".join(f"{s.name}: {s.summary}" for s in SHAPES.values()).replace("%", "%%")
        + f". Without --shape: {DEFAULT_SHAPE} (with --append-days: the data set's own shape).",
    )
    ap.add_argument(
        "--customers",
        type=_positive,
        default=None,
        help="signed-up customers, anonymous visitors come on top (default: the shape's, 3000 unless it says otherwise)",
    )
    ap.add_argument(
        "--days",
        type=_positive,
        default=None,
        help="days of history from --start (default: the shape's, 120 unless it says otherwise)",
    )
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--start", default="2025-06-01", help="first day (UTC), YYYY-MM-DD")
    ap.add_argument("--out", required=True, type=Path, help="output folder: one sub-folder per raw table")
    ap.add_argument("--append-days", type=int, default=None, help="add the next K days to the data set in --out")
    ap.add_argument(
        "--plan",
        type=Path,
        default=None,
        help="with --append-days: CSV or Parquet of customer_id, action_code to send on the first appended day",
    )
    ap.add_argument("--dirt-rate", type=float, default=0.01, help="share of rows per table made dirty")
    ap.add_argument(
        "--late-rate", type=float, default=0.02, help="share of a window's last days' events that arrive late"
    )
    ap.add_argument("--visitors-ratio", type=float, default=0.5, help="anonymous-only visitors per customer")
    ap.add_argument("--shared-device-rate", type=float, default=0.02)
    ap.add_argument(
        "--bot-share",
        type=float,
        default=0.01,
        help="bots planted among the visitors, as a share of customers + visitors (0: none; _truth/bots.parquet)",
    )
    ap.add_argument("--chunk-size", type=int, default=20_000, help="entities per chunk (bounds memory)")
    ap.add_argument("--force", action="store_true", help="delete the raw tables, _truth and _pending in --out first")
    ap.add_argument("--quiet", action="store_true", help="no progress line on stderr (stdout's JSON summary stays)")


def run(args: argparse.Namespace) -> int:
    if args.force and args.append_days is None:
        force_clean(args.out)
    if args.append_days is not None:
        _check_appended_shape(args)
    cfg = SynthConfig(
        shape=args.shape or DEFAULT_SHAPE,
        customers=args.customers or 0,
        days=args.days or 0,
        seed=args.seed,
        start=args.start,
        visitors_ratio=args.visitors_ratio,
        dirt_rate=args.dirt_rate,
        late_rate=args.late_rate,
        shared_device_rate=args.shared_device_rate,
        bot_share=args.bot_share,
        chunk_size=args.chunk_size,
    )
    started = time.time()
    plan = read_plan(args.plan) if args.plan else None
    cfg = generate(cfg, args.out, append_days=args.append_days, quiet=args.quiet, plan=plan)
    counts = {
        t: pq.ParquetDataset(args.out / t).read(columns=[]).num_rows for t in RAW_TABLES if (args.out / t).exists()
    }
    print(
        json.dumps(
            {"out": str(args.out), "windows": cfg.windows, "rows": counts, "seconds": round(time.time() - started, 1)}
        )
    )
    return 0


def _check_appended_shape(args: argparse.Namespace) -> None:
    """--append-days continues the data set's own shape: a different --shape is a mistake."""
    if args.shape is None:
        return
    existing = load_manifest(args.out).shape
    if args.shape != existing:
        raise SystemExit(
            f"--shape {args.shape}: the data set in {args.out} has shape {existing!r}; --append-days keeps it"
        )


def main(argv: list[str] | None = None, prog: str = "cj synth") -> int:
    ap = argparse.ArgumentParser(prog=prog, description=DESCRIPTION)
    add_arguments(ap)
    return run(ap.parse_args(argv))
