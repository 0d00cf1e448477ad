"""PII that could slip past the hashing.

- The salt reaches DuckDB only as a variable the profile's plugin binds to each cursor
  (src/customer_journey/warehouse_session.py), so no view definition, table, compiled or run SQL,
  manifest, partial-parse file or log of a built warehouse holds it in clear.
- E-mail addresses typed into free text (search queries, page paths, UTM fields, feedback topics,
  city) and phone numbers in international format are redacted in staging; ids that are e-mail
  addresses become salted pseudonyms. A warehouse built from data with addresses in every such
  field holds none of them anywhere, and rpt_pii_redactions counts what was taken out.
"""

from __future__ import annotations

import hashlib
import os
import shutil

import duckdb
import pandas as pd

from conftest import make_dataset, run_dbt
from customer_journey.warehouse_session import set_salt

TEST_SALT = "test-salt-0123456789"


def _salt() -> str:
    return os.environ.get("CJ_PII_SALT") or TEST_SALT


def test_the_salt_is_in_no_view_table_log_or_target_file(e2e_warehouse, e2e_data):
    salt = _salt()
    work = e2e_warehouse.parent
    holders = [
        str(path.relative_to(work))
        for path in sorted(work.rglob("*"))
        if path.is_file() and salt.encode() in path.read_bytes()
    ]
    assert not holders, f"files of the build hold the salt in clear: {holders}"
    con = duckdb.connect(str(e2e_warehouse), read_only=True)
    try:
        definitions = con.execute(
            "select schema_name || '.' || view_name, sql from duckdb_views() where not internal "
            "union all select schema_name || '.' || table_name, sql from duckdb_tables()"
        ).fetchall()
        staged = con.execute(
            "select customer_id, email_hash from staging.stg_raw__customers where email_hash is not null"
        ).df()
    finally:
        con.close()
    assert not [name for name, sql in definitions if salt in (sql or "")]
    # and the hashes were made with that salt: sha256(salt || lower(trim(e-mail))), recomputed here
    raw = pd.read_parquet(e2e_data / "customers").dropna(subset=["email"]).drop_duplicates("customer_id")
    raw["customer_id"] = raw["customer_id"].astype(str).str.strip()
    expected = raw.assign(
        email_hash=[hashlib.sha256((salt + e.strip().lower()).encode()).hexdigest() for e in raw.email]
    )
    joined = staged.merge(expected[["customer_id", "email_hash"]], on="customer_id", suffixes=("", "_expected"))
    assert len(joined) > 1_000
    assert (joined.email_hash == joined.email_hash_expected).mean() > 0.99


PLANTED_TEXT = "mail Jane.Roe+shop@Example.org or call +44 20 7946 0958"
PLANTED_PATH = "/help/contact/jane.roe@example.org"
ID_ADDRESS = "carol.{n}@mail-example.net"
ANONYMOUS_ADDRESS = "dave.{n}@mail-example.net"
# what must appear nowhere: the addresses' local parts, the phone number, the domain
NEEDLES = ["jane.roe", "carol.", "dave.", "mail-example", "example.org", "7946 0958"]


