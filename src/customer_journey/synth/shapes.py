"""Data-shape regimes (`cj synth --shape NAME`): what real exports look like, for tests.

A shape is the same simulated world seen through a different export. It sets defaults (customers,
days) that explicit settings override, which raw tables are written (a missing table is simply not
written; the build treats an absent optional table as empty), persona parameters, how many customers
ever order more than once, which feedback types exist, and whether prices and sign-up data are kept.
The `default` shape changes nothing: its output is byte-identical to the generator's before shapes.
docs/generator.md has the table of shapes and the facts measured on each.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from customer_journey.synth import personas as P
from customer_journey.synth.dirt import DIRT_KINDS
from customer_journey.synth.schemas import RAW_TABLES

DEFAULT_SHAPE = "default"

# random stream of the shapes' own latent draws (the default shape draws nothing from it)
SHAPE_STREAM = 10


@dataclass(frozen=True)
class Shape:
    name: str
    summary: str
    customers: int = 3_000
    days: int = 120
    tables: tuple[str, ...] = RAW_TABLES
    # PersonaParams field -> one value per persona (PERSONAS order, visitor last)
    params: dict[str, tuple[float, ...]] = field(default_factory=dict)
    # share of customers who may order again after their first order (None: everyone, as in the
    # default world); the others order at most once. Repeaters buy in a session after their first
    # purchase with their persona's probability times `repeat_scale` (at most 1).
    repeaters: float | None = None
    repeat_scale: float = 1.0
    # feedback types written (None: all of FEEDBACK_TYPES)
    feedback_types: tuple[str, ...] | None = None
    # orders and their items carry amounts, discounts, currency and unit prices
    priced: bool = True
    # the customers table carries sign-up data (signup_at, email, country, ...); without it, only
    # customer_id and signup_at = the customer's first activity (the first event of any device)
    signup_data: bool = True

    def writes(self, table: str) -> bool:
        return table in self.tables

    def persona_params(self) -> P.PersonaParams:
        """The persona parameters of this shape: the defaults with the shape's overrides."""
        if not self.params:
            return P.PARAMS
        return replace(P.PARAMS, **{k: np.array(v, dtype=float) for k, v in self.params.items()})

    def repeat_buy_p(self, seed: int, persona: np.ndarray, params: P.PersonaParams) -> np.ndarray:
        """Per entity: the probability that a session after the first purchase is a purchase."""
        base = params.repeat_buy_p[persona]
        if self.repeaters is None:
            return base
        rng = np.random.default_rng([seed, SHAPE_STREAM])
        repeater = rng.random(len(persona)) < self.repeaters
        return np.where(repeater, np.minimum(base * self.repeat_scale, 1.0), 0.0)

    def dirt_kinds(self, table: str) -> dict[str, float]:
        """The table's dirt kinds that make sense in this shape: no negative amounts without prices,
        no casing of email and country in a customers table that has neither."""
        kinds = dict(DIRT_KINDS.get(table, {}))
        if not self.priced and table == "orders":
            kinds.pop("negative_amount", None)
        if not self.signup_data and table == "customers":
            kinds.pop("casing_whitespace_clean", None)
        return kinds


SHAPES: dict[str, Shape] = {
    s.name: s
    for s in (
        Shape(DEFAULT_SHAPE, "the full world: clickstream, orders, feedback, marketing, sign-up data"),
        Shape(
            "marketplace",
            "a marketplace export: about 97 % of buyers order once, reviews a few days after delivery, "
            "no clickstream, no marketing",
            days=365,
            tables=("customers", "orders", "order_items", "feedback"),
            # a marketplace's customers are its buyers, and most orders get a review
            params={
                "buyer_p": (0.98, 0.98, 0.98, 0.98, 0.98, 0.0),
                "review_p": (0.75, 0.70, 0.65, 0.65, 0.60, 0.0),
            },
            # 14 % may order again, at a tenth of their persona's rate: ~97 % of buyers order once in a
            # year (96.8 % with 3,000 customers, seed 42), and who repeats mostly orders twice
            repeaters=0.14,
            repeat_scale=0.1,
            feedback_types=("review",),
        ),
        Shape(
            "event_log",
            "a short clickstream export: 9 days of events, purchases as order_completed events, orders "
            "without prices, no sign-up data, no marketing",
            days=9,
            tables=("customers", "events", "orders", "order_items", "feedback"),
            priced=False,
            signup_data=False,
        ),
        Shape(
            "orders_only",
            "an order history: 18 months of orders, about half the buyers order again, no events, no "
            "feedback, no marketing",
            days=540,
            tables=("customers", "orders", "order_items"),
            # 90 % may order again at their persona's rate: ~50 % of buyers order more than once in 18
            # months (50.3 % with 3,000 customers, seed 42; 57.7 % with everyone a possible repeater)
            repeaters=0.9,
        ),
        Shape("tiny", "the default world with 300 customers", customers=300),
    )
}


def get_shape(name: str) -> Shape:
    """The shape called `name`; an unknown name fails with the known ones."""
    if name not in SHAPES:
        raise SystemExit(f"unknown shape {name!r}: one of {', '.join(SHAPES)}")
    return SHAPES[name]
