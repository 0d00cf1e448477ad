"""`cj`: one command with the project's subcommands; the old entry points still work for a release."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from customer_journey.cli import COMMANDS, build_parser, main
from customer_journey.synth import RAW_TABLES

BIN = Path(sys.executable).parent
SMALL = ["--customers", "60", "--days", "20", "--seed", "9", "--quiet"]


def _tables(out: Path) -> dict:
    """The raw tables written (a tiny data set may have no feedback yet)."""
    return {t: ds.dataset(out / t).to_table() for t in RAW_TABLES if (out / t).exists()}


def test_help_lists_every_subcommand():
    proc = subprocess.run([BIN / "cj", "--help"], capture_output=True, text=True, check=True)
    for name in ("synth", "loop", "publish", "check", "spark-check", "import", "erase"):
        assert name in proc.stdout
    assert set(COMMANDS) == {"synth", "loop", "publish", "check", "spark-check", "import", "erase"}


def test_each_subcommand_has_its_own_help(capsys):
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
        assert f"usage: cj {name}" in capsys.readouterr().out


def test_an_unknown_subcommand_fails_with_usage():
    proc = subprocess.run([BIN / "cj", "synthesize"], capture_output=True, text=True)
    assert proc.returncode == 2 and "invalid choice: 'synthesize'" in proc.stderr


def test_cj_synth_writes_the_data_set_and_reports_it(tmp_path, capsys):
    assert main(["synth", *SMALL, "--out", str(tmp_path / "raw")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["windows"] == [[0, 20]]
    assert report["rows"]["customers"] >= 60 and report["rows"]["events"] > 0


def test_the_old_entry_points_give_the_same_data(tmp_path):
    subprocess.run([BIN / "cj", "synth", *SMALL, "--out", tmp_path / "cj"], check=True, capture_output=True)
    alias = subprocess.run([BIN / "cj-synth", *SMALL, "--out", tmp_path / "alias"], capture_output=True, text=True)
    assert alias.returncode == 0 and "cj-synth is deprecated" in alias.stderr
    module = [sys.executable, "-m", "customer_journey.synth", *SMALL, "--out", tmp_path / "module"]
    subprocess.run(module, check=True, capture_output=True)
    expected = _tables(tmp_path / "cj")
    assert {"customers", "events", "orders"} <= set(expected)
    for other in ("alias", "module"):
        got = _tables(tmp_path / other)
        assert set(got) == set(expected) and all(got[t].equals(expected[t]) for t in expected), other


def test_synth_refuses_a_non_positive_size(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["synth", "--customers", "0", "--out", "unused"])
    assert exit_.value.code == 2 and "--customers: must be positive, got 0" in capsys.readouterr().err


def test_check_reports_each_problem_and_fails(tmp_path, capsys):
    node = {
        "resource_type": "model",
        "package_name": "customer_journey",
        "original_file_path": "models/marts/x.sql",
        "name": "x",
        "description": "",
        "columns": {},
        "config": {"meta": {}},
    }
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"nodes": {"model.customer_journey.x": node}, "sources": {}}))
    assert main(["check", "--manifest", str(manifest)]) == 1
    out = capsys.readouterr().out
    assert "models/marts/x.sql: model x has no description" in out
    assert "project checks: 3 problem(s)" in out


def test_publish_names_the_missing_warehouse(tmp_path):
    with pytest.raises(SystemExit, match="no warehouse at .*missing.duckdb"):
        main(["publish", "--source", str(tmp_path / "missing.duckdb"), "--target", str(tmp_path / "bi.duckdb")])


def test_parser_runs_the_module_of_the_subcommand():
    args = build_parser().parse_args(["loop", "--days", "2", "--no-send"])
    assert args.run is COMMANDS["loop"][0].run and args.days == 2 and args.no_send
