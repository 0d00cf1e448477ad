"""Importers: real exports of common shapes -> the raw tables of the data contract (`cj import`).

invoice_lines   one row per invoice line (UCI Online Retail)
event_log       one row per user action (Taobao UserBehavior)
output          source files, the tables written, OUT/_import_report.json
countries       country names -> ISO 3166-1 alpha-2
"""

from customer_journey.importers.event_log import EventLogOptions, import_event_log, parse_action_map
from customer_journey.importers.invoice_lines import InvoiceLinesOptions, import_invoice_lines
from customer_journey.importers.output import ImportRefused, ImportReport

__all__ = [
    "EventLogOptions",
    "ImportRefused",
    "ImportReport",
    "InvoiceLinesOptions",
    "import_event_log",
    "import_invoice_lines",
    "parse_action_map",
]
