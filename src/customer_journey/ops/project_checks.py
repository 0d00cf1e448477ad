"""Coverage gate for the dbt project: run after `dbt parse`.

    cj check [--manifest target/manifest.json]

Fails (exit 1, one line per problem) when a model or source lacks a
description, a model column is undocumented, or a model has no primary-key
test (`unique` + `not_null` on one column, or `unique_combination_of_columns`).
A model whose grain has no key (staging views keep every raw row, duplicates
included) says so with `config.meta.no_primary_key: "<why>"`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

DESCRIPTION = __doc__.split("\n\n")[0]
PK_COMBINATION_TESTS = {"unique_combination_of_columns"}
# Hive metastore (Spark) keeps column comments in a VARCHAR(256)
MAX_COLUMN_COMMENT = 256


def _tests_by_model(manifest: dict) -> dict[str, dict[str, set[str]]]:
    """model unique_id -> column (or '' for model-level) -> generic test names."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        attached = node.get("attached_node")
        if not attached:
            continue
        found[attached][node.get("column_name") or ""].add(node["test_metadata"]["name"])
    return found


def check(manifest: dict, project: str = "customer_journey") -> list[str]:
    problems: list[str] = []
    tests = _tests_by_model(manifest)
    for uid, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] != "model" or node["package_name"] != project:
            continue
        where = node["original_file_path"]
        meta = node.get("config", {}).get("meta", {}) or node.get("meta", {})
        if meta.get("deprecated_alias_of"):
            # a view kept under an old name for one release: its table carries the docs and tests
            if not node.get("description", "").strip():
                problems.append(f"{where}: deprecated alias {node['name']} has no description")
            continue
        if not node.get("description", "").strip():
            problems.append(f"{where}: model {node['name']} has no description (state its grain)")
        for name, column in node.get("columns", {}).items():
            if not column.get("description", "").strip():
                problems.append(f"{where}: column {node['name']}.{name} has no description")
            elif len(column["description"]) > MAX_COLUMN_COMMENT:
                problems.append(
                    f"{where}: column {node['name']}.{name}'s description is {len(column['description'])} characters; "
                    f"persist_docs writes it as a column comment, and Spark's Hive metastore refuses more than "
                    f"{MAX_COLUMN_COMMENT}: shorten it (or its doc block)"
                )
        if not node.get("columns"):
            problems.append(f"{where}: model {node['name']} documents no columns")
        if meta.get("no_primary_key"):
            continue
        by_column = tests.get(uid, {})
        has_pk = any({"unique", "not_null"} <= names for col, names in by_column.items() if col) or any(
            names & PK_COMBINATION_TESTS for names in by_column.values()
        )
        if not has_pk:
            problems.append(
                f"{where}: model {node['name']} has no primary-key test (unique + not_null on its key, "
                "or unique_combination_of_columns); or set config.meta.no_primary_key with the reason"
            )
    for node in manifest.get("sources", {}).values():
        if node["package_name"] != project:
            continue
        if not node.get("description", "").strip():
            problems.append(f"{node['original_file_path']}: source table {node['name']} has no description")
        for name, column in node.get("columns", {}).items():
            if not column.get("description", "").strip():
                problems.append(f"{node['original_file_path']}: source column {node['name']}.{name} has no description")
    return problems


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--manifest", type=Path, default=None, help="defaults to parsing the project into target/")


def run(args: argparse.Namespace) -> int:
    manifest_path = args.manifest
    if manifest_path is None:
        dbt = str(Path(sys.executable).with_name("dbt"))
        subprocess.run([dbt, "parse", "--quiet"], check=True)
        manifest_path = Path("target/manifest.json")
    problems = check(json.loads(manifest_path.read_text()))
    for line in problems:
        print(line)
    print(f"project checks: {len(problems)} problem(s)")
    return 1 if problems else 0
