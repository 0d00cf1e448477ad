"""Data-driven channel attribution: Markov-chain removal effects and Shapley values over channel paths.

The input is aggregated in the warehouse (int_channel_paths_counted): one row per distinct channel
path, the channels of a journey in time order with consecutive repeats collapsed, joined by ' > ',
with the paths that ended in a conversion (`conversion_count`), those that did not
(`non_conversion_count`) and the revenue of the conversions (`revenue_amount`). The path '(none)'
holds the conversions no session preceded: they are credited to the channel '(none)' whole, as the
rule-based models do, and the two models split the other conversions and their revenue.

Markov (first order): states start -> channels -> conversion / null, transition probabilities from
the paths' counts. A channel's removal effect is the share of the conversion probability lost when
the channel is removed (every transition into it goes to null); the credits are the removal effects
normalised to the conversions. Revenue is split by removal effects on the expected revenue, where a
conversion from a channel is worth the mean revenue of the conversions it was last before.
Collapsing repeats changes none of this: a self-loop only delays absorption.

Shapley: the channels are players; a coalition S is worth the conversion rate of the journeys whose
channel set is a subset of S (converting and non-converting ones: conversions / journeys, 0 when no
journey used only channels of S), and, for revenue, their revenue per journey: a characteristic
function of conversion probabilities, as in Dalessandro et al. (2012, who show the probabilistic
model of Shao & Li 2011 approximates its Shapley value) and Berman (2018), here each coalition's
rate estimated from the journeys that stayed within it. A channel's Shapley value is its
average marginal change of that rate; a channel as frequent on non-converting journeys as on
converting ones changes no rate and gets about nothing, where a worth counting conversions only (the
"simplified" Shapley value of Zhao et al. 2018: each conversion split evenly over its path's
channels) credits every channel on a converting path. The values add up to the rate of all touched
journeys; negative ones (a channel whose journeys convert below those it joins) are set to 0 and
the rest normalised to the conversions and revenue. The value is computed exactly over every
coalition (2^n of them), so the number of channels is capped: beyond `max_channels`, those with the
fewest conversions are merged into '(other)'.
Both models' credits add up to the conversions and revenue they split.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial
from pathlib import Path

import numpy as np
import pandas as pd

PATH_SEPARATOR = " > "
NO_TOUCH = "(none)"
OTHER = "(other)"
MODELS = ("markov", "shapley")
# the most Shapley players: 2^20 coalitions are 16 MB and about a second
MAX_PLAYERS = 20
OUTPUT_COLUMNS = {
    "attribution_model": "string",
    "channel": "string",
    "orders_touched": "int64",
    "credited_conversions": "float64",
    "credited_revenue_amount": "float64",
    "removal_effect": "float64",
    "revenue_removal_effect": "float64",
    "shapley_value": "float64",
}


@dataclass(frozen=True)
class ChannelPaths:
    """Distinct channel paths with their outcomes; the conversions without any touch apart."""

    paths: list[tuple[str, ...]]
    conversions: np.ndarray
    non_conversions: np.ndarray
    revenue: np.ndarray
    untouched_conversions: float
    untouched_revenue: float

    @property
    def channels(self) -> list[str]:
        return sorted({c for path in self.paths for c in path})


def read_paths(frame: pd.DataFrame) -> ChannelPaths:
    """The rows of int_channel_paths_counted (channel_path, conversion_count, non_conversion_count,
    revenue_amount) as ChannelPaths; a path is split on ' > ', '(none)' is the empty path."""
    untouched = frame.channel_path == NO_TOUCH
    touched = frame[~untouched]
    return ChannelPaths(
        paths=[tuple(str(p).split(PATH_SEPARATOR)) for p in touched.channel_path],
        conversions=touched.conversion_count.fillna(0).to_numpy(dtype=float),
        non_conversions=touched.non_conversion_count.fillna(0).to_numpy(dtype=float),
        revenue=touched.revenue_amount.fillna(0).to_numpy(dtype=float),
        untouched_conversions=float(frame.loc[untouched, "conversion_count"].fillna(0).sum()),
        untouched_revenue=float(frame.loc[untouched, "revenue_amount"].fillna(0).sum()),
    )


def _normalised(effects: np.ndarray, total: float) -> np.ndarray:
    """`effects` scaled to add up to `total` (zeros when there is nothing to split)."""
    mass = effects.sum()
    return effects * (total / mass) if mass > 0 and total != 0 else np.zeros_like(effects)


def markov_credits(data: ChannelPaths) -> pd.DataFrame:
    """One row per channel: conversion and revenue removal effects (first-order Markov chain over
    start -> channels -> conversion / null) and the credits they give, normalised to the
    conversions and revenue of the touched paths."""
    channels = data.channels
    index = {c: i + 1 for i, c in enumerate(channels)}  # 0 is the start state
    n = len(channels) + 1
    moves = np.zeros((n, n))
    to_conversion = np.zeros(n)
    to_null = np.zeros(n)
    conversion_value = np.zeros(n)
    for path, conv, non_conv, revenue in zip(
        data.paths, data.conversions, data.non_conversions, data.revenue, strict=True
    ):
        states = [0, *(index[c] for c in path)]
        for a, b in zip(states[:-1], states[1:], strict=True):
            if a != b:  # a repeat only delays absorption
                moves[a, b] += conv + non_conv
        to_conversion[states[-1]] += conv
        to_null[states[-1]] += non_conv
        conversion_value[states[-1]] += revenue
    leaving = moves.sum(axis=1) + to_conversion + to_null
    safe = np.where(leaving > 0, leaving, 1.0)
    transition = moves / safe[:, None]
    p_conversion = to_conversion / safe
    # a conversion from a state is worth the mean revenue of the conversions last-touched there
    mean_value = np.divide(conversion_value, to_conversion, out=np.zeros(n), where=to_conversion > 0)

    def reach(removed: int | None) -> tuple[float, float]:
        """P(conversion) and expected revenue from the start, with channel `removed` a dead end."""
        q, r = transition.copy(), p_conversion.copy()
        if removed is not None:
            q[removed, :] = 0.0
            r[removed] = 0.0
        solved = np.linalg.solve(np.eye(n) - q, np.column_stack([r, r * mean_value]))
        return float(solved[0, 0]), float(solved[0, 1])

    base_conversion, base_value = reach(None)
    effects = np.zeros(len(channels))
    value_effects = np.zeros(len(channels))
    for i in index.values():
        conversion, value = reach(i)
        effects[i - 1] = 1 - conversion / base_conversion if base_conversion > 0 else 0.0
        value_effects[i - 1] = 1 - value / base_value if base_value > 0 else 0.0
    effects, value_effects = np.clip(effects, 0, None), np.clip(value_effects, 0, None)
    return pd.DataFrame(
        {
            "channel": channels,
            "orders_touched": _orders_touched(data, channels),
            "credited_conversions": _normalised(effects, float(data.conversions.sum())),
            "credited_revenue_amount": _normalised(value_effects, float(data.revenue.sum())),
            "removal_effect": effects,
            "revenue_removal_effect": value_effects,
        }
    )


def _orders_touched(data: ChannelPaths, channels: list[str], merged: dict[str, str] | None = None) -> np.ndarray:
    """Per channel (after `merged`: channel -> player): conversions whose path holds it."""
    merged = merged or {}
    counts = dict.fromkeys(channels, 0.0)
    for path, conv in zip(data.paths, data.conversions, strict=True):
        for c in {merged.get(c, c) for c in path}:
            counts[c] += conv
    return np.array([counts[c] for c in channels], dtype=np.int64)


def shapley_players(data: ChannelPaths, max_channels: int) -> tuple[list[str], dict[str, str]]:
    """The Shapley players: every channel when there are at most `max_channels`; else the
    `max_channels - 1` with the most conversions (then paths, then name) and '(other)' for the rest.
    Returns the players and the merge map (channel -> '(other)')."""
    if not 2 <= max_channels <= MAX_PLAYERS:
        raise ValueError(
            f"max_channels (var attribution_shapley_max_channels) must be from 2 to {MAX_PLAYERS} "
            f"(2^n coalitions), got {max_channels}"
        )
    channels = data.channels
    if len(channels) <= max_channels:
        return channels, {}
    conversions = dict.fromkeys(channels, 0.0)
    paths = dict.fromkeys(channels, 0.0)
    for path, conv, non_conv in zip(data.paths, data.conversions, data.non_conversions, strict=True):
        for c in set(path):
            conversions[c] += conv
            paths[c] += conv + non_conv
    ranked = sorted(channels, key=lambda c: (-conversions[c], -paths[c], c))
    kept = sorted(ranked[: max_channels - 1])
    return [*kept, OTHER], {c: OTHER for c in ranked[max_channels - 1 :]}


def coalition_worth(data: ChannelPaths, players: list[str], merged: dict[str, str]) -> np.ndarray:
    """v(S) for every coalition S (a bit mask over `players`), 2 columns: the conversion rate and the
    revenue per journey of the journeys (converting or not) whose channel set is a subset of S; 0
    when there is none. The totals within S are each exact set's summed over its supersets (a zeta
    transform, n 2^n additions)."""
    bit = {p: 1 << i for i, p in enumerate(players)}
    totals = np.zeros((1 << len(players), 3))  # journeys, conversions, revenue
    for path, conv, non_conv, revenue in zip(
        data.paths, data.conversions, data.non_conversions, data.revenue, strict=True
    ):
        mask = 0
        for c in path:
            mask |= bit[merged.get(c, c)]
        totals[mask] += (conv + non_conv, conv, revenue)
    masks = np.arange(len(totals))
    for i in range(len(players)):
        has = (masks >> i) & 1 == 1
        totals[has] += totals[masks[has] ^ (1 << i)]
    journeys = totals[:, :1]
    return np.divide(totals[:, 1:], journeys, out=np.zeros((len(totals), 2)), where=journeys > 0)


def shapley_values(worth: np.ndarray) -> np.ndarray:
    """The exact Shapley value of each of the n players of a game given by `worth` (2^n rows, one per
    coalition bit mask; any number of columns, each a game): sum over the coalitions S without
    player i of |S|! (n - |S| - 1)! / n! x (v(S + i) - v(S))."""
    size = len(worth)
    n = size.bit_length() - 1
    if size != 1 << n:
        raise ValueError(f"worth needs 2^n rows, got {size}")
    masks = np.arange(size)
    members = np.array([bin(m).count("1") for m in range(size)])
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) if s < n else 0.0 for s in range(n + 1)])
    values = np.zeros((n, worth.shape[1]))
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        marginal = worth[without | (1 << i)] - worth[without]
        values[i] = (weight[members[without]][:, None] * marginal).sum(axis=0)
    return values


def shapley_credits(data: ChannelPaths, max_channels: int) -> pd.DataFrame:
    """One row per Shapley player (channel, or '(other)' beyond `max_channels`): its Shapley value in
    the conversion-rate game (`shapley_value`) and the credits: the values of the conversion-rate
    and revenue-per-journey games, negative ones set to 0, normalised to the touched paths'
    conversions and revenue."""
    players, merged = shapley_players(data, max_channels)
    if not players:
        return pd.DataFrame(
            columns=["channel", "orders_touched", "credited_conversions", "credited_revenue_amount", "shapley_value"]
        )
    values = shapley_values(coalition_worth(data, players, merged))
    positive = np.clip(values, 0, None)
    return pd.DataFrame(
        {
            "channel": players,
            "orders_touched": _orders_touched(data, players, merged),
            "credited_conversions": _normalised(positive[:, 0], float(data.conversions.sum())),
            "credited_revenue_amount": _normalised(positive[:, 1], float(data.revenue.sum())),
            "shapley_value": values[:, 0],
        }
    )


def data_driven_attribution(frame: pd.DataFrame, max_channels: int) -> pd.DataFrame:
    """One row per data-driven attribution model ('markov', 'shapley') x channel, plus channel
    '(none)' for the conversions without a touch: the orders whose path holds the channel, the
    conversions and revenue credited, and (Markov) the removal effects. Within each model the
    credits add up to every conversion and all their revenue."""
    data = read_paths(frame)
    parts = []
    if data.paths:
        parts.append(markov_credits(data).assign(attribution_model="markov"))
        parts.append(shapley_credits(data, max_channels).assign(attribution_model="shapley"))
    if data.untouched_conversions > 0:
        for model in MODELS:
            parts.append(
                pd.DataFrame(
                    {
                        "attribution_model": [model],
                        "channel": [NO_TOUCH],
                        "orders_touched": [int(data.untouched_conversions)],
                        "credited_conversions": [data.untouched_conversions],
                        "credited_revenue_amount": [data.untouched_revenue],
                    }
                )
            )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in OUTPUT_COLUMNS.items()})
    table = pd.concat(parts, ignore_index=True).reindex(columns=list(OUTPUT_COLUMNS))
    table = table.astype(OUTPUT_COLUMNS)
    return table.sort_values(["attribution_model", "channel"]).reset_index(drop=True)


def attribution_plot(data_driven: pd.DataFrame, rule_based: pd.DataFrame) -> Path | None:
    """Conversions credited to each channel under every attribution model (rule_based:
    rpt_channel_attribution's attribution_model, channel, credited_conversions), grouped bars;
    None, undrawn, with CJ_CHARTS=off."""
    from customer_journey.ml.plots import assets_dir, charts_on

    if not charts_on():
        return None
    import matplotlib.pyplot as plt

    credits = pd.concat(
        [
            rule_based.groupby(["attribution_model", "channel"], as_index=False).credited_conversions.sum(),
            data_driven[["attribution_model", "channel", "credited_conversions"]],
        ]
    )
    table = credits.pivot_table(
        index="channel", columns="attribution_model", values="credited_conversions", aggfunc="sum", fill_value=0.0
    )
    order = ["first_touch", "last_touch", "linear", "position_based", *MODELS]
    table = table[[m for m in order if m in table.columns] + [m for m in table.columns if m not in order]]
    table = table.loc[table.sum(axis=1).sort_values(ascending=False).index] if len(table) else table
    fig, ax = plt.subplots(figsize=(10, 3.8))
    width = 0.8 / max(len(table.columns), 1)
    for j, model in enumerate(table.columns):
        ax.bar(np.arange(len(table)) + j * width, table[model].to_numpy(), width, label=model)
    ax.set_xticks(np.arange(len(table)) + 0.4 - width / 2, table.index, rotation=20, ha="right")
    ax.set(ylabel="conversions credited", title="Conversions credited per channel, by attribution model")
    if len(table.columns):
        ax.legend(fontsize=8, ncol=3)
    path = assets_dir() / "channel_attribution_data_driven.png"
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
