"""The layout rules in dbt-bouncer.yml (run by `make lint`): staging -> intermediate -> marts -> ml
-> activation -> deprecated, no model reads a later layer, source() only in staging, layer names,
descriptions. A copy of the project with planted violations fails on exactly those violations (so the
project's own files pass)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DBT, REPO

BOUNCER = str(Path(sys.executable).with_name("dbt-bouncer"))
CONFIG = REPO / "dbt-bouncer.yml"
# what dbt needs to parse the project, and the bouncer config
PROJECT_PARTS = [
    "dbt_project.yml",
    "profiles.yml",
    "selectors.yml",
    "dbt-bouncer.yml",
    "models",
    "macros",
    "seeds",
    "tests/generic",
]

# a mart that reads an ML output (models/ml/segmentation/customer_segments.py): the kind of
# edge that put rpt_funnel at the bottom of the DAG before the layers were reordered
PLANTED_MART = "models/marts/journey/rpt_bad.sql"
# an intermediate model that reads a raw source and lacks the int_ prefix
PLANTED_INTERMEDIATE = "models/intermediate/events/sessions_from_raw.sql"
PLANTED_YAML = """
version: 2
models:
  - name: rpt_bad
    description: One row per customer; planted by test_layering, reads a later layer.
  - name: sessions_from_raw
    description: One row per raw event; planted by test_layering, reads a source outside staging.
"""


def _env(work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CJ_PII_SALT": "x",
        "CJ_DUCKDB_PATH": str(work / "warehouse.duckdb"),
        "CJ_DUCKDB_TEMP_DIR": str(work / "tmp"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "COLUMNS": "200",
    }


def _parse(project: Path, work: Path) -> None:
    """dbt parse `project` into work/target (the manifest dbt-bouncer reads)."""
    proc = subprocess.run(
        [DBT, "parse", "--quiet", "--project-dir", str(project), "--profiles-dir", str(project)]
        + ["--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        cwd=project,
        env=_env(work),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"dbt parse of {project} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"


def _bounce(config: Path, work: Path, checks: str | None = None) -> tuple[int, list[dict]]:
    """Run dbt-bouncer on work/target/manifest.json; return its exit code and its failed checks."""
    out = work / "bouncer.json"
    out.unlink(missing_ok=True)
    cmd = [BOUNCER, "run", "--config-file", str(config), "--output-file", str(out), "--output-format", "json"]
    if checks:
        cmd += ["--check", checks]
    # dbt-bouncer reads $DBT_PROJECT_DIR/target/manifest.json
    proc = subprocess.run(
        cmd, cwd=work, env={**_env(work), "DBT_PROJECT_DIR": str(work)}, capture_output=True, text=True, timeout=300
    )
    assert out.exists(), f"dbt-bouncer wrote no results:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    failed = [r for r in json.loads(out.read_text()) if r["outcome"] != "success"]
    return proc.returncode, failed


def _key(result: dict) -> tuple[str, str]:
    """(check name, resource name) from a check_run_id like `check_model_names:8:rpt_bad`."""
    name, _, resource = result["check_run_id"].split(":", 2)
    return name, resource


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """A copy of the project with the planted models, parsed; returns its work dir."""
    work = tmp_path_factory.mktemp("layering_planted")
    project = work / "project"
    for part in PROJECT_PARTS:
        src, dst = REPO / part, project / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy(src, dst)
    (project / PLANTED_MART).write_text("select * from {{ ref('customer_segments') }}\n")
    (project / PLANTED_INTERMEDIATE).write_text("select * from {{ source('raw', 'events') }}\n")
    (project / "models/marts/journey/_planted__models.yml").write_text(PLANTED_YAML)
    _parse(project, work)
    return work


def test_planted_violations_fail_and_name_the_model_and_the_later_layer(planted):
    # the copy fails on exactly the planted violations: the project's own files pass every rule
    # (`make lint` runs the same config on the project itself)
    returncode, failed = _bounce(CONFIG, planted)
    assert returncode != 0
    new = {_key(r): r for r in failed}
    assert len(new) == len(failed)
    assert set(new) == {
        ("check_lineage_permitted_upstream_models", "rpt_bad"),
        ("check_lineage_source_cannot_be_used", "sessions_from_raw"),
        ("check_model_names", "sessions_from_raw"),
    }, "\n".join(f"{k}: {r['failure_message']}" for k, r in new.items())

    layer = new[("check_lineage_permitted_upstream_models", "rpt_bad")]
    assert layer["file_path"] == PLANTED_MART
    message = layer["failure_message"]
    assert "`rpt_bad`" in message and "customer_segments" in message and "models/ml" in message, message
    assert "sessions_from_raw" in new[("check_lineage_source_cannot_be_used", "sessions_from_raw")]["failure_message"]
    assert "^int_" in new[("check_model_names", "sessions_from_raw")]["failure_message"]

    # the layer rule alone fails on the copy with rpt_bad only
    only = "check_lineage_permitted_upstream_models"
    returncode, failed = _bounce(CONFIG, planted, only)
    assert returncode != 0 and [_key(r) for r in failed] == [(only, "rpt_bad")]
