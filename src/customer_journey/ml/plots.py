"""Plots the Python models write for dbt docs (PNG files under the assets folder).

dbt copies `asset-paths` (assets/) into the docs site; model descriptions show
them with `![...](assets/<name>.png)`. The folder is env CJ_ASSETS_DIR,
default `assets` in the project. Every plot is drawn from the model's own
output, so it shows the numbers in the table beside it. Env CJ_CHARTS=off
leaves them all undrawn (`chart`): runs nobody reads in dbt docs save the
drawing (about 10 s of CPU a build).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import precision_recall_curve, roc_curve  # noqa: E402

from customer_journey.ml.prediction import TrainingResult  # noqa: E402

P = ParamSpec("P")


def charts_on() -> bool:
    """Whether the Python models draw their charts: env CJ_CHARTS, `on` (the default) or `off`."""
    value = os.environ.get("CJ_CHARTS", "on").strip().lower()
    if value not in {"on", "off"}:
        raise ValueError(f"env CJ_CHARTS is {value!r}: set it to on (draw the dbt docs' charts, the default) or off")
    return value == "on"


def chart(draw: Callable[P, Path]) -> Callable[P, Path | None]:
    """A chart function that draws, and returns its file, unless CJ_CHARTS=off: then it returns None."""

    @functools.wraps(draw)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> Path | None:
        return draw(*args, **kwargs) if charts_on() else None

    return drawn


def assets_dir() -> Path:
    path = Path(os.environ.get("CJ_ASSETS_DIR", "assets"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _save(fig, name: str) -> Path:
    path = assets_dir() / f"{name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


@chart
def k_selection_plot(table: pd.DataFrame) -> Path:
    """Inertia and silhouette by k, the chosen k marked; a refusal's reason as the figure's title."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    a.plot(table.k, table.inertia, marker="o")
    a.set(title="Inertia (elbow)", xlabel="k")
    b.plot(table.k, table.silhouette, marker="o", color="tab:green")
    b.set(title="Silhouette (sample)", xlabel="k")
    for ax in (a, b):
        chosen = table.loc[table.is_chosen.astype(bool), "k"]
        if len(chosen):
            ax.axvline(int(chosen.iloc[0]), color="grey", linestyle="--", label="chosen k")
            ax.legend(loc="best")
    if "status" in table.columns and (table["status"] != "ok").any():
        reason = str(table["status_reason"].iloc[0])
        fig.suptitle(f"Segmentation refused: {reason[:110]}", fontsize=9, color="tab:red")
    return _save(fig, "segmentation_k_selection")


@chart
def segment_profile_plot(profile: pd.DataFrame) -> Path:
    """Segments x key features, each feature scaled to its maximum (a heat map)."""
    data = profile.set_index("segment_name")
    scaled = data / data.abs().max().replace(0, 1)
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(data) + 1.5))
    ax.imshow(scaled.to_numpy(), aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(data.columns)), data.columns, rotation=30, ha="right")
    ax.set_yticks(range(len(data)), data.index)
    for i in range(len(data)):
        for j in range(len(data.columns)):
            ax.text(j, i, f"{data.iloc[i, j]:.3g}", ha="center", va="center", color="white", fontsize=8)
    ax.set_title("Segment profiles (colour: share of the feature's maximum)")
    return _save(fig, "segment_profiles")


@chart
def feature_overview_plot(features: pd.DataFrame, importance: pd.DataFrame, top: int = 12) -> Path:
    """Distributions of the top features and their correlation heat map."""
    names = [n for n in importance.sort_values("importance_rank").feature_name if n in features.columns]
    names = [n for n in names if pd.api.types.is_numeric_dtype(features[n])][:top]
    fig = plt.figure(figsize=(12, 6))
    grid = fig.add_gridspec(3, 6)
    for i, name in enumerate(names[:9]):
        ax = fig.add_subplot(grid[i // 3, i % 3])
        values = features[name].dropna().astype(float)
        ax.hist(values, bins=30, color="tab:blue")
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=6)
    ax = fig.add_subplot(grid[:, 3:])
    corr = features[names].astype(float).corr(method="spearman").to_numpy()
    ax.imshow(corr, vmin=-1, vmax=1, cmap="coolwarm")
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_title("Spearman correlation of the top features")
    return _save(fig, "customer_features_overview")


def model_plots(target: str, y: np.ndarray, p: np.ndarray, lift: pd.DataFrame, reliability: pd.DataFrame) -> Path:
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
    fpr, tpr, _ = roc_curve(y, p)
    axes[0].plot(fpr, tpr)
    axes[0].plot([0, 1], [0, 1], color="grey", linestyle="--")
    axes[0].set(title=f"{target}: ROC", xlabel="false positive rate", ylabel="true positive rate")
    precision, recall, _ = precision_recall_curve(y, p)
    axes[1].plot(recall, precision)
    axes[1].axhline(np.mean(y), color="grey", linestyle="--")
    axes[1].set(title="Precision-recall", xlabel="recall", ylabel="precision")
    axes[2].bar(lift.decile, lift.lift)
    axes[2].set(title="Lift by decile", xlabel="decile (1 = top scores)")
    axes[3].plot(reliability.mean_predicted, reliability.observed_rate, marker="o")
    axes[3].plot([0, 1], [0, 1], color="grey", linestyle="--")
    axes[3].set(title="Calibration", xlabel="predicted", ylabel="observed")
    return _save(fig, f"{target}_model")


@chart
def champion_plots(target: str, result: TrainingResult) -> Path:
    """`model_plots` of a run's promoted champion, on its validation rows."""
    if result.validation_scores is None or result.bundle is None:
        raise ValueError(f"{target}: the training run promoted no champion, so there is nothing to plot")
    y, p = result.validation_scores
    lift, reliability = pd.DataFrame(result.bundle["lift"]), pd.DataFrame(result.bundle["reliability"])
    return model_plots(target, y, p, lift, reliability)


@chart
def funnel_plot(table: pd.DataFrame) -> Path:
    """Persons entering each stage (bars, widest first), the step conversion to the next stage, and
    its range across first-touch channels."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2), gridspec_kw={"width_ratios": [3, 2]})
    y = np.arange(len(table))[::-1]
    a.barh(y, table.entered_count, color="tab:blue")
    a.set_yticks(y, table.journey_stage)
    for yi, n, share in zip(y, table.entered_count, table.share_of_first_stage, strict=True):
        a.text(n, yi, f" {n:,} ({share:.0%})", va="center", fontsize=8)
    a.set(title="Persons reaching each stage", xlabel="persons")
    a.set_xlim(0, table.entered_count.max() * 1.35 if len(table) else 1)
    steps = table.dropna(subset=["conversion_rate"])
    ys = np.arange(len(steps))[::-1]
    lo = (steps.conversion_rate - steps.channel_conversion_min.fillna(steps.conversion_rate)).clip(lower=0)
    hi = (steps.channel_conversion_max.fillna(steps.conversion_rate) - steps.conversion_rate).clip(lower=0)
    b.errorbar(steps.conversion_rate, ys, xerr=[lo, hi], fmt="o", color="tab:green", capsize=3)
    b.set_yticks(ys, [f"{s} ->" for s in steps.journey_stage])
    b.set(title="Step conversion (range: channels)", xlim=(0, 1))
    return _save(fig, "funnel_overview")
