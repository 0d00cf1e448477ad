"""`cj`: the project's one command.

    cj synth ...         generate or extend a synthetic raw data set (customer_journey.synth)
    cj loop ...          the "real-time" demo: append a day, rebuild, say what changed
    cj publish ...       copy the marts to a separate DuckDB file for BI tools
    cj check ...         the dbt project's coverage gate (descriptions, primary-key tests)
    cj spark-check ...   the SQL layers on Apache Spark agree with DuckDB
    cj import ...        turn a real export (invoice lines, an event log) into the raw tables
    cj erase ...         append a right-to-erasure request; the next build honours it

`cj <command> --help` shows each command's options.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from customer_journey.importers import cli as import_cli
from customer_journey.ops import erase, loop, project_checks, publish, spark_check
from customer_journey.synth import cli as synth_cli

# command -> (module with DESCRIPTION, add_arguments(parser) and run(args), one-line help)
COMMANDS: dict[str, tuple[ModuleType, str]] = {
    "synth": (synth_cli, "generate or extend a synthetic raw data set (Parquet)"),
    "loop": (loop, 'the "real-time" demo: append a day of data, rebuild, say what changed'),
    "publish": (publish, "copy the built marts to warehouse/bi/ for BI tools, swapped in atomically"),
    "check": (project_checks, "coverage gate: descriptions and primary-key tests of every model"),
    "spark-check": (spark_check, "build the SQL layers on DuckDB and on local Spark and compare the marts"),
    "import": (import_cli, "turn a real export (invoice lines, an event log) into the raw tables (docs/importers.md)"),
    "erase": (erase, "append a right-to-erasure request; the next build removes the person (docs/erasure.md)"),
}


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="cj", description="Customer Journey Warehouse: the project's commands.")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        parser = sub.add_parser(name, help=help_text, description=module.DESCRIPTION)
        module.add_arguments(parser)
        parser.set_defaults(run=module.run)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.run(args)
    return result


def synth_alias(argv: list[str] | None = None) -> int:
    """`cj-synth`: the generator's old command, kept for one release."""
    print("cj-synth is deprecated and goes in the next release: use `cj synth`", file=sys.stderr)
    return synth_cli.main(argv, prog="cj-synth")
