"""The generator's ground truth: personas, information gaps, actions and their uplifts.

Everything the synthetic world is made of lives here, in one place, so that
tests and benchmarks can compare what the warehouse recovers against what was
planted. The dbt models never import or read any of this.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PERSONAS: tuple[str, ...] = (
    "loyal_high_value",
    "bargain_hunter",
    "window_shopper",
    "one_off_buyer",
    "at_risk",
    # anonymous visitors who never sign up: not in the customers table
    "visitor",
)
CUSTOMER_PERSONAS = PERSONAS[:-1]
VISITOR = len(PERSONAS) - 1


@dataclass(frozen=True)
class PersonaParams:
    """Per-persona behaviour, one value per entry of PERSONAS (visitor last)."""

    share: np.ndarray  # mix among customers (visitor share unused)
    session_rate: np.ndarray  # sessions per active day
    churn_hazard: np.ndarray  # per day, memoryless
    buyer_p: np.ndarray  # probability of ever making a first purchase
    first_purchase_mean_days: np.ndarray
    repeat_buy_p: np.ndarray  # purchase probability of a session after the first purchase
    browse_mu: np.ndarray  # mean browse events per session
    app_share: np.ndarray  # share of devices that are apps
    basket_extra_mu: np.ndarray  # extra items per order (Poisson)
    discount_p: np.ndarray
    price_mult: np.ndarray
    review_p: np.ndarray
    review_mean: np.ndarray
    nps_mean: np.ndarray
    base_conversion: np.ndarray  # marketing: conversion without treatment


PARAMS = PersonaParams(
    share=np.array([0.15, 0.25, 0.25, 0.20, 0.15, 0.0]),
    session_rate=np.array([0.30, 0.18, 0.12, 0.08, 0.12, 0.10]),
    churn_hazard=np.array([0.002, 0.006, 0.010, 0.025, 0.015, 0.15]),
    buyer_p=np.array([0.97, 0.85, 0.25, 0.90, 0.70, 0.0]),
    first_purchase_mean_days=np.array([3.0, 7.0, 20.0, 5.0, 8.0, 1.0]),
    repeat_buy_p=np.array([0.35, 0.20, 0.03, 0.02, 0.12, 0.0]),
    browse_mu=np.array([4.0, 6.0, 7.0, 3.0, 4.0, 3.0]),
    app_share=np.array([0.6, 0.4, 0.3, 0.2, 0.3, 0.2]),
    basket_extra_mu=np.array([1.5, 1.0, 0.3, 0.5, 0.7, 0.0]),
    discount_p=np.array([0.10, 0.70, 0.20, 0.20, 0.30, 0.0]),
    price_mult=np.array([1.4, 0.8, 1.0, 1.0, 0.9, 1.0]),
    review_p=np.array([0.30, 0.10, 0.05, 0.05, 0.10, 0.0]),
    review_mean=np.array([4.6, 4.0, 3.8, 3.9, 2.8, 3.0]),
    nps_mean=np.array([9.0, 7.5, 7.0, 7.0, 4.0, 5.0]),
    base_conversion=np.array([0.05, 0.03, 0.01, 0.01, 0.02, 0.0]),
)


@dataclass(frozen=True)
class GapType:
    """An information-seeking touchpoint; `effect` > 0 means a planted gap."""

    touchpoint: str  # name used in the taxonomy / reports
    event_type: str  # raw event_type written
    stage: str  # journey stage where it happens
    page_path: str
    exposure_p: float  # chance an entity meets it once at that stage
    effect: float  # extra probability of dropping out right after it


GAPS: tuple[GapType, ...] = (
    GapType("search_zero_results", "search", "consideration", "/search", 0.20, 0.45),
    GapType("shipping_info_view", "shipping_info_view", "purchase", "/help/shipping", 0.15, 0.35),
    GapType("support_contact", "support_contact", "retention", "/support", 0.10, 0.30),
    GapType("faq_view", "faq_view", "consideration", "/help/faq", 0.15, 0.0),
    GapType("size_guide_view", "size_guide_view", "consideration", "/help/size-guide", 0.12, 0.0),
    GapType("returns_info_view", "returns_info_view", "purchase", "/help/returns", 0.10, 0.0),
)

ACQUISITION_CHANNELS = (
    "organic_search",
    "paid_search",
    "social",
    "email",
    "referral",
    "direct",
    "display",
)
ACQUISITION_WEIGHTS = np.array([0.30, 0.20, 0.15, 0.05, 0.10, 0.15, 0.05])
RETURN_CHANNEL_WEIGHTS = np.array([0.20, 0.10, 0.10, 0.15, 0.05, 0.40, 0.0])
UTM = {
    "paid_search": ("google", "cpc", "brand_search"),
    "social": ("instagram", "social", "spring_promo"),
    "email": ("newsletter", "email", "weekly_digest"),
    "display": ("criteo", "display", "retargeting"),
}

DEVICES = ("desktop", "mobile_web", "ios_app", "android_app")

CATEGORIES = ("apparel", "footwear", "electronics", "home", "beauty", "sports", "books", "toys")
CATEGORY_PRICE = np.array([40.0, 80.0, 150.0, 60.0, 25.0, 55.0, 15.0, 30.0])

COUNTRIES = {
    "DE": ("Berlin", "Munich", "Hamburg"),
    "FR": ("Paris", "Lyon", "Marseille"),
    "GB": ("London", "Manchester", "Leeds"),
    "NL": ("Amsterdam", "Rotterdam", "Utrecht"),
    "ES": ("Madrid", "Barcelona", "Valencia"),
    "IT": ("Rome", "Milan", "Turin"),
}
COUNTRY_WEIGHTS = np.array([0.30, 0.20, 0.20, 0.10, 0.10, 0.10])

SEARCH_TERMS = tuple(
    [
        "running shoes",
        "winter jacket",
        "usb c cable",
        "desk lamp",
        "face cream",
        "yoga mat",
        "crime novel",
        "lego set",
        "linen shirt",
        "headphones",
    ]
)
UNANSWERED_SEARCH_TERMS = tuple(
    [
        "express delivery saturday",
        "vegan leather boots size 47",
        "warranty extension",
        "gift wrapping",
        "click and collect",
    ]
)

ACTIONS: tuple[str, ...] = (
    "welcome_email",
    "discount_10",
    "winback_offer",
    "shipping_faq_email",
    "size_guide_email",
    "review_request",
    "push_reminder",
    "holdout",
)
ACTION_CHANNEL = {
    "welcome_email": "email",
    "discount_10": "email",
    "winback_offer": "email",
    "shipping_faq_email": "email",
    "size_guide_email": "email",
    "review_request": "email",
    "push_reminder": "push",
    "holdout": "none",
}
ACTION_WEIGHTS = np.array([0.10, 0.18, 0.14, 0.12, 0.10, 0.12, 0.14, 0.10])

# true conversion uplift of each action (rows, ACTIONS order) per customer persona
# (columns, CUSTOMER_PERSONAS order); the holdout row is the control: zero uplift.
TRUE_UPLIFT = np.array(
    [
        [0.02, 0.02, 0.02, 0.02, 0.02],  # welcome_email
        [0.01, 0.08, 0.03, 0.02, 0.04],  # discount_10
        [0.02, 0.04, 0.01, 0.05, 0.10],  # winback_offer
        [0.01, 0.01, 0.06, 0.01, 0.03],  # shipping_faq_email
        [0.01, 0.02, 0.04, 0.01, 0.01],  # size_guide_email
        [0.005, 0.005, 0.005, 0.005, 0.005],  # review_request
        [0.05, 0.01, 0.01, 0.01, 0.01],  # push_reminder
        [0.0, 0.0, 0.0, 0.0, 0.0],  # holdout
    ]
)


def true_churn_probability(
    hazard: np.ndarray,
    order_rate: np.ndarray,
    churned: np.ndarray,
    horizon_days: float = 90.0,
) -> np.ndarray:
    """P(no order in the next `horizon_days`) given the latent state at an as-of date.

    An active customer orders as a Poisson process of rate `order_rate` until
    an exponential churn time of rate `hazard`; a churned one never orders.
    P = h/(h+mu) * (1 - exp(-(h+mu) H)) + exp(-(h+mu) H).
    """
    total = hazard + order_rate
    decay = np.exp(-total * horizon_days)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_alive = np.where(total > 0, hazard / total * (1.0 - decay) + decay, 1.0)
    return np.where(churned, 1.0, p_alive)
