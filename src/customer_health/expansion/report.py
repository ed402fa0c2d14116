"""The "Expansion readiness" section of the HTML report: who is ready to buy more today (with
the reason and the play), and how well the expansion score ranked the expansions that happened
(the expansion backtest), by horizon and by tier."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from customer_health.expansion import backtest
from customer_health.expansion.render import alert_line, header
from customer_health.report import Chart, _html, _layout
from customer_health.warehouse import Warehouse

TIER_COLOURS = {"ready": "#2e9e5b", "watch": "#e2b93b", "none": "#8a94a6"}


def _today(wh: Warehouse, limit: int) -> dict[str, Any]:
    mart = wh.query_df(
        "select account_id, account_name, segment, arr_reporting, expansion_score, "
        "expansion_tier, health_final_tier, is_held_back_by_risk, expansion_reason, "
        "expansion_action, expansion_rank, expansion_priority "
        "from marts.mart_account_expansion"
    )
    mart["is_held_back_by_risk"] = mart["is_held_back_by_risk"].astype("boolean").fillna(False)
    ready = mart[mart["expansion_tier"] == "ready"]
    order = mart["expansion_tier"].map({"ready": 0, "watch": 1, "none": 2}).fillna(3)
    top = mart.assign(order=order).sort_values(
        ["order", "expansion_priority", "account_id"], ascending=[True, False, True]
    )
    return {
        "accounts": len(mart),
        "ready": len(ready),
        "watch": int((mart["expansion_tier"] == "watch").sum()),
        "held_back_by_risk": int(mart["is_held_back_by_risk"].sum()),
        "arr_ready": float(pd.to_numeric(ready["arr_reporting"]).sum()),
        "top": top[top["expansion_tier"] != "none"].head(limit).to_dict(orient="records"),
    }


def expansion_view(wh: Warehouse, limit: int = 10) -> dict[str, Any]:
    """Today's readiness and the expansion backtest, or why either is missing."""
    try:
        view: dict[str, Any] = {"status": "ok", **_today(wh, limit)}
    except Exception as exc:  # the mart is not built (an older warehouse)
        return {"status": "missing", "message": f"marts.mart_account_expansion: {exc}"}
    try:
        result = backtest.run_expansion_backtest(wh)
    except (backtest.NothingToRank, ValueError) as exc:
        return {**view, "backtest": "refused", "message": str(exc)}
    rows = [{"horizon": h, **result.by_horizon[h]["all"]} for h in result.horizons]
    return {
        **view,
        "backtest": "ok",
        "result": result,
        "summary": header(result).replace("[bold]", "").replace("[/]", ""),
        "rows": rows,
        "tiers": result.headline["by_tier"].to_dict(orient="records"),
        "alerts": alert_line(result),
        "notes": result.notes,
    }


def auc_chart(result: backtest.ExpansionBacktest) -> go.Figure:
    frame = pd.DataFrame(
        [{"horizon": f"E-{h}", **result.by_horizon[h]["all"]} for h in result.horizons]
    )
    ci = frame["roc_auc_ci"].apply(lambda v: v if v else [None, None])
    fig = go.Figure(
        go.Scatter(
            x=frame["horizon"],
            y=frame["roc_auc"],
            name="ROC AUC",
            mode="lines+markers",
            marker={"size": 10, "color": "#2e9e5b"},
            line={"color": "#2e9e5b"},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (ci.str[1].astype(float) - frame["roc_auc"]).clip(lower=0),
                "arrayminus": (frame["roc_auc"] - ci.str[0].astype(float)).clip(lower=0),
                "color": "#2e9e5b",
            },
        )
    )
    fig.add_hline(y=0.5, line_dash="dash", line_color="#9ca3af", annotation_text="chance")
    return _layout(
        fig,
        xaxis_title="expansion score read this many days before the case",
        yaxis={"title": "ROC AUC", "range": [0.3, 1.0]},
    )


def tier_chart(result: backtest.ExpansionBacktest) -> go.Figure:
    frame = result.headline["by_tier"]
    share = frame["expansion_share"].astype(float) * 100
    fig = go.Figure(
        go.Bar(
            x=[
                f"{t}<br>{e:,} of {n:,}"
                for t, e, n in zip(*frame[["tier", "expansions", "cases"]].T.values, strict=True)
            ],
            y=share,
            marker_color=[TIER_COLOURS[t] for t in frame["tier"]],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (frame["ci_high"].astype(float) * 100 - share).clip(lower=0),
                "arrayminus": (share - frame["ci_low"].astype(float) * 100).clip(lower=0),
                "color": "#374151",
            },
            hovertemplate="%{x}: %{y:.1f}%<extra></extra>",
        )
    )
    return _layout(
        fig,
        xaxis_title=f"expansion tier {result.headline_horizon} days before the case",
        yaxis={"title": "% of cases that were expansions", "ticksuffix": "%"},
    )


def expansion_charts(view: dict[str, Any]) -> list[Chart]:
    """The charts of the section (none without a backtest)."""
    if view.get("backtest") != "ok":
        return []
    result = view["result"]
    h = result.headline_horizon
    return [
        Chart(
            "expansion_auc",
            "How well the expansion score ranked the expansions, by horizon",
            "The chance that an expansion had a higher expansion score N days before it than an "
            "account-date without one (0.5 is a coin), with bootstrap 95% intervals.",
            _html(auc_chart(result), "expansion_auc"),
        ),
        Chart(
            "expansion_tiers",
            f"Share of expansions by tier at E-{h}",
            f"Of the cases in each tier {h} days before, the share that were expansions, with "
            "Wilson 95% intervals: ready must sit above watch, and watch above none.",
            _html(tier_chart(result), "expansion_tiers"),
        ),
    ]
