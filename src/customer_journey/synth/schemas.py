"""The raw tables the generator writes: their Arrow schemas (the raw contract in
models/staging/raw/_raw__sources.yml), key and time columns."""

from __future__ import annotations

import pyarrow as pa

RAW_TABLES = ("customers", "events", "orders", "order_items", "feedback", "marketing_actions", "marketing_spend")

EVENT_SCHEMA = pa.schema(
    [
        ("event_id", pa.int64()),
        ("event_at", pa.string()),
        ("anonymous_id", pa.string()),
        ("customer_id", pa.string()),
        ("event_type", pa.string()),
        ("channel", pa.string()),
        ("device", pa.string()),
        ("page_path", pa.string()),
        ("product_id", pa.string()),
        ("search_query", pa.string()),
        ("search_results_count", pa.int32()),
        ("utm_source", pa.string()),
        ("utm_medium", pa.string()),
        ("utm_campaign", pa.string()),
    ]
)
ORDER_SCHEMA = pa.schema(
    [
        ("order_id", pa.int64()),
        ("customer_id", pa.string()),
        ("ordered_at", pa.string()),
        ("status", pa.string()),
        ("order_amount", pa.float64()),
        ("discount_amount", pa.float64()),
        ("currency", pa.string()),
        ("item_count", pa.int32()),
    ]
)
ORDER_ITEM_SCHEMA = pa.schema(
    [
        ("order_id", pa.int64()),
        ("product_id", pa.string()),
        ("category", pa.string()),
        ("quantity", pa.int32()),
        ("unit_price", pa.float64()),
    ]
)
FEEDBACK_SCHEMA = pa.schema(
    [
        ("feedback_id", pa.int64()),
        ("customer_id", pa.string()),
        ("order_id", pa.int64()),
        ("created_at", pa.string()),
        ("feedback_type", pa.string()),
        ("score", pa.int32()),
        ("topic", pa.string()),
        ("comment", pa.string()),
    ]
)
ACTION_SCHEMA = pa.schema(
    [
        ("action_id", pa.int64()),
        ("customer_id", pa.string()),
        ("action_code", pa.string()),
        ("channel", pa.string()),
        ("sent_at", pa.string()),
        ("opened_at", pa.string()),
        ("clicked_at", pa.string()),
        ("converted_at", pa.string()),
        ("conversion_amount", pa.float64()),
        ("campaign_id", pa.string()),
    ]
)
SPEND_SCHEMA = pa.schema(
    [
        ("spend_date", pa.string()),
        ("channel", pa.string()),
        ("campaign", pa.string()),
        ("spend_amount", pa.float64()),
        ("currency", pa.string()),
    ]
)
CUSTOMER_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("signup_at", pa.string()),
        ("email", pa.string()),
        ("country", pa.string()),
        ("city", pa.string()),
        ("birth_year", pa.int32()),
        ("gender", pa.string()),
        ("acquisition_channel", pa.string()),
    ]
)
SCHEMAS = {
    "customers": CUSTOMER_SCHEMA,
    "events": EVENT_SCHEMA,
    "orders": ORDER_SCHEMA,
    "order_items": ORDER_ITEM_SCHEMA,
    "feedback": FEEDBACK_SCHEMA,
    "marketing_actions": ACTION_SCHEMA,
    "marketing_spend": SPEND_SCHEMA,
}
# the column that names a row in _truth/dirt, and the timestamp dirt may break
KEY_COLUMN = {
    "customers": "customer_id",
    "events": "event_id",
    "orders": "order_id",
    "order_items": "order_id",
    "feedback": "feedback_id",
    "marketing_actions": "action_id",
}
TIME_COLUMN = {
    "customers": "signup_at",
    "events": "event_at",
    "orders": "ordered_at",
    "feedback": "created_at",
    "marketing_actions": "sent_at",
}
