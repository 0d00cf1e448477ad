"""The Dagster definitions: the dbt project as assets, the raw-folder sensor, the weekly retrain, publish.

    make orchestrate        dagster dev -m customer_journey.orchestration.definitions (127.0.0.1:3030)

- **Assets**: every dbt model, seed and snapshot of the project is an asset (`@dbt_assets` over the
  manifest), its dbt tests asset checks; the raw sources are the graph's roots, so the UI shows the
  lineage raw -> staging -> intermediate -> marts -> ml -> activation. One more asset,
  `published_warehouse`, downstream of the marts, ml and activation models, is the BI copy
  (customer_journey.ops.publish).
- **Job** `build_warehouse`: one `dbt build` (incremental: only new events are processed), then
  publish. Publish is a step after the dbt step, so a failed build (a model or a test erroring)
  skips it; `publish` itself also refuses a warehouse whose last build did not succeed.
- **Sensor** `raw_files_sensor`: watches the raw folder and requests one `build_warehouse` run per
  stable change set (customer_journey.orchestration.fingerprints); the change set counts as built
  when that run succeeds, and a failed run is requested again (up to three runs of the same files).
- **Schedule** `weekly_retrain`: Mondays 03:00 UTC, `dbt build --vars '{retrain: always}'`.
- **One build at a time**: dbt takes the warehouse's build lock (customer_journey.warehouse_session);
  the sensor skips its tick while another process holds it (the change set stays pending), and the
  dbt step waits for the lock instead of failing; the Dagster instance of `make orchestrate` runs
  at most one run at a time (dagster.yaml beside this file: the queue holds the others).

The warehouse environment comes from the process environment, as for `dbt build`: CJ_RAW_PATH,
CJ_DUCKDB_PATH, CJ_PII_SALT, CJ_DUCKDB_TEMP_DIR, CJ_MODEL_DIR, CJ_ASSETS_DIR, ... (README,
"Environment"); relative paths are taken from the project directory.
"""

import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from customer_journey.ops.publish import SCHEMAS, publish
from customer_journey.orchestration import fingerprints

REPO = Path(__file__).resolve().parents[3]  # src/customer_journey/orchestration/definitions.py
DBT_STEP = "warehouse"  # the name of the dbt op (run config: ops.warehouse.config)
RETRAIN_CRON = "0 3 * * 1"  # Mondays, 03:00 UTC
SENSOR_INTERVAL = int(os.environ.get("CJ_SENSOR_INTERVAL_SECONDS", "30"))
REQUEST_TAG = "customer_journey/request"  # the sensor request a run answers (its run key)
LOCK_WAIT = float(os.environ.get("CJ_LOCK_WAIT_SECONDS", "3600"))


