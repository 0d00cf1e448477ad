"""Plots of the lifecycle marts (models/marts/lifecycle) for dbt docs: PNG files under the assets
folder (`plots.assets_dir()`), each drawn from one report's rows and returning the file's path.

- `lifecycle_plot(rpt_lifecycle)`: growth accounting per period, with the quick ratio
- `stickiness_plot(rpt_stickiness)`: the stickiness ratio over time and the active-days distribution
- `revenue_retention_plot(rpt_revenue_retention)`: net revenue retention by cohort, beside customer
  retention, and by a breakdown
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator, NullFormatter  # noqa: E402

from customer_journey.ml.plots import assets_dir, chart  # noqa: E402

GRAINS = ("week", "month")
QUICK_RATIO_TICKS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
GROWTH_STATES = (  # (column, label, colour, sign): gains up, losses down
    ("new_customers", "new", "tab:green", 1),
    ("resurrected_customers", "resurrected", "tab:olive", 1),
    ("returning_customers", "returning", "tab:blue", 1),
    ("dormant_customers", "dormant (lost)", "tab:red", -1),
)


def _save(fig, name: str) -> Path:
    path = assets_dir() / f"{name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _grains(frame: pd.DataFrame) -> list[str | None]:
    """The grains in the frame, in report order; [None] when it is empty (one panel saying so)."""
    present = set(frame["period_grain"]) if len(frame) else set()
    found: list[str | None] = [g for g in GRAINS if g in present]
    return found or [None]


def _no_data(ax, what: str) -> None:
    ax.text(0.5, 0.5, f"no {what}", ha="center", va="center", transform=ax.transAxes, color="grey")
    ax.set_axis_off()


def _period_labels(starts: pd.Series, grain: str) -> list[str]:
    fmt = "%Y-%m" if grain == "month" else "%m-%d"
    return [pd.Timestamp(s).strftime(fmt) for s in starts]


@chart
def lifecycle_plot(frame: pd.DataFrame) -> Path:
    """Growth accounting from rpt_lifecycle, one panel per grain: new, resurrected and returning
    customers up, dormant (lost this period) down, the quick ratio on the right axis; partial
    periods are drawn pale."""
    grains = _grains(frame)
    fig, axes = plt.subplots(1, len(grains), figsize=(6.5 * len(grains), 3.6), squeeze=False)
    for ax, grain in zip(axes[0], grains, strict=True):
        if grain is None:
            _no_data(ax, "lifecycle rows")
            continue
        rows = frame[frame.period_grain == grain].sort_values("period_start")
        x = np.arange(len(rows))
        alpha = np.where(rows.is_partial_period.astype(bool), 0.35, 1.0)
        bottom = np.zeros(len(rows))
        for column, label, colour, sign in GROWTH_STATES:
            values = sign * rows[column].to_numpy(dtype=float)
            base = bottom if sign > 0 else np.zeros(len(rows))
            bars = ax.bar(x, values, bottom=base, color=colour, label=label)
            for bar, a in zip(bars, alpha, strict=True):
                bar.set_alpha(a)
            if sign > 0:
                bottom = bottom + values
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xticks(x, _period_labels(rows.period_start, grain), rotation=60, ha="right", fontsize=7)
        ax.set(title=f"Lifecycle by {grain} (pale: partial period)", ylabel="customers")
        # the quick ratio of full periods only (a partial period's is not comparable), on a log
        # scale: the first periods, with few customers to lose, have ratios in the tens
        full = ~rows.is_partial_period.astype(bool) & (rows.quick_ratio.astype(float) > 0)
        ratio = ax.twinx()
        ratio.plot(x[full], rows.quick_ratio[full].astype(float), color="black", marker=".", linewidth=1)
        ratio.axhline(1, color="grey", linestyle=":", linewidth=0.8)
        ratio.set_yscale("log")
        shown = rows.quick_ratio[full].astype(float)
        if len(shown):
            ticks = [t for t in QUICK_RATIO_TICKS if shown.min() / 2 <= t <= shown.max() * 2]
            ratio.set_yticks(ticks, [f"{t:g}" for t in ticks])
            ratio.yaxis.set_minor_formatter(NullFormatter())
        ratio.set_ylabel("quick ratio (full periods)")
        handles: list[Artist] = [Patch(color=colour, label=label) for _, label, colour, _ in GROWTH_STATES]
        handles.append(Line2D([], [], color="black", marker=".", label="quick ratio"))
        ax.legend(handles=handles, loc="upper left", fontsize=7)
    return _save(fig, "lifecycle_overview")


@chart
def stickiness_plot(frame: pd.DataFrame) -> Path:
    """From rpt_stickiness: the stickiness ratio (DAU/WAU, DAU/MAU) per period, and the share of
    active customers by active days in the latest complete period of each grain."""
    fig, (trend, spread) = plt.subplots(1, 2, figsize=(11, 3.6))
    if not len(frame):
        _no_data(trend, "stickiness rows")
        _no_data(spread, "stickiness rows")
        return _save(fig, "stickiness_overview")
    for grain in _grains(frame):
        rows = frame[frame.period_grain == grain]
        periods = rows.drop_duplicates("period_start").sort_values("period_start")
        full = periods[~periods.is_partial_period.astype(bool)]
        name = "DAU/WAU" if grain == "week" else "DAU/MAU"
        trend.plot(pd.to_datetime(full.period_start), full.stickiness_ratio.astype(float), marker=".", label=name)
        latest = (full if len(full) else periods).period_start.max()
        curve = rows[rows.period_start == latest].sort_values("active_days")
        label = f"{grain} of {pd.Timestamp(latest):%Y-%m-%d} (mean {curve.mean_active_days.iloc[0]:.2f} days)"
        spread.plot(curve.active_days, curve.share_of_active_customers.astype(float), marker="o", label=label)
    trend.set(title="Stickiness (full periods)", ylabel="avg daily active / period active", ylim=(0, None))
    trend.tick_params(axis="x", labelrotation=30, labelsize=7)
    trend.legend(fontsize=8)
    spread.set(title="Active days per active customer", xlabel="active days in the period", ylabel="share")
    spread.legend(fontsize=7)
    return _save(fig, "stickiness_overview")


def _pooled(rows: pd.DataFrame) -> pd.DataFrame:
    """Per months since the first purchase, over the cohorts that reached it: customer retention
    (active / cohort customers) and net revenue retention (revenue / those cohorts' month-0 revenue)."""
    grouped = rows.groupby("months_since_first_purchase")
    pooled = pd.DataFrame(
        {
            "customer_retention": grouped.active_customers.sum() / grouped.cohort_customers.sum(),
            "net_revenue_retention": grouped.revenue_amount.sum()
            / grouped.first_month_revenue_amount.sum().replace(0, np.nan),
        }
    )
    return pooled.reset_index()


@chart
def revenue_retention_plot(frame: pd.DataFrame, breakdown: str = "acquisition_channel") -> Path:
    """From rpt_revenue_retention: net revenue retention by cohort month x months since (dimension
    all), pooled customer vs revenue retention curves, and pooled net revenue retention by
    `breakdown` (acquisition_channel or first_order_category)."""
    fig, (heat, curves, split) = plt.subplots(1, 3, figsize=(15, 3.8))
    overall = frame[frame.dimension == "all"] if len(frame) else frame
    if not len(overall):
        for ax in (heat, curves, split):
            _no_data(ax, "revenue retention rows")
        return _save(fig, "revenue_retention_overview")
    grid = overall.pivot(index="cohort_month", columns="months_since_first_purchase", values="net_revenue_retention")
    image = heat.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="viridis", vmin=0)
    heat.set_xticks(range(len(grid.columns)), grid.columns)
    heat.set_yticks(range(len(grid.index)), [f"{pd.Timestamp(m):%Y-%m}" for m in grid.index])
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        if not np.isnan(value):
            colour = "black" if value > 0.6 * np.nanmax(grid.to_numpy(dtype=float)) else "white"
            heat.text(j, i, f"{value:.2f}", ha="center", va="center", color=colour, fontsize=7)
    heat.set(title="Net revenue retention by cohort", xlabel="months since first purchase")
    fig.colorbar(image, ax=heat, fraction=0.046)
    # the curves pool full calendar months only: a partial last month would read as a drop
    full = frame[~frame.is_partial_period.astype(bool)]
    pooled = _pooled(full[full.dimension == "all"])
    curves.plot(pooled.months_since_first_purchase, pooled.customer_retention, marker="o", label="customers")
    curves.plot(pooled.months_since_first_purchase, pooled.net_revenue_retention, marker="o", label="net revenue")
    curves.set(title="Retention, cohorts pooled (full months)", xlabel="months since first purchase", ylim=(0, None))
    curves.legend(fontsize=8)
    for ax in (curves, split):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    rows = full[full.dimension == breakdown]
    if not len(rows):
        _no_data(split, f"{breakdown} rows")
    else:
        for value, group in rows.groupby("dimension_value"):
            line = _pooled(group)
            split.plot(line.months_since_first_purchase, line.net_revenue_retention, marker=".", label=str(value))
        split.set(title=f"Net revenue retention by {breakdown}", xlabel="months since first purchase")
        split.legend(fontsize=6, ncol=2)
    return _save(fig, "revenue_retention_overview")
