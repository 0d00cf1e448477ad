"""dbt docs: the plots the Python models draw exist and are shipped with the docs site."""

from __future__ import annotations

import json
import shutil

from conftest import run_dbt

PLOTS = ["segmentation_k_selection", "segment_profiles", "customer_features_overview", "churn_model", "purchase_model"]


def test_plots_are_drawn_and_copied_into_the_docs(e2e_warehouse, e2e_data, tmp_path):
    assets = e2e_warehouse.parent / "assets"
    for name in PLOTS:
        png = assets / f"{name}.png"
        assert png.exists(), name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000, name
    work = tmp_path / "docs"
    work.mkdir()
    shutil.copy(e2e_warehouse, work / "warehouse.duckdb")
    result = run_dbt(["docs", "generate"], e2e_data, work)
    assert result.returncode == 0, result.output[-3000:]
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    assert "exposure.customer_journey.journey_dashboard" in manifest["exposures"]
    description = manifest["nodes"]["model.customer_journey.segmentation_k_selection"]["description"]
    assert "assets/segmentation_k_selection.png" in description
    catalog = json.loads((work / "target" / "catalog.json").read_text())
    assert "model.customer_journey.rpt_information_gaps" in catalog["nodes"]
