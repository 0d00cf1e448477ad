"""Charts of the journey reports rpt_conversion_drivers and rpt_dropoff_paths (PNGs for dbt docs).

Each function takes the report as a DataFrame (all its rows, or the columns it names), draws one
funnel's steps and saves the PNG under `plots.assets_dir()`, returning its path, like the other
plots of `customer_journey.ml.plots`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from customer_journey.ml.plots import assets_dir, chart, charts_on  # noqa: E402

DRIVER_COLUMNS = (
    "funnel_name",
    "funnel_step",
    "step_order",
    "behaviour_label",
    "evidence",
    "goes_with",
    "share_of_converters",
    "share_of_dropouts",
    "dropoff_lift",
    "driver_rank",
    "is_step_event",
    "is_significant",
)
PATH_COLUMNS = ("funnel_name", "funnel_step", "step_order", "path_group", "path", "path_rank", "share_of_group")
PATH_GROUPS = ("converters_before", "dropouts_before", "dropouts_after")
PATH_GROUP_TITLES = {
    "converters_before": "converters: last steps before converting",
    "dropouts_before": "drop-outs: last steps before leaving",
    "dropouts_after": "drop-outs: first steps after the step",
}


def _save(fig, name: str) -> Path:
    path = assets_dir() / f"{name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _funnel_rows(frame: pd.DataFrame, columns: tuple[str, ...], funnel: str) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the frame lacks the report's columns {missing}")
    rows = frame[frame.funnel_name == funnel]
    if rows.empty and len(frame):
        rows = frame[frame.funnel_name == frame.funnel_name.iloc[0]]
    return rows


def _empty(name: str, title: str) -> Path:
    fig, ax = plt.subplots(figsize=(6, 1.5))
    ax.axis("off")
    ax.text(0.5, 0.5, f"{title}: no rows", ha="center", va="center")
    return _save(fig, name)


@chart
def conversion_drivers_plot(frame: pd.DataFrame, funnel: str = "journey_stages", top: int = 8) -> Path:
    """One panel per step of `funnel` (the first funnel of the frame when it is absent): the step's
    `top` behaviours by driver_rank, step events left out, each as the share of converters (green)
    and of drop-outs (red) still at the step at the row's landmark who did it; significant ones are
    starred and coloured by what they go with, and touchpoints judged by the case-crossover carry
    their drop-off lift."""
    rows = _funnel_rows(frame, DRIVER_COLUMNS, funnel)
    rows = rows[~rows.is_step_event.astype(bool)]
    if rows.empty:
        return _empty("conversion_drivers", "Conversion drivers")
    steps = rows.sort_values("step_order").drop_duplicates("step_order")[["step_order", "funnel_step"]]
    shown = [rows[rows.step_order == step].sort_values("driver_rank").head(top) for step in steps.step_order]
    heights = [max(len(s), 1) * 0.32 + 0.9 for s in shown]
    fig, axes = plt.subplots(
        len(shown), 1, figsize=(10, sum(heights)), gridspec_kw={"height_ratios": heights}, squeeze=False
    )
    for ax, (_, step), step_rows in zip(axes[:, 0], steps.iterrows(), shown, strict=True):
        y = np.arange(len(step_rows))[::-1]
        conv = step_rows.share_of_converters.fillna(0).to_numpy()
        drop = step_rows.share_of_dropouts.fillna(0).to_numpy()
        ax.hlines(y, np.minimum(conv, drop), np.maximum(conv, drop), color="lightgrey", linewidth=3)
        ax.scatter(conv, y, color="tab:green", label="converters", zorder=3)
        ax.scatter(drop, y, color="tab:red", label="drop-outs", zorder=3)
        labels = []
        for row in step_rows.itertuples():
            label = str(row.behaviour_label)
            if row.evidence == "case_crossover" and pd.notna(row.dropoff_lift):
                label += f"  (drop-off lift {row.dropoff_lift:+.0%})"
            labels.append(("* " if bool(row.is_significant) else "") + label)
        ax.set_yticks(y, labels, fontsize=8)
        for tick, row in zip(ax.get_yticklabels(), step_rows.itertuples(), strict=True):
            if bool(row.is_significant):
                tick.set_color("tab:red" if row.goes_with == "dropout" else "tab:green")
        ax.set_xlim(0, 1)
        ax.set_title(f"{step.funnel_step} -> next step: who did what (* significant, Holm)", fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
    axes[0, 0].legend(loc="lower right", fontsize=7)
    axes[-1, 0].set_xlabel("share of the group (still at the step at the landmark) who did it")
    return _save(fig, "conversion_drivers")


@chart
def dropoff_paths_plot(frame: pd.DataFrame, funnel: str = "journey_stages", top: int = 5) -> Path:
    """A grid: one row per step of `funnel` (the first funnel of the frame when it is absent), one
    column per path group (converters before converting, drop-outs before leaving, drop-outs after
    the step); each cell the group's `top` paths by rank as bars of their share of the group."""
    rows = _funnel_rows(frame, PATH_COLUMNS, funnel)
    if rows.empty:
        return _empty("dropoff_paths", "Drop-off paths")
    steps = rows.sort_values("step_order").drop_duplicates("step_order")[["step_order", "funnel_step"]]
    fig, axes = plt.subplots(
        len(steps), len(PATH_GROUPS), figsize=(16, 0.32 * top * len(steps) + 1.2 * len(steps)), squeeze=False
    )
    for i, (_, step) in enumerate(steps.iterrows()):
        for j, group in enumerate(PATH_GROUPS):
            ax = axes[i, j]
            cell = rows[(rows.step_order == step.step_order) & (rows.path_group == group)]
            cell = cell.sort_values("path_rank").head(top)
            y = np.arange(len(cell))[::-1]
            colour = "tab:green" if group == "converters_before" else "tab:red"
            ax.barh(y, cell.share_of_group, color=colour, alpha=0.35)
            for yi, (path, share) in zip(y, zip(cell.path, cell.share_of_group, strict=True), strict=True):
                ax.text(0.005, yi, f"{share:.0%}  {path}", va="center", fontsize=7)
            ax.set_yticks([])
            ax.set_xlim(0, max(float(cell.share_of_group.max()) if len(cell) else 0.0, 0.05) * 1.6)
            ax.tick_params(axis="x", labelsize=7)
            ax.set_title(f"{step.funnel_step}: {PATH_GROUP_TITLES[group]}", fontsize=8)
    return _save(fig, "dropoff_paths")


