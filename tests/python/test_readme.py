"""README's raw-data contract matches the sources YAML the build reads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _readme_contract() -> dict[str, dict]:
    text = (REPO / "README.md").read_text()
    tables: dict[str, dict] = {}
    for match in re.finditer(r"^#### `(\w+)` \((required|optional)\)\n(.*?)(?=^#### |^## )", text, re.M | re.S):
        name, required, body = match.groups()
        columns = dict(re.findall(r"^\| `(\w+)` \| [^|]+ \| (yes|no) \|", body, re.M))
        tables[name] = {"required": required == "required", "columns": columns}
    return tables


def test_readme_contract_matches_sources_yaml():
    source = yaml.safe_load((REPO / "models/staging/raw/_raw__sources.yml").read_text())["sources"][0]
    readme = _readme_contract()
    assert set(readme) == {t["name"] for t in source["tables"]}
    for table in source["tables"]:
        documented = readme[table["name"]]
        assert documented["required"] == table["config"]["meta"]["required"], table["name"]
        expected = {c["name"]: "yes" if c["config"]["meta"]["required"] else "no" for c in table["columns"]}
        assert documented["columns"] == expected, table["name"]


def test_readme_names_the_two_commands():
    text = (REPO / "README.md").read_text()
    assert "make build" in text and "make test" in text
    ci = (REPO / ".ci/run").read_text()
    assert "make test" in ci