def _from_repo(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else REPO / path


def raw_path() -> Path:
    """The raw folder the build reads: $CJ_RAW_PATH, else the bundled sample (dbt var raw_path)."""
    return _from_repo(os.environ.get("CJ_RAW_PATH", "data/sample"))


def warehouse_path() -> Path:
    return _from_repo(os.environ.get("CJ_DUCKDB_PATH", "warehouse/customer_journey.duckdb"))


def published_path() -> Path:
    """Where publish writes the BI copy: bi/<name> beside the warehouse (`make publish`'s default)."""
    database = warehouse_path()
    return database.parent / "bi" / database.name


class BuildConfig(dg.Config):
    """Run configuration of the dbt step (Launchpad: ops.warehouse.config)."""

    retrain: str = "auto"  # dbt var `retrain`: auto, always or never
    full_refresh: bool = False


def dbt_build_args(config: BuildConfig, unit_tests: bool = True) -> list[str]:
    """The `dbt build` arguments of a run (Dagster adds the asset selection)."""
    if config.retrain not in ("auto", "always", "never"):
        raise dg.Failure(f"retrain must be auto, always or never, not {config.retrain!r}")
    args = ["build"]
    if config.retrain != "auto":
        args += ["--vars", json.dumps({"retrain": config.retrain})]
    if config.full_refresh:
        args.append("--full-refresh")
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    return args


def wait_for_build_lock(database: Path, log: Any, timeout: float = LOCK_WAIT, poll: float = 5.0) -> None:
    """Return once no other process builds `database`; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    announced = False
    while fingerprints.warehouse_busy(database):
        if time.monotonic() > deadline:
            raise dg.Failure(f"the warehouse {database} stayed locked by another build for {timeout:.0f} s")
        if not announced:
            log.info(f"another build holds {fingerprints.lock_path(database)}: waiting for it to finish")
            announced = True
        time.sleep(poll)


def build_definitions(
    target_path: Path | None = None,
    select: str = "fqn:*",
    selector: str | None = None,
    unit_tests: bool = True,
    prepare: bool = True,
    extra_args: Sequence[str] = (),
) -> dg.Definitions:
    """The Definitions over the dbt project; `target_path` holds (or receives) the manifest.

    `select` / `selector` narrow the dbt assets (the tests build a small selector); `unit_tests`
    False leaves dbt's unit tests out of the builds; `extra_args` are added to each `dbt build`
    (e.g. `--indirect-selection cautious` with a narrow selector); `prepare` runs `dbt parse` under
    `dagster dev` or when the manifest is missing."""
    target = target_path or _from_repo(os.environ.get("DBT_TARGET_PATH", "target/dagster"))
    project = DbtProject(project_dir=REPO, profiles_dir=REPO, target_path=target)
    dbt_resource = DbtCliResource(
        project_dir=project,
        profiles_dir=str(REPO),
        # the dbt of this environment (.venv/bin/dbt), also when the shell's PATH lacks it
        dbt_executable=str(Path(sys.executable).with_name("dbt")),
    )
    if prepare and (os.environ.get("DAGSTER_IS_DEV_CLI") or not project.manifest_path.exists()):
        # under `dagster dev` (or without a manifest): parse the project, the assets are made from it
        dbt_resource.cli(["--quiet", "parse"], target_path=project.target_path).wait()
    selection: dict[str, Any] = {"selector": selector} if selector else {"select": select}

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name=DBT_STEP,
        dagster_dbt_translator=DagsterDbtTranslator(),
        **selection,
    )
    def warehouse(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: BuildConfig) -> Iterator[Any]:
        wait_for_build_lock(warehouse_path(), context.log)
        yield from dbt.cli([*dbt_build_args(config, unit_tests), *extra_args], context=context).stream()

    published_from = _published_models(project.manifest_path, warehouse)

    @dg.asset(
        deps=published_from,
        group_name="bi",
        description="The BI copy of the marts, ml and activation schemas (customer_journey.ops.publish), "
        "written after each successful build.",
        kinds={"duckdb"},
    )
    def published_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        copied = publish(warehouse_path(), published_path())
        context.log.info(f"published {len(copied)} tables to {published_path()}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(published_path())),
                "tables": len(copied),
                "rows": sum(copied.values()),
            }
        )

    build_job = dg.define_asset_job(
        "build_warehouse",
        selection=dg.AssetSelection.assets(warehouse, published_warehouse),
        description="dbt build (incremental) of the warehouse, then publish the BI copy",
        tags={"customer_journey/warehouse": "build"},
    )

    @dg.sensor(
        job=build_job,
        minimum_interval_seconds=SENSOR_INTERVAL,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="One incremental build per stable set of new or changed files under the raw folder "
        "(CJ_RAW_PATH); `_truth`, `_pending`, hidden and temporary files are ignored.",
    )
    def raw_files_sensor(context: dg.SensorEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        raw = raw_path()
        outcome = _pending_outcome(context.instance, fingerprints.pending_run_key(context.cursor))
        if outcome is None and fingerprints.warehouse_busy(warehouse_path()):
            return dg.SkipReason(f"another build holds {warehouse_path()}; looking again next tick")
        decision = fingerprints.decide(context.cursor, fingerprints.scan(raw), outcome)
        context.update_cursor(decision.cursor)
        if not decision.run:
            return dg.SkipReason(f"{raw}: {decision.reason}")
        return dg.RunRequest(
            run_key=decision.run_key,
            tags={
                "customer_journey/raw_path": str(raw),
                "customer_journey/changes": decision.reason,
                REQUEST_TAG: str(decision.run_key),
            },
        )

    weekly_retrain = dg.ScheduleDefinition(
        name="weekly_retrain",
        job=build_job,
        cron_schedule=RETRAIN_CRON,
        execution_timezone="UTC",
        run_config=dg.RunConfig(ops={DBT_STEP: BuildConfig(retrain="always")}),
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Retrain every model (dbt var retrain: always), then publish",
    )

    return dg.Definitions(
        assets=[warehouse, published_warehouse],
        jobs=[build_job],
        sensors=[raw_files_sensor],
        schedules=[weekly_retrain],
        resources={"dbt": dbt_resource},
    )


def _pending_outcome(instance: dg.DagsterInstance, run_key: str | None) -> str | None:
    """How the run of the sensor's pending request ended: SUCCESS, FAILURE (failed or cancelled), or
    None while it is queued or running, not launched yet, or when nothing is pending."""
    if run_key is None:
        return None
    runs = instance.get_runs(filters=dg.RunsFilter(tags={REQUEST_TAG: run_key}), limit=1)
    if not runs:
        return None
    status = runs[0].status
    if status == dg.DagsterRunStatus.SUCCESS:
        return fingerprints.SUCCESS
    if status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED):
        return fingerprints.FAILURE
    return None


def _published_models(manifest_path: Path, warehouse: dg.AssetsDefinition) -> list[dg.AssetKey]:
    """Asset keys of the selected models that publish copies (schemas marts, ml, activation)."""
    manifest = json.loads(Path(manifest_path).read_text())
    published = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] in SCHEMAS
    }
    return sorted((key for key in warehouse.keys if key.path[-1] in published), key=lambda k: k.to_user_string())


@dg.definitions
def defs() -> dg.Definitions:
    """What `dagster dev -m customer_journey.orchestration.definitions` loads."""
    # dagster-dbt writes each run's dbt artifacts under $DBT_TARGET_PATH and reuses the partial parse
    # found there: the same folder as the manifest
    os.environ.setdefault("DBT_TARGET_PATH", str(REPO / "target" / "dagster"))
    return build_definitions()
