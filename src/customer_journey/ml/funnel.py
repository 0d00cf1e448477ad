"""The funnel overview behind the docs' funnel chart: rpt_funnel over the whole history."""

from __future__ import annotations

import pandas as pd


def funnel_overview(funnel: pd.DataFrame) -> pd.DataFrame:
    """One row per journey stage (rpt_funnel, funnel 'journey_stages', period 'all'): persons who entered it, converted to the
    next stage, the step's conversion rate, the share of the first stage's persons who got this far,
    and the step conversion rate per first-touch channel as columns of a long table."""
    funnel = funnel[funnel.funnel_name == "journey_stages"].rename(
        columns={"funnel_step": "journey_stage", "step_order": "stage_order"}
    )
    overall = funnel[(funnel.period == "all") & (funnel.dimension == "all")].sort_values("stage_order")
    if overall.empty:
        return pd.DataFrame(
            columns=[
                "stage_order",
                "journey_stage",
                "entered_count",
                "converted_count",
                "conversion_rate",
                "share_of_first_stage",
                "channel_conversion_min",
                "channel_conversion_max",
            ]
        )
    first = overall.entered_count.iloc[0]
    channels = funnel[(funnel.period == "all") & (funnel.dimension == "channel")]
    spread = channels.groupby("journey_stage").conversion_rate.agg(["min", "max"])
    out = overall[["stage_order", "journey_stage", "entered_count", "converted_count", "conversion_rate"]].copy()
    out["share_of_first_stage"] = out.entered_count / first if first else None
    out["channel_conversion_min"] = out.journey_stage.map(spread["min"])
    out["channel_conversion_max"] = out.journey_stage.map(spread["max"])
    return out.reset_index(drop=True)
