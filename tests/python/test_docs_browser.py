"""dbt docs in a real browser (Debian chromium, headless, driven by Playwright).

The generated docs site (`dbt docs generate --static`, one self-contained page)
must load, show a mart's lineage graph reaching the exposures, and show the
plots the Python models drew. Screenshots go to target/test-artifacts/.
`make test` installs chromium first (`make browser`); set CJ_CHROMIUM to use
another build.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import REPO, run_dbt

CHROMIUM = Path(os.environ.get("CJ_CHROMIUM", "/usr/bin/chromium"))
ARTEFACTS = REPO / "target" / "test-artifacts"


@pytest.fixture(scope="module")
def docs_site(e2e_warehouse, e2e_data, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("docs_site")
    shutil.copy(e2e_warehouse, work / "warehouse.duckdb")
    result = run_dbt(["docs", "generate", "--static"], e2e_data, work)
    assert result.returncode == 0, result.output[-3000:]
    # asset-paths ships the project's assets/ folder, where `make build` draws the plots; the test
    # build drew them into its own folder (CJ_ASSETS_DIR), so they are shipped from there
    shutil.copytree(e2e_warehouse.parent / "assets", work / "target" / "assets", dirs_exist_ok=True)
    page = work / "target" / "static_index.html"
    assert page.exists()
    return page


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: `make browser` installs Debian's chromium (or set CJ_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _open(browser, site: Path, node: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"file://{site}#!/model/{node}")
    page.wait_for_selector(f"text={node.split('.')[-1]}", timeout=30_000)
    return page


@pytest.mark.parametrize(
    ("model", "plot"),
    [("segmentation_k_selection", "segmentation_k_selection"), ("funnel_overview", "funnel_overview")],
)
def test_a_model_page_shows_its_plot(browser, docs_site, model, plot):
    page = _open(browser, docs_site, f"model.customer_journey.{model}")
    page.wait_for_function(
        f"""() => Array.from(document.images).some(
            i => i.src.endsWith('assets/{plot}.png') && i.complete && i.naturalWidth > 300)""",
        timeout=30_000,
    )
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"docs_{model}.png"))
    page.close()


def test_the_lineage_graph_of_a_mart_opens(browser, docs_site):
    page = _open(browser, docs_site, "model.customer_journey.fct_sessions")
    page.click("a[title='View Lineage Graph']")
    # the graph panel draws on canvases: wait until they have a size, and read its selection
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('canvas')).some(c => c.width > 200 && c.height > 200)",
        timeout=30_000,
    )
    selection = page.evaluate("() => Array.from(document.querySelectorAll('input')).map(i => i.value)")
    assert "+fct_sessions+" in selection
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "docs_fct_sessions_lineage.png"))
    page.close()
