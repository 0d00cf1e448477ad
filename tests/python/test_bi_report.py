"""The BI report (Evidence, bi/) built on the e2e warehouse and opened in a real browser.

The e2e warehouse is published (customer_journey.ops.publish, DuckDB v1.2.0 storage) to a
temporary file, `make bi BI_WAREHOUSE=<that file>` builds the static site in bi/build (the
commands `make bi` runs for users), a local HTTP server serves it, and headless chromium
(Playwright, as test_docs_browser.py) opens every page: no console error, no request leaving the
local server, every chart drawn and every table with rows, the data's as-of date and a headline
number equal to the same query against the marts. Screenshots: target/test-artifacts/bi_<page>.png.

Time: the npm install (2-3 minutes, about 700 MB) starts in the background when this file is
imported, so it overlaps the e2e build of the worker that runs it; `make bi-deps` takes a lock,
so the two workers never install at once, and it is skipped when bi/node_modules is current.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO
from customer_journey.ops.publish import publish

CHROMIUM = Path(os.environ.get("CJ_CHROMIUM", "/usr/bin/chromium"))
ARTEFACTS = REPO / "target" / "test-artifacts"
BI = REPO / "bi"
SOURCES = sorted(p.stem for p in (BI / "sources" / "warehouse").glob("*.sql"))


INSTALL_LOG = Path(tempfile.gettempdir()) / f"cj-bi-deps-{os.getpid()}.log"


def _start_install() -> subprocess.Popen | None:
    """`make bi-deps` in the background, unless bi/node_modules is installed or npm is missing."""
    if shutil.which("npm") is None or list((BI / "node_modules").glob(".installed-*")):
        return None
    with INSTALL_LOG.open("w") as log:
        return subprocess.Popen(["make", "--no-print-directory", "bi-deps"], cwd=REPO, stdout=log, stderr=log)


_INSTALL = _start_install()

# page: (headline element, the same number from the marts, charts on the page, tables on the page)
PAGES = {
    "index": ("customers", "select count(*) from marts.dim_customers", 0, 0),
    "funnel": (
        "journeys",
        "select entered_count from marts.rpt_funnel where funnel_name = 'journey_stages' "
        "and period = 'all' and dimension = 'all' and step_order = 1",
        3,
        1,
    ),
    "information-gaps": (
        "significant-gaps",
        "select count(*) from marts.rpt_information_gaps where is_significant",
        2,
        2,
    ),
    "retention": (
        "buyers",
        "select sum(cohort_customers) from marts.rpt_retention_cohorts where months_since_first_purchase = 0",
        2,
        1,
    ),
    "segments": ("high-risk", "select count(*) from ml.churn_predictions where risk_tier = 'high'", 2, 2),
    "next-best-actions": (
        "expected-value",
        "select sum(expected_value_amount) from activation.next_best_actions",
        2,
        3,
    ),
    "data-quality": ("quarantined-rows", "select count(*) from marts.fct_quarantined_rows", 1, 2),
}


@pytest.fixture(scope="module")
def bi_site(e2e_warehouse, tmp_path_factory) -> Path:
    if shutil.which("npm") is None:
        pytest.fail("npm not found: the BI report needs Node 20 and npm (docs/bi.md)")
    started = time.monotonic()
    published = tmp_path_factory.mktemp("bi") / "customer_journey.duckdb"
    publish(e2e_warehouse, published)
    if _INSTALL is not None:
        assert _INSTALL.wait(timeout=900) == 0, INSTALL_LOG.read_text()[-6000:]
    proc = subprocess.run(
        ["make", "--no-print-directory", "bi", f"BI_WAREHOUSE={published}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    print(f"publish + make bi: {time.monotonic() - started:.0f} s")
    assert (BI / "build" / "index.html").exists()
    return BI / "build"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


@pytest.fixture(scope="module")
def server(bi_site):
    handler = functools.partial(_QuietHandler, directory=str(bi_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    """One browser context for every page: DuckDB-WASM (34 MB) is fetched once, then cached."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: `make browser` installs Debian's chromium (or set CJ_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        context = b.new_context(viewport={"width": 1400, "height": 1000})
        yield context
        context.close()
        b.close()


def _number(text: str) -> float:
    """The number a BigValue shows (its last line, e.g. '2,731')."""
    value = text.strip().splitlines()[-1].strip()
    assert re.fullmatch(r"-?[\d,]+(\.\d+)?", value), text
    return float(value.replace(",", ""))


@pytest.mark.parametrize("name", list(PAGES))
def test_a_report_page_renders_the_marts(browser, server, db, name):
    headline, sql, charts, tables = PAGES[name]
    page = browser.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:")) else outside.append(r.url))
    page.goto(f"{server}/" if name == "index" else f"{server}/{name}/", wait_until="networkidle")
    # the browser's DuckDB holds every source table (read from the Parquet files without an extension)
    page.wait_for_function(
        """async (n) => {
            const db = window[Symbol.for('EVIDENCE_QUERY_ENGINE')];
            if (!db) return false;
            // connect() throws "duckdb is not initialized" until the WASM engine has started:
            // that is "not yet", so it is inside the try
            let c = null;
            try {
                c = await db.connect();
                const r = await c.query("select count(*)::int as n from information_schema.tables where table_schema = 'warehouse'");
                return r.toArray()[0].n === n;
            } catch (e) { return false; } finally { if (c) await c.close(); }
        }""",
        arg=len(SOURCES),
        timeout=60_000,
    )
    # every chart drawn (echarts puts a canvas in its container), every table with rows
    page.wait_for_function(
        """(n) => {
            const cs = Array.from(document.querySelectorAll('[_echarts_instance_]'));
            return cs.length === n && cs.every(c => { const k = c.querySelector('canvas, svg');
                return k && k.getBoundingClientRect().width > 100 && k.getBoundingClientRect().height > 100; });
        }""",
        arg=charts,
        timeout=30_000,
    )
    rows = page.evaluate(
        "() => Array.from(document.querySelectorAll('[data-testid^=\"DataTable-\"] table'))"
        ".map(t => t.querySelectorAll('tr:has(td)').length)"
    )
    assert len(rows) == tables and all(n > 0 for n in rows), rows

    as_of = db.execute("select strftime(max(as_of_date), '%Y-%m-%d') from marts.dim_customer_features").fetchone()[0]
    assert page.get_attribute("[data-as-of]", "data-as-of") == as_of
    assert f"Data as of {as_of}" in page.inner_text("[data-as-of]")

    expected = db.execute(sql).fetchone()[0]
    shown = _number(page.inner_text(f"[data-headline='{headline}']"))
    assert shown == round(expected), (headline, shown, expected)

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"bi_{name}.png"), full_page=True)
    page.close()
    assert not errors, errors
    assert not outside, outside
