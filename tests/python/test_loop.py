"""The demo loop: a round appends a day, rebuilds and reports real changes."""

from __future__ import annotations

import re

from conftest import copy_dataset
from customer_journey.ops.loop import main


def test_a_round_appends_rebuilds_and_reports(e2e_data, tmp_path, capsys):
    raw = copy_dataset(e2e_data, tmp_path / "raw")
    db = tmp_path / "loop.duckdb"
    assert main(["--raw", str(raw), "--db", str(db), "--days", "1"]) == 0
    out = capsys.readouterr().out
    new_events = int(re.search(r"new clean events:\s+([\d,]+)", out).group(1).replace(",", ""))
    assert 0 < new_events < 20_000  # one day of a 2,000-customer shop, not the whole history
    assert "recommended now:" in out and "segment moved:" in out
