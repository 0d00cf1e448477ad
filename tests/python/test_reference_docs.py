"""customer_journey.reference_docs: the vars and raw-contract pages say what the YAML says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from customer_journey import reference_docs as rd

REPO = Path(__file__).resolve().parents[2]

PROJECT = """\
name: demo
vars:
  # where the raw tables live: <raw_path>/<table>/*.parquet
  raw_path: "{{ env_var('CJ_RAW_PATH', 'data/sample') }}"
  # sessions: split after this much inactivity, and cap a session's length
  session_timeout_minutes: 30
  session_max_hours: 12
  # stitching for a shared device:
  #   next_login: the next customer to identify
  #   unassigned: stay anonymous
  shared_device_policy: next_login
  # journey analytics
  #   a stage counts as converted only within this many days
  funnel_conversion_window_days: 30
  #   how many paths to report
  path_top_n: 20
  # segmentation
  #   the features clustered
  segmentation_features: [avg_order_value,
                          sessions_90d]
  #   seeded sample | for the metrics
  segmentation_sample_size: 5000
  churn_risk_tiers: {high: 0.6, medium: 0.3}

models:
  demo:
    +materialized: table
"""


def _rows(page: str) -> dict[str, list[str]]:
    """var or column name -> the cells of its table row (several names may share one row)."""
    rows: dict[str, list[str]] = {}
    for line in page.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        for name in re.findall(r"`(\w+)`", cells[0]):
            rows[name] = cells
    return rows


def test_every_var_is_listed_with_its_default_and_comment():
    page = rd.render_vars(PROJECT)
    rows = _rows(page)
    assert list(rows) == list(yaml.safe_load(PROJECT)["vars"])
    assert rows["session_timeout_minutes"] == rows["session_max_hours"]  # one comment, two vars
    assert rows["session_max_hours"][1] == "`30`<br>`12`"
    assert "cap a session's length" in rows["session_max_hours"][2]
    assert rows["raw_path"][1] == "`{{ env_var('CJ_RAW_PATH', 'data/sample') }}`"
    # markup in comments is escaped, so `<raw_path>` and `*.parquet` render as written
    assert "&lt;raw_path&gt;/&lt;table&gt;/\\*.parquet" in rows["raw_path"][2]
    assert "seeded sample \\| for the metrics" in rows["segmentation_sample_size"][2]
    # a multi-line default is kept as written, on one line
    assert rows["segmentation_features"][1] == "`[avg_order_value, sessions_90d]`"
    # a var with no comment of its own shares the one above it
    assert rows["churn_risk_tiers"] == rows["segmentation_sample_size"]


def test_vars_are_grouped_as_in_the_file():
    groups = rd.parse_vars(PROJECT)
    assert [g.title for g in groups] == [None, "journey analytics", "segmentation"]
    assert [n for e in groups[1].entries for n in e.names] == ["funnel_conversion_window_days", "path_top_n"]
    # `# title` followed by indented lines is a comment, not a group, when the next block is not indented
    stitching = next(e for e in groups[0].entries if e.names == ["shared_device_policy"])
    assert rd._comment_text(stitching.comment) == (
        "stitching for a shared device:<br>next_login: the next customer to identify<br>unassigned: stay anonymous"
    )
    page = rd.render_vars(PROJECT)
    assert page.index("## General") < page.index("## Journey analytics") < page.index("## Segmentation")


def test_a_var_the_line_reader_misses_is_an_error():
    # a quoted name is not read line by line: fail, naming the var, instead of writing a short page
    with pytest.raises(ValueError, match=r"dbt_project.yml: could not read the vars \['b c'\]"):
        rd.parse_vars('vars:\n  a: 1\n  "b c": 2\n')
    with pytest.raises(ValueError, match="no top-level 'vars:' mapping"):
        rd.parse_vars("vars: {a: 1, b: 2}\n")


def test_the_raw_contract_page_lists_every_table_and_column_of_the_sources_yaml():
    text = (REPO / rd.SOURCES_FILE).read_text()
    page = rd.render_raw_contract(text)
    source = yaml.safe_load(text)["sources"][0]
    sections = re.split(r"^## ", page, flags=re.M)[1:]
    assert [re.match(r"`(\w+)` \((required|optional)\)", s).groups() for s in sections] == [
        (t["name"], "required" if t["config"]["meta"]["required"] else "optional") for t in source["tables"]
    ]
    for table, section in zip(source["tables"], sections, strict=True):
        rows = _rows(section)
        assert list(rows) == [c["name"] for c in table["columns"]], table["name"]
        for column in table["columns"]:
            _, data_type, required, meaning = rows[column["name"]]
            assert data_type == column["data_type"]
            assert required == ("yes" if column["config"]["meta"]["required"] else "no"), column["name"]
            assert meaning.replace("&lt;", "<").replace("&gt;", ">") == " ".join(column["description"].split())


def test_a_table_without_a_required_flag_is_an_error():
    text = "sources:\n  - name: raw\n    tables:\n      - name: orders\n        description: x\n        columns: []\n"
    with pytest.raises(ValueError, match="orders has no meta.required"):
        rd.render_raw_contract(text)


def test_check_names_a_missing_page_and_write_makes_it_current(tmp_path, capsys):
    (tmp_path / "models/staging/raw").mkdir(parents=True)
    (tmp_path / "dbt_project.yml").write_text(PROJECT)
    (tmp_path / rd.SOURCES_FILE).write_text((REPO / rd.SOURCES_FILE).read_text())
    assert rd.main(["--check", "--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "docs/reference/vars.md is stale" in out and "docs/reference/raw_contract.md is stale" in out
    assert rd.main(["--root", str(tmp_path)]) == 0
    assert rd.main(["--check", "--root", str(tmp_path)]) == 0
    assert "funnel_conversion_window_days" in (tmp_path / rd.VARS_PAGE).read_text()


def test_a_long_group_comment_becomes_a_heading_and_a_note():
    project = (
        "vars:\n"
        "  # behaviour prediction (the trained models, joblib files, are kept in env CJ_MODEL_DIR,\n"
        "  # default warehouse/models)\n"
        "  #   retrain: auto, always or never\n"
        "  retrain: auto\n"
        "  #   margin a challenger must win by\n"
        "  promotion_margin: 0.005\n"
    )
    page = rd.render_vars(project)
    assert "## Behaviour prediction\n\nThe trained models, joblib files, are kept in env CJ_MODEL_DIR, default" in page
    assert _rows(page)["promotion_margin"][1:] == ["`0.005`", "margin a challenger must win by"]
