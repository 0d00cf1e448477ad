"""Two builds on one warehouse: the second stops at once and names the first.

The profile's plugin (src/customer_journey/warehouse_session.py) holds `<warehouse>.build-lock`
while dbt runs. Here the test process holds it, as a running build would.
"""

from __future__ import annotations

import os

from conftest import run_dbt
from customer_journey.warehouse_session import acquire_build_lock, lock_path


def test_a_second_build_fails_fast_naming_the_lock_holder(tmp_path, e2e_data, monkeypatch):
    # dbt as the CLI runs it, a process of its own: the lock records that process's command line
    monkeypatch.setenv("CJ_TEST_DBT_SUBPROCESS", "1")
    work = tmp_path / "work"
    work.mkdir()
    holder = acquire_build_lock(work / "warehouse.duckdb")
    try:
        second = run_dbt(["run", "--select", "stg_raw__customers"], e2e_data, work)
    finally:
        holder.close()
    assert second.returncode != 0
    assert f"Another build is using the warehouse {work / 'warehouse.duckdb'}: PID {os.getpid()}" in second.output
    assert "Could not set lock" not in second.output and "Traceback" not in second.output
    assert "PASS=" not in second.output  # stopped before any model ran

    # the lock is gone with its holder: the next build runs, and records itself as the holder
    after = run_dbt(["run", "--select", "stg_raw__customers"], e2e_data, work)
    assert after.returncode == 0, after.output[-3000:]
    assert '"command": "dbt run --select stg_raw__customers' in lock_path(work / "warehouse.duckdb").read_text()