def _plant(raw) -> dict[str, int]:
    """Rewrite a generated data set with addresses in every free-text field and as ids."""
    con = duckdb.connect()
    planted = {}

    def rewrite(table: str, select: str) -> None:
        files = sorted((raw / table).glob("*.parquet"))
        frame = con.execute(f"select {select} from read_parquet({[str(f) for f in files]})").df()
        for file in files:
            file.unlink()
        con.register("frame", frame)
        con.execute(f"copy frame to '{raw / table / 'part-0.parquet'}' (format parquet)")
        con.unregister("frame")

    # three customers whose id is their e-mail address, in every table that carries it
    ids = con.execute(
        f"select distinct customer_id from read_parquet('{raw}/orders/*.parquet') order by customer_id limit 3"
    ).fetchall()
    mapping = " ".join(f"when customer_id = '{cid}' then '{ID_ADDRESS.format(n=n)}'" for n, (cid,) in enumerate(ids))
    swap = f"case {mapping} else customer_id end as customer_id"
    for table in ["orders", "feedback", "marketing_actions"]:
        rewrite(table, f"* replace ({swap}{', ' + repr(PLANTED_TEXT) + ' as topic' if table == 'feedback' else ''})")
    rewrite("customers", f"* replace ({swap}, '{PLANTED_TEXT}' as city)")
    rewrite("marketing_spend", f"* replace ('{PLANTED_TEXT}' as campaign)")
    rewrite(
        "events",
        f"""* replace (
            {swap},
            case when event_id % 50 = 0 then '{ANONYMOUS_ADDRESS.format(n=1)}' else anonymous_id end as anonymous_id,
            case when event_id % 7 = 0 then '{PLANTED_PATH}' else page_path end as page_path,
            case when event_id % 7 = 1 then '{PLANTED_TEXT}' else search_query end as search_query,
            case when event_id % 7 = 2 then '{PLANTED_TEXT}' else utm_source end as utm_source,
            case when event_id % 7 = 3 then '{PLANTED_TEXT}' else utm_medium end as utm_medium,
            case when event_id % 7 = 4 then '{PLANTED_TEXT}' else utm_campaign end as utm_campaign
        )""",
    )
    planted["ids"] = len(ids)
    return planted


def test_addresses_in_free_text_and_ids_reach_no_table_view_log_or_file(tmp_path):
    raw = tmp_path / "raw"
    make_dataset(raw, customers=150, days=30, seed=5, dirt_rate=0.0)
    shutil.rmtree(raw / "_truth")  # the generator's answer key holds the original values
    planted = _plant(raw)
    work = tmp_path / "work"
    # models and seeds only: the data tests are not what this looks at
    built = run_dbt(["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"], raw, work)
    assert built.returncode == 0, built.output[-4000:]

    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    set_salt(con, _salt())  # staging views pseudonymise ids with it, as in dbt's cursors
    try:
        relations = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "union all select schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
        # schema raw holds only views that read the user's raw files at query time (the files' own
        # access control applies); every schema dbt builds is searched
        relations = [(schema, name) for schema, name in relations if schema != "raw"]
        assert {"staging", "intermediate", "marts", "ml", "activation"} <= {schema for schema, _ in relations}
        leaks = []
        for schema, name in relations:
            text = con.execute(f'select * from "{schema}"."{name}"').df().astype(str).to_csv().lower()
            leaks += [f"{schema}.{name}: {needle}" for needle in NEEDLES + [_salt().lower()] if needle in text]
        redactions = con.execute("select * from marts.rpt_pii_redactions").df()
        pseudonyms = con.execute(
            "select count(distinct customer_id) from marts.dim_customers where customer_id like 'pii_%'"
        ).fetchone()[0]
        joined_orders = con.execute("select count(*) from marts.fct_orders where customer_id like 'pii_%'").fetchone()[
            0
        ]
    finally:
        con.close()
    assert not leaks, leaks
    files = [
        str(path.relative_to(work))
        for path in work.rglob("*")
        if path.is_file()
        and path.suffix != ".duckdb"
        and any(needle.encode() in path.read_bytes().lower() for needle in [*NEEDLES, _salt().lower()])
    ]
    assert not files, files

    # the addressed ids still join: each pseudonymised customer keeps their orders
    assert pseudonyms == planted["ids"] and joined_orders >= planted["ids"]
    counted = redactions.set_index(["source_table", "column_name", "pii_kind"]).redacted_rows
    for column in ["page_path", "search_query", "utm_source", "utm_medium", "utm_campaign"]:
        assert counted["events", column, "email"] > 0, column
    for column in ["search_query", "utm_source", "utm_medium", "utm_campaign"]:
        assert counted["events", column, "phone"] > 0, column
    assert counted["customers", "city", "email"] == counted["customers", "city", "phone"] > 100
    assert counted["feedback", "topic", "email"] > 0
    assert counted["marketing_spend", "campaign", "email"] > 0
    assert counted["events", "anonymous_id", "email_as_id"] > 0
    for table in ["customers", "orders", "events"]:
        assert counted[table, "customer_id", "email_as_id"] > 0, table
