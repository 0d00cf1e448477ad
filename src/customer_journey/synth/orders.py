"""Orders and their items: one order per completed checkout of a purchase session."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from customer_journey.synth import personas as P
from customer_journey.synth.encode import customer_ids, dict_strings, padded, ts_strings
from customer_journey.synth.journeys import TYPE_CODE, Events
from customer_journey.synth.latent import Latent
from customer_journey.synth.schemas import ORDER_ITEM_SCHEMA, ORDER_SCHEMA

ORDER_STATUSES = ("completed", "cancelled", "returned")
# the columns that say what something cost: null in a data set without prices
PRICE_COLUMNS = ("order_amount", "discount_amount", "currency", "unit_price")


@dataclass
class Orders:
    ent: np.ndarray  # entity index
    t: np.ndarray  # ordered at, in days since the start date
    persona: np.ndarray
    ids: np.ndarray  # order_id
    item_order: np.ndarray  # per item: row in the orders
    orders: pa.Table
    items: pa.Table


def draw_orders(rng: np.random.Generator, lat: Latent, events: Events, epoch: int, first_id: int) -> Orders:
    """Baskets of 1-10 items (the favourite category 60 % of the time), persona-priced, some
    discounted; status completed, cancelled or returned."""
    oc = events.type == TYPE_CODE["order_completed"]
    o_ent = events.ent[oc]
    o_t = events.t[oc]
    o_p = lat.persona[o_ent]
    n_o = len(o_ent)
    n_items = 1 + np.minimum(rng.poisson(lat.params.basket_extra_mu[o_p]), 9)
    i_order = np.repeat(np.arange(n_o), n_items)
    i_cat = np.where(
        rng.random(len(i_order)) < 0.6,
        lat.favourite_category[o_ent][i_order],
        rng.integers(0, len(P.CATEGORIES), size=len(i_order)),
    )
    i_prod = i_cat * 50 + rng.integers(0, 50, size=len(i_order))
    i_price = np.round(
        P.CATEGORY_PRICE[i_cat] * lat.params.price_mult[o_p][i_order] * rng.lognormal(0.0, 0.35, size=len(i_order)), 2
    )
    i_qty = 1 + (rng.random(len(i_order)) < 0.15)
    gross = np.bincount(i_order, weights=i_price * i_qty, minlength=n_o)
    discounted = rng.random(n_o) < lat.params.discount_p[o_p]
    discount = np.round(np.where(discounted, gross * rng.choice([0.1, 0.15, 0.2, 0.3], size=n_o), 0.0), 2)
    amount = np.round(gross - discount, 2)
    status = rng.choice(3, size=n_o, p=[0.92, 0.03, 0.05])
    order_ids = first_id + np.arange(n_o)
    orders = pa.table(
        {
            "order_id": pa.array(order_ids, pa.int64()),
            "customer_id": pa.array(customer_ids(o_ent), pa.string()),
            "ordered_at": ts_strings(epoch, o_t),
            "status": dict_strings(ORDER_STATUSES, status),
            "order_amount": pa.array(amount, pa.float64()),
            "discount_amount": pa.array(discount, pa.float64()),
            "currency": pa.array(np.full(n_o, "EUR", dtype=object), pa.string()),
            "item_count": pa.array(np.bincount(i_order, weights=i_qty, minlength=n_o).astype("int32"), pa.int32()),
        },
        schema=ORDER_SCHEMA,
    )
    items = pa.table(
        {
            "order_id": pa.array(order_ids[i_order], pa.int64()),
            "product_id": pa.array(padded("P", i_prod, 5), pa.string()),
            "category": dict_strings(P.CATEGORIES, i_cat),
            "quantity": pa.array(i_qty.astype("int32"), pa.int32()),
            "unit_price": pa.array(i_price, pa.float64()),
        },
        schema=ORDER_ITEM_SCHEMA,
    )
    return Orders(ent=o_ent, t=o_t, persona=o_p, ids=order_ids, item_order=i_order, orders=orders, items=items)


def without_prices(table: pa.Table) -> pa.Table:
    """`table` (orders or order items) with its price columns null: an export without prices."""
    for name in PRICE_COLUMNS:
        if name in table.column_names:
            i = table.schema.get_field_index(name)
            table = table.set_column(i, table.schema.field(i), pa.nulls(table.num_rows, table.schema.field(i).type))
    return table