def report_charts(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Draw the chart of each journey report in `frames` (report name -> its rows); one row per
    chart: its file under the assets folder, the report and the report rows drawn."""
    from customer_journey.ml.lifecycle_charts import lifecycle_plot, revenue_retention_plot, stickiness_plot

    drawers: dict[str, Callable[[pd.DataFrame], Path | None]] = {
        "rpt_conversion_drivers": conversion_drivers_plot,
        "rpt_dropoff_paths": dropoff_paths_plot,
        "rpt_lifecycle": lifecycle_plot,
        "rpt_stickiness": stickiness_plot,
        "rpt_revenue_retention": revenue_retention_plot,
    }
    unknown = sorted(set(frames) - set(drawers))
    if unknown:
        raise ValueError(f"no chart is defined for {unknown}; charts exist for {sorted(drawers)}")
    if not charts_on():  # CJ_CHARTS=off: nothing drawn, no rows
        return pd.DataFrame(
            {
                "chart_file": pd.Series(dtype="string"),
                "source_model": pd.Series(dtype="string"),
                "source_rows": pd.Series(dtype="int64"),
            }
        )
    rows = []
    for report, frame in frames.items():
        drawn = drawers[report](frame)  # charts are on: a file
        rows.append({"chart_file": drawn.name if drawn else None, "source_model": report, "source_rows": len(frame)})
    return pd.DataFrame(rows, columns=["chart_file", "source_model", "source_rows"])
