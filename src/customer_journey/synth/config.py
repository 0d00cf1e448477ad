"""The generator's settings, and the manifest that keeps them beside a data set."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

from customer_journey.synth.shapes import DEFAULT_SHAPE, Shape, get_shape

SECONDS_PER_DAY = 86_400.0


@dataclass
class SynthConfig:
    # 0: the shape's default (3,000 customers and 120 days unless the shape says otherwise)
    customers: int = 0
    days: int = 0
    seed: int = 42
    start: str = "2025-06-01"
    visitors_ratio: float = 0.5
    dirt_rate: float = 0.01
    late_rate: float = 0.02
    late_days: int = 3
    shared_device_rate: float = 0.02
    # bots planted among the anonymous visitors, as a share of the entities (customers + visitors);
    # 0 turns them off (synth.bots; _truth/bots.parquet says which)
    bot_share: float = 0.01
    chunk_size: int = 20_000
    # [first day, end day) of every window generated so far
    windows: list[list[int]] = field(default_factory=list)
    # the data-shape regime (shapes.SHAPES); a manifest written before shapes existed is the default
    shape: str = DEFAULT_SHAPE

    def __post_init__(self) -> None:
        shape = get_shape(self.shape)
        self.customers = self.customers or shape.customers
        self.days = self.days or shape.days

    @property
    def regime(self) -> Shape:
        return get_shape(self.shape)

    @property
    def visitors(self) -> int:
        return int(round(self.customers * self.visitors_ratio))

    @property
    def epoch(self) -> int:
        """Seconds since 1970-01-01 of day 0 (the start date, UTC)."""
        return utc_epoch(self.start)


def utc_epoch(start: str) -> int:
    d = date.fromisoformat(start)
    return int((datetime(d.year, d.month, d.day) - datetime(1970, 1, 1)).total_seconds())


def manifest_path(out: Path) -> Path:
    return out / "_truth" / "manifest.json"


def load_manifest(out: Path) -> SynthConfig:
    """The settings (and windows) of the data set in `out`, as the last run wrote them."""
    path = manifest_path(out)
    if not path.exists():
        raise SystemExit(f"--append-days: {path} not found; generate a data set into {out} first")
    settings = json.loads(path.read_text())
    # a data set generated before bots existed has none: appended days add none either
    settings.setdefault("bot_share", 0.0)
    return SynthConfig(**settings)


def write_manifest(cfg: SynthConfig, out: Path) -> None:
    manifest_path(out).write_text(json.dumps(asdict(cfg), indent=2))
