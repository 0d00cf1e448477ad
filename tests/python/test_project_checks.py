"""The coverage gate (`cj check`): descriptions, column docs, primary-key tests, comment length."""

from __future__ import annotations

from customer_journey.ops.project_checks import MAX_COLUMN_COMMENT, check


def _manifest(description: str, tests: bool = True) -> dict:
    nodes = {
        "model.customer_journey.fct_x": {
            "resource_type": "model",
            "package_name": "customer_journey",
            "name": "fct_x",
            "original_file_path": "models/marts/fct_x.sql",
            "description": "One row per x.",
            "columns": {"x_id": {"description": description}},
            "config": {"meta": {}},
        }
    }
    if tests:
        for name in ("unique", "not_null"):
            nodes[f"test.customer_journey.{name}_x"] = {
                "resource_type": "test",
                "test_metadata": {"name": name},
                "attached_node": "model.customer_journey.fct_x",
                "column_name": "x_id",
            }
    return {"nodes": nodes, "sources": {}}


def test_a_documented_keyed_model_passes():
    assert check(_manifest("The key.")) == []


def test_a_column_comment_spark_would_refuse_is_reported():
    problems = check(_manifest("x" * (MAX_COLUMN_COMMENT + 1)))
    assert len(problems) == 1 and "fct_x.x_id" in problems[0] and "Hive metastore" in problems[0]
    assert check(_manifest("x" * MAX_COLUMN_COMMENT)) == []


def test_missing_description_and_key_test_are_reported():
    problems = check(_manifest("", tests=False))
    assert any("has no description" in p for p in problems)
    assert any("no primary-key test" in p for p in problems)
