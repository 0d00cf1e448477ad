"""README stays short and current; the reference pages generated from the YAML are current."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from customer_journey import reference_docs

REPO = Path(__file__).resolve().parents[2]


def test_readme_is_short_and_names_the_two_commands():
    text = (REPO / "README.md").read_text()
    assert len(text.splitlines()) <= 250, "README.md: keep it under 250 lines; reference lives in docs/ and dbt docs"
    assert "make build" in text and "make test" in text
    assert "make test" in (REPO / ".ci/run").read_text()


def test_readme_links_point_at_files_that_exist():
    text = (REPO / "README.md").read_text()
    targets = [t for t in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text) if "://" not in t]
    assert targets, "README.md links to no page"
    missing = [t for t in targets if not (REPO / t).exists()]
    assert not missing, f"README.md links to missing files: {missing}"


def test_generated_reference_pages_are_current():
    stale = reference_docs.stale_pages(REPO)
    assert not stale, f"{[str(p) for p in stale]} stale: run `make reference-docs` and commit the result"


def test_check_fails_when_the_yaml_changes(tmp_path, capsys):
    for path in (
        reference_docs.PROJECT_FILE,
        reference_docs.SOURCES_FILE,
        reference_docs.VARS_PAGE,
        reference_docs.CONTRACT_PAGE,
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / path, tmp_path / path)
    assert reference_docs.main(["--check", "--root", str(tmp_path)]) == 0

    sources = tmp_path / reference_docs.SOURCES_FILE
    text = sources.read_text()
    assert text.count('description: "City name."') == 1
    sources.write_text(text.replace('description: "City name."', 'description: "City, as the CRM spells it."'))
    assert reference_docs.main(["--check", "--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "docs/reference/raw_contract.md is stale" in out and "vars.md" not in out

    project = tmp_path / reference_docs.PROJECT_FILE
    text = project.read_text()
    assert text.count("  session_timeout_minutes: 30\n") == 1
    project.write_text(text.replace("  session_timeout_minutes: 30\n", "  session_timeout_minutes: 45\n"))
    assert reference_docs.main(["--check", "--root", str(tmp_path)]) == 1
    assert "docs/reference/vars.md is stale" in capsys.readouterr().out

    assert reference_docs.main(["--root", str(tmp_path)]) == 0
    assert reference_docs.main(["--check", "--root", str(tmp_path)]) == 0
    assert "`45`" in (tmp_path / reference_docs.VARS_PAGE).read_text()
