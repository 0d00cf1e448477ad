"""Shared fixtures: small generated data sets and dbt builds on them.

Every dbt run here writes its warehouse, target and logs under pytest's
temporary directory, never into the repository's warehouse/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from customer_journey.synth import SynthConfig, generate

REPO = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))

# the end-to-end data set: big enough for rates to be measurable, small enough for CI
E2E_CUSTOMERS = 2_000
E2E_DAYS = 150
E2E_DIRT_RATE = 0.02


@dataclass
class DbtResult:
    returncode: int
    output: str


def run_dbt(
    args: list[str],
    raw_path: Path,
    work: Path,
    extra_env: dict[str, str] | None = None,
    with_unit_tests: bool = False,
) -> DbtResult:
    """Run dbt in the repo against `raw_path`, with the warehouse, target and logs under `work`.

    A `build` leaves dbt's unit tests out unless `with_unit_tests`: they test the SQL on fixed
    inputs, not the data, so the e2e build runs them once and the other builds skip them."""
    work.mkdir(parents=True, exist_ok=True)
    if args[:1] == ["build"] and not with_unit_tests and "unit_test" not in " ".join(args):
        args = [*args, "--exclude-resource-type", "unit_test"]
    env = {
        **os.environ,
        "CJ_RAW_PATH": str(raw_path),
        "CJ_DUCKDB_PATH": str(work / "warehouse.duckdb"),
        "CJ_DUCKDB_TEMP_DIR": str(work / "tmp"),
        "CJ_MODEL_DIR": str(work / "models"),
        "CJ_ASSETS_DIR": str(work / "assets"),
        "CJ_PII_SALT": os.environ.get("CJ_PII_SALT") or "test-salt-0123456789",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **(extra_env or {}),
    }
    proc = subprocess.run(
        [DBT, *args, "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return DbtResult(proc.returncode, proc.stdout + proc.stderr)


def make_dataset(out: Path, **kwargs) -> SynthConfig:
    cfg = SynthConfig(**kwargs)
    generate(cfg, out, quiet=True)
    return cfg


@pytest.fixture(scope="session")
def e2e_data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("e2e") / "raw"
    make_dataset(out, customers=E2E_CUSTOMERS, days=E2E_DAYS, seed=7, dirt_rate=E2E_DIRT_RATE)
    return out


@pytest.fixture(scope="session")
def e2e_warehouse(e2e_data, tmp_path_factory) -> Path:
    """A full `dbt build` (models, seeds, data and unit tests) on freshly generated data."""
    work = tmp_path_factory.mktemp("e2e_build")
    result = run_dbt(["build"], e2e_data, work, with_unit_tests=True)
    assert result.returncode == 0, result.output[-6000:]
    assert "WARN=0" in result.output, result.output[-6000:]
    return work / "warehouse.duckdb"


@pytest.fixture()
def db(e2e_warehouse):
    con = duckdb.connect(str(e2e_warehouse), read_only=True)
    yield con
    con.close()


def copy_dataset(src: Path, dst: Path, tables: list[str] | None = None) -> Path:
    """Copy a generated data set (all raw tables, or only `tables`)."""
    dst.mkdir(parents=True, exist_ok=True)
    for child in src.iterdir():
        if child.is_dir() and (tables is None or child.name in tables or child.name.startswith("_")):
            shutil.copytree(child, dst / child.name)
    return dst
