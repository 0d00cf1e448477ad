"""Shared fixtures: small generated data sets and dbt builds on them.

Every dbt run here writes its warehouse, target and logs under pytest's
temporary directory, never into the repository's warehouse/.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import io
import os
import pprint
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from customer_journey.synth import SynthConfig, generate
from customer_journey.warehouse_session import release_build_locks

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


def dbt_env(raw_path: Path, work: Path, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a dbt run on `raw_path` with the warehouse, models and assets under `work`.
    The Python models draw no charts (CJ_CHARTS=off, about 10 s of CPU a build) unless `extra_env`
    asks: the e2e build draws them for the docs tests, and the chart code has tests of its own."""
    return {
        **os.environ,
        "CJ_RAW_PATH": str(raw_path),
        "CJ_DUCKDB_PATH": str(work / "warehouse.duckdb"),
        "CJ_DUCKDB_TEMP_DIR": str(work / "tmp"),
        "CJ_MODEL_DIR": str(work / "models"),
        "CJ_ASSETS_DIR": str(work / "assets"),
        "CJ_PII_SALT": os.environ.get("CJ_PII_SALT") or "test-salt-0123456789",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "CJ_CHARTS": "off",
        **(extra_env or {}),
    }


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
    if args[:1] in (["build"], ["run"], ["seed"], ["test"]) and "--write-json" not in args:
        args = [*args, "--no-write-json"]  # manifest.json and run_results.json: ~1 s a run, read by no test
    env = dbt_env(raw_path, work, extra_env)
    if "--vars" not in args:  # other vars than the kept state's: dbt would parse in full anyway
        prime_partial_parse(work / "target", env)
    args = [*args, "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    if env.get("CJ_TEST_DBT_SUBPROCESS") == "1":  # from the environment or `extra_env`
        proc = subprocess.run([DBT, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
        result = DbtResult(proc.returncode, proc.stdout + proc.stderr)
    else:
        result = _invoke_in_process(args, env)
    if result.returncode == 0 and "--vars" not in args:
        keep_partial_parse(work / "target", env)
    return result


def _invoke_in_process(args: list[str], env: dict[str, str]) -> DbtResult:
    """`dbt <args>` in this process (dbt's programmatic runner), as the CLI would run it in the repo
    with `env` as its environment: what it prints, and the CLI's exit code (0 ok, 1 failures,
    2 an error). dbt, scikit-learn and matplotlib are then imported once per test worker, not once
    per build (about 5 s a run). CJ_TEST_DBT_SUBPROCESS=1 runs each in its own process instead."""
    from dbt.cli.main import dbtRunner

    saved_env, saved_cwd, out = dict(os.environ), os.getcwd(), io.StringIO()
    try:
        os.environ.clear()
        os.environ.update(env)
        os.chdir(REPO)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            outcome = dbtRunner().invoke(args)
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
        _close_warehouse()
    if outcome.exception is not None and not isinstance(outcome.exception, SystemExit):
        print(f"{type(outcome.exception).__name__}: {outcome.exception}", file=out)
    return DbtResult(0 if outcome.success else 2 if outcome.exception is not None else 1, out.getvalue())


def _close_warehouse() -> None:
    """Close the DuckDB file dbt-duckdb keeps open in this process and drop its build lock, as the
    CLI's exit would: the test then reads it, or another process (a subprocess dbt, the CLI) builds."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if env is not None:
        env.close()
    gc.collect()
    release_build_locks()


# --- parse once per test run --------------------------------------------------------------------
# Every dbt run here has a target dir of its own, so dbt would parse the whole project (~450 nodes,
# about 11 s of CPU) each time: its saved parse state (target/partial_parse.msgpack) is refused
# because the profile differs (the warehouse path is in the profile's hash, and nothing else of the
# profile is used while parsing). So the first successful run without --vars keeps its parse state
# in the run's shared temp dir, and each later run starts from a copy stamped with its own
# profile's hash: dbt then re-parses only files that changed or read a changed env var
# (CJ_MODEL_DIR), ~5 s less CPU a run. --vars runs are not primed: dbt parses them in full.

PARSE_STATE = "partial_parse.msgpack"
# the run's shared temp dir, set by the session fixture _shared_parse_state
_SHARED: dict[str, Path] = {}


def _shared_dir() -> Path | None:
    return _SHARED.get("dir")


def _profile_hash(env: dict[str, str]) -> str:
    """dbt's hash of the profile's connection info (dbt.parser.manifest build_manifest_state_check)."""
    from argparse import Namespace

    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt.flags import set_from_args
    from dbt_common.context import set_invocation_context

    set_from_args(Namespace(), {})
    set_invocation_context(env)
    profile = Profile.from_raw_profiles(
        read_profile(str(REPO)), "customer_journey", ProfileRenderer({}), target_override=None
    )
    keys = sorted(profile.credentials.connection_info())
    return hashlib.sha256(pprint.pformat(keys).encode()).hexdigest()


def keep_partial_parse(target: Path, env: dict[str, str]) -> None:
    """Keep `target`'s parse state for the later runs, once, if this file's hash is dbt's."""
    shared = _shared_dir()
    saved = target / PARSE_STATE
    if shared is None or (shared / PARSE_STATE).exists() or not saved.exists():
        return
    try:
        import msgpack

        state = msgpack.unpackb(saved.read_bytes(), strict_map_key=False)
        if state["state_check"]["profile_hash"]["checksum"] != _profile_hash(env):
            return  # dbt hashes the profile otherwise now: run without the shortcut
    except Exception:  # noqa: BLE001 - a shortcut only: any surprise leaves dbt to parse in full
        return
    part = shared / f"{PARSE_STATE}.{os.getpid()}"
    shutil.copy(saved, part)
    os.replace(part, shared / PARSE_STATE)


def prime_partial_parse(target: Path, env: dict[str, str]) -> None:
    """Give a new target dir the kept parse state, stamped with this run's profile hash."""
    shared = _shared_dir()
    if shared is None or not (shared / PARSE_STATE).exists() or (target / PARSE_STATE).exists():
        return
    # the parsed nodes name their catalog after the DuckDB file (warehouse.duckdb -> "warehouse"), and
    # the stamped hash switches off dbt's own check: a run on another file name parses in full
    if Path(env.get("CJ_DUCKDB_PATH", "")).name != "warehouse.duckdb" or env.get("CJ_TARGET"):
        return
    try:
        import msgpack

        state = msgpack.unpackb((shared / PARSE_STATE).read_bytes(), strict_map_key=False)
        state["state_check"]["profile_hash"]["checksum"] = _profile_hash(env)
        target.mkdir(parents=True, exist_ok=True)
        (target / PARSE_STATE).write_bytes(msgpack.packb(state))
    except Exception:  # noqa: BLE001 - a shortcut only: any surprise leaves dbt to parse in full
        return


def make_dataset(out: Path, **kwargs) -> SynthConfig:
    cfg = SynthConfig(**kwargs)
    generate(cfg, out, quiet=True)
    return cfg


@pytest.fixture(scope="session", autouse=True)
def _shared_parse_state(tmp_path_factory) -> None:
    """Where the runs of this test run keep dbt's parse state (see keep_partial_parse)."""
    _SHARED["dir"] = _run_dir(tmp_path_factory)


def _run_dir(tmp_path_factory) -> Path:
    """This test run's temp dir, shared by its xdist workers (each worker's basetemp is inside)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def build_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """`build(dir)` once per test run, not once per xdist worker: the first worker to get here builds
    into the run's shared temp dir while holding a lock, the others wait for it and reuse the
    result (or fail at once with the builder's error)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        out = tmp_path_factory.mktemp(name)
        build(out)
        return out
    out = _run_dir(tmp_path_factory) / name
    with open(f"{out}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done, failed = Path(f"{out}.done"), Path(f"{out}.failed")
        if failed.exists():
            pytest.fail(f"{name} failed in another worker:\n{failed.read_text()}", pytrace=False)
        if not done.exists():
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            try:
                build(out)
            except BaseException as error:
                failed.write_text(str(error)[-8000:])
                raise
            done.touch()
    return out


@pytest.fixture(scope="session")
def e2e_data(tmp_path_factory) -> Path:
    def generate_raw(out: Path) -> None:
        make_dataset(out / "raw", customers=E2E_CUSTOMERS, days=E2E_DAYS, seed=7, dirt_rate=E2E_DIRT_RATE)

    return build_once(tmp_path_factory, "e2e", generate_raw) / "raw"


@pytest.fixture(scope="session")
def e2e_warehouse(e2e_data, tmp_path_factory) -> Path:
    """A full `dbt build` (models, seeds, data and unit tests) on freshly generated data, once per
    test run. Tests read it (read-only) or copy it: none may write into it or its directory."""

    def build(work: Path) -> None:
        result = run_dbt(["build"], e2e_data, work, {"CJ_CHARTS": "on"}, with_unit_tests=True)
        assert result.returncode == 0, result.output[-6000:]
        assert "WARN=0" in result.output, result.output[-6000:]

    return build_once(tmp_path_factory, "e2e_build", build) / "warehouse.duckdb"


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


# --- the order the two xdist workers take the test files in -------------------------------------
# `make test` runs pytest with `--dist loadfile --no-loadscope-reorder`: each worker takes the next
# file of this order when it is nearly done with its own (other files follow in their usual order).
# First a file that needs the e2e warehouse, so that one worker builds it at once while the other
# runs the long files that build their own data; then the rest, longest first, so that both workers
# end at about the same time. Seconds per file: measured with -n 2 on a machine 4 times as busy as
# CI (2026-12-01), so only their order counts.
RUN_ORDER = [
    "test_segmentation.py",  # 256 (with the e2e build, 174): its first data test starts the build
    "test_policy_loop.py",  # 796: four rounds of send, observe and rebuild
    "test_incremental.py",  # 588: a grown warehouse, a full refresh, builds killed at four points
    "test_prediction.py",  # 541: a 10,000-customer build
    "test_shapes_build.py",  # 514: four builds, one per data shape
    "test_contract.py",  # 360: a dozen small builds
    "test_erasure.py",  # 293: a grown warehouse, the erasure, a full refresh
    "test_bad_inputs.py",  # two builds and a dozen refused ones
    "test_publish.py",  # 240
    "test_importers.py",  # 178
    "test_semantic_layer.py",  # 107
    "test_pii.py",  # 93
    "test_docs_browser.py",  # 68
    "test_concurrency.py",  # 48
    "test_actions.py",  # 46
    "test_docs.py",  # 42
    "test_profiles.py",  # 40
    "test_loop.py",
]


def pytest_collection_modifyitems(config, items) -> None:
    rank = {name: position for position, name in enumerate(RUN_ORDER)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a file's own order stays
