"""The demo loop: a round appends a day, rebuilds and reports real changes."""

from __future__ import annotations

import re
import shutil

from conftest import copy_dataset, dbt_env, prime_partial_parse
from customer_journey.ops.loop import main


def test_a_round_appends_rebuilds_and_reports(e2e_data, e2e_warehouse, tmp_path, capsys, monkeypatch):
    raw = copy_dataset(e2e_data, tmp_path / "raw")
    # named like the e2e file it copies: DuckDB names the catalog after the file, and the views
    # of the copy name theirs
    db = tmp_path / "loop" / "warehouse.duckdb"
    db.parent.mkdir()
    # the loop's dbt writes its target, logs, temp files and plots here, not into the repo
    for name, value in {
        "DBT_TARGET_PATH": tmp_path / "target",
        "DBT_LOG_PATH": tmp_path / "logs",
        "CJ_DUCKDB_TEMP_DIR": tmp_path / "tmp",
        "CJ_ASSETS_DIR": tmp_path / "assets",
    }.items():
        monkeypatch.setenv(name, str(value))
    env = dbt_env(raw, tmp_path)
    prime_partial_parse(
        tmp_path / "target", {**env, "CJ_DUCKDB_PATH": str(db), "CJ_MODEL_DIR": str(db.parent / "loop_models")}
    )
    # the round starts from a copy of the e2e build of the same data (the loop's own first build
    # would be the same full build again); the round's incremental build then adds the day
    shutil.copy(e2e_warehouse, db)
    shutil.copytree(e2e_warehouse.parent / "models", db.parent / "loop_models")
    assert main(["--raw", str(raw), "--db", str(db), "--days", "1"]) == 0
    out = capsys.readouterr().out
    new_events = int(re.search(r"new clean events:\s+([\d,]+)", out).group(1).replace(",", ""))
    assert 0 < new_events < 20_000  # one day of a 2,000-customer shop, not the whole history
    assert "recommended now:" in out and "segment moved:" in out
