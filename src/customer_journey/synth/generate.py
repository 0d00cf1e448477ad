"""Generate a data set, or extend one by `--append-days`: the windows, chunks and their spooling."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa

from customer_journey.progress import Progress
from customer_journey.synth.bots import BOT_CHUNK, plant, planted_events, write_bots_truth
from customer_journey.synth.chunk import generate_chunk
from customer_journey.synth.config import SynthConfig, load_manifest, write_manifest
from customer_journey.synth.customers import generate_customers
from customer_journey.synth.dirt import inject_dirt
from customer_journey.synth.latent import Latent, draw_latent
from customer_journey.synth.marketing import Plan, plan_arrays
from customer_journey.synth.schemas import RAW_TABLES
from customer_journey.synth.spend import draw_spend
from customer_journey.synth.spool import (
    PENDING_COLUMNS,
    PartWriter,
    conform,
    hold_pending,
    late_mask,
    release_pending,
)
from customer_journey.synth.truth import DirtLog, write_truth


def generate(
    cfg: SynthConfig,
    out: Path,
    append_days: int | None = None,
    quiet: bool = False,
    plan: dict[str, str] | None = None,
) -> SynthConfig:
    """Generate (or, with append_days, extend) a data set in `out`; return the manifest.

    `plan` (append only): customer_id -> action_code to send on the first appended day, e.g. the
    warehouse's next_best_actions; outcomes follow the generator's response model.
    """
    out = Path(out)
    if plan and append_days is None:
        raise SystemExit("a plan of actions needs --append-days: actions are sent on the first appended day")
    cfg, d0, d1 = _window(cfg, out, append_days)
    if plan and not cfg.regime.writes("marketing_actions"):
        raise SystemExit(f"a plan of actions needs a marketing_actions table, which shape {cfg.shape!r} does not write")
    progress = Progress(f"synth d{d0:05d}-{d1:05d}", unit="chunks", quiet=quiet)
    progress.set(phase="drawing the population")
    lat = draw_latent(cfg)
    plan_entities = plan_arrays(plan, lat) if plan else None
    tag = f"d{d0:05d}-{d1:05d}"
    writer = PartWriter(out, tag)
    dirt_log = DirtLog()
    if append_days is None:
        _write_customers(cfg, lat, out, writer, dirt_log, np.random.default_rng([cfg.seed, 7, d0]))
    n = len(lat.persona)
    n_chunks = max(1, -(-n // cfg.chunk_size))
    progress.total = n_chunks
    for chunk in range(n_chunks):
        _write_chunk(cfg, lat, out, writer, dirt_log, chunk, d0, d1, plan_entities)
        progress.set(phase="", done=chunk + 1, rows=writer.rows, files=writer.files, bytes=writer.bytes)
    if cfg.regime.writes("marketing_spend"):
        writer.write("marketing_spend", 0, draw_spend(cfg, d0, d1))
    if cfg.regime.writes("events"):
        # bots and heavy humans: random streams of their own, after every person's rows
        planted = plant(cfg)
        if append_days is None:
            write_bots_truth(planted, out / "_truth")
        writer.write("events", BOT_CHUNK, planted_events(cfg, planted, d0, d1))
    dirt_log.write(out, tag)
    cfg.windows = [*cfg.windows, [d0, d1]]
    write_manifest(cfg, out)
    progress.set(rows=writer.rows, files=writer.files, bytes=writer.bytes)
    progress.finish()
    return cfg


def _window(cfg: SynthConfig, out: Path, append_days: int | None) -> tuple[SynthConfig, int, int]:
    """The settings and the [d0, d1) days to generate: the first window of a new data set, or the
    `append_days` after the last window of the one in `out` (whose manifest's settings win)."""
    if append_days is not None:
        if append_days < 1:
            raise SystemExit("--append-days must be at least 1")
        cfg = load_manifest(out)
        d0 = cfg.windows[-1][1]
        return cfg, d0, d0 + append_days
    existing = [t for t in RAW_TABLES if (out / t).exists()] + [x for x in ("_truth", "_pending") if (out / x).exists()]
    if existing:
        raise SystemExit(
            f"{out} already holds {', '.join(existing)}: remove them (or pass --force) to regenerate, "
            "or use --append-days to extend"
        )
    return cfg, 0, cfg.days


def _write_customers(
    cfg: SynthConfig, lat: Latent, out: Path, writer: PartWriter, dirt_log: DirtLog, rng: np.random.Generator
) -> None:
    """The customers table (with its dirt) and the ground truth: once, with the first window."""
    customers, _, kinds = inject_dirt(
        "customers",
        generate_customers(cfg, lat),
        np.zeros(cfg.customers),
        cfg.dirt_rate,
        rng,
        cfg.regime.dirt_kinds("customers"),
    )
    dirt_log.record("customers", customers, kinds, np.zeros(len(kinds), dtype=bool))
    writer.write("customers", 0, customers)
    write_truth(cfg, lat, out)


def _write_chunk(
    cfg: SynthConfig,
    lat: Latent,
    out: Path,
    writer: PartWriter,
    dirt_log: DirtLog,
    chunk: int,
    d0: int,
    d1: int,
    plan: Plan | None,
) -> None:
    """Generate a chunk's tables, dirty them, hold back late events, and write what is due in the
    window (with the rows the previous window held back) and spool the rest."""
    lo, hi = chunk * cfg.chunk_size, min(len(lat.persona), (chunk + 1) * cfg.chunk_size)
    produced = generate_chunk(cfg, lat, chunk, lo, hi, d0, d1, plan)
    rng = np.random.default_rng([cfg.seed, 8, chunk, d0])
    for table, (data, due) in produced.items():
        data, due, kinds = inject_dirt(table, data, due, cfg.dirt_rate, rng, cfg.regime.dirt_kinds(table))
        late = np.zeros(len(due), dtype=bool)
        if table == "events":
            # late arrivals: a share of the window's last days is held back until the next append
            late = late_mask(data, due, d1, cfg, rng)
            due = np.where(late, d1, due)
        held = release_pending(out, table, chunk)
        if held is not None:
            due = np.concatenate([held.column("_due").to_numpy(), due])
            kinds = np.concatenate([np.array(held.column("_dirt").to_pylist(), dtype=object), kinds])
            late = np.concatenate([held.column("_late").to_numpy(zero_copy_only=False), late])
            data = pa.concat_tables([conform(held.drop_columns(PENDING_COLUMNS), data.schema), data])
        now = due < d1
        written = data.filter(pa.array(now))
        writer.write(table, chunk, written)
        dirt_log.record(table, written, kinds[now], late[now])
        hold_pending(out, table, chunk, data.filter(pa.array(~now)), due[~now], kinds[~now], late[~now])


def force_clean(out: Path) -> None:
    """Delete the raw tables, _truth and _pending in `out` (other files stay)."""
    for name in (*RAW_TABLES, "_truth", "_pending"):
        target = out / name
        if target.exists():
            shutil.rmtree(target)
