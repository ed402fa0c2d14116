"""The static HTML health report: portfolio, accounts needing attention, alerts, recovery
cases, calibration.

One self-contained file: the plotly.js bundle is inlined once in ``<head>``, every figure is a
``<div>`` rendered by it, the CSS is inline, and nothing is fetched from the network. Every chart
has a one-line "how to read it" caption.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from plotly.colors import sample_colorscale
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from customer_health import calibrate
from customer_health.diagnosis import diagnosis_view
from customer_health.warehouse import Warehouse

TIER_COLOURS = {"critical": "#c0392b", "at_risk": "#e67e22", "healthy": "#2e9e5b"}
RISK_COLOURS = {"low": "#2e9e5b", "medium": "#e2b93b", "high": "#e67e22", "critical": "#c0392b"}
KIND_COLOURS = {"current": "#8a94a6", "proposed": "#2563eb"}
FONT = "-apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
PLOTLY_CONFIG = {
    "displaylogo": False,
    "displayModeBar": False,
    "responsive": True,
}


@dataclass(frozen=True)
class Chart:
    """A rendered figure with its title and how-to-read caption."""

    key: str
    title: str
    caption: str
    html: Markup


@dataclass(frozen=True)
class ReportResult:
    path: Path
    charts: int
    calibration_status: str


# ----------------------------------------------------------------------------- data


def _num(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def portfolio_data(wh: Warehouse) -> dict[str, Any]:
    """KPIs, risk distribution, health by segment and industry, top accounts, alerts."""
    accounts = wh.query_df(
        """
        select account_id, account_name, segment, industry, arr_reporting, reporting_currency,
               health_score, health_tier, final_tier, risk_level, trend_direction,
               score_delta_30d, explanation, recommended_action, priority_score, score_date,
               weights_version, families_missing, data_completeness
        from marts.mart_account_health
        """
    )
    _num(accounts, "arr_reporting", "health_score", "score_delta_30d", "priority_score")
    at_risk = accounts["final_tier"].isin(calibrate.AT_RISK_TIERS)
    kpis = {
        "accounts": len(accounts),
        "health_index": float(accounts["health_score"].mean()) if len(accounts) else None,
        "share_at_risk": float(at_risk.mean()) if len(accounts) else None,
        "accounts_at_risk": int(at_risk.sum()),
        "arr_at_risk": float(accounts.loc[at_risk, "arr_reporting"].sum()),
        "arr_total": float(accounts["arr_reporting"].sum()),
        "currency": str(accounts["reporting_currency"].dropna().iloc[0])
        if accounts["reporting_currency"].notna().any()
        else "",
        "score_date": str(pd.to_datetime(accounts["score_date"]).max().date())
        if len(accounts)
        else "n/a",
    }
    portfolio = wh.query_df(
        """
        select dimension_name, dimension_value, account_count, avg_health_score,
               share_at_risk, arr_total, arr_at_risk
        from marts.mart_portfolio_health
        where dimension_name in ('segment', 'industry')
        """
    )
    _num(
        portfolio, "account_count", "avg_health_score", "share_at_risk", "arr_total", "arr_at_risk"
    )
    # several tenants: combine their rows, weighting averages by account count
    portfolio["score_x_count"] = portfolio["avg_health_score"] * portfolio["account_count"]
    portfolio["risk_x_count"] = portfolio["share_at_risk"] * portfolio["account_count"]
    grouped = (
        portfolio.groupby(["dimension_name", "dimension_value"], as_index=False)[
            ["account_count", "score_x_count", "risk_x_count", "arr_total", "arr_at_risk"]
        ]
        .sum()
        .assign(
            avg_health_score=lambda f: f["score_x_count"] / f["account_count"],
            share_at_risk=lambda f: f["risk_x_count"] / f["account_count"],
        )
    )
    # priority_rank restarts at 1 in every organisation: its order is priority_score's
    top = accounts.sort_values(
        ["priority_score", "account_id"], ascending=[False, True], kind="stable"
    ).head(25)
    alerts = wh.query_df(
        """
        select alerts.alert_date, alerts.account_id, accounts.account_name, accounts.segment,
               alerts.alert_type, alerts.severity, alerts.health_score, alerts.cause,
               alerts.recommended_action
        from marts.mart_health_alerts as alerts
        left join marts.mart_account_health as accounts
            on alerts.account_id = accounts.account_id
        where alerts.is_current_period
        """
    )
    _num(alerts, "health_score")
    severity = {"critical": 0, "high": 1, "medium": 2}
    alerts = alerts.assign(_order=alerts["severity"].map(severity).fillna(9)).sort_values(
        ["_order", "alert_date", "account_id"]
    )
    risk = accounts["risk_level"].value_counts()
    return {
        **cases_data(wh),
        "kpis": kpis,
        "risk_counts": {level: int(risk.get(level, 0)) for level in RISK_COLOURS},
        "by_segment": grouped[grouped["dimension_name"] == "segment"],
        "by_industry": grouped[grouped["dimension_name"] == "industry"],
        "top": top,
        "alerts": alerts,
        "weights_version": str(accounts["weights_version"].mode().iloc[0])
        if accounts["weights_version"].notna().any()
        else None,
    }


def cases_data(wh: Warehouse) -> dict[str, pd.DataFrame]:
    """Open recovery cases per CSM, and saves and losses per playbook (tenants combined)."""
    by_csm = wh.query_df(
        """
        select dimension_value as owner_csm, open_case_count, arr_in_open_cases
        from marts.mart_portfolio_health
        where dimension_name = 'owner_csm'
        """
    )
    _num(by_csm, "open_case_count", "arr_in_open_cases")
    by_csm = (
        by_csm.groupby("owner_csm", as_index=False)[["open_case_count", "arr_in_open_cases"]]
        .sum()
        .query("open_case_count > 0")
        .sort_values(["open_case_count", "owner_csm"], ascending=[False, True])
    )
    playbooks = wh.query_df(
        """
        select playbook, cases_opened, cases_open, cases_recovered, cases_renewed,
               cases_churned, saves, losses, arr_saved, arr_lost
        from marts.rpt_case_outcomes_by_playbook
        """
    )
    counts = ["cases_opened", "cases_open", "cases_recovered", "cases_renewed", "cases_churned"]
    _num(playbooks, *counts, "saves", "losses", "arr_saved", "arr_lost")
    playbooks = (
        playbooks.groupby("playbook", as_index=False)[
            [*counts, "saves", "losses", "arr_saved", "arr_lost"]
        ]
        .sum()
        .assign(
            save_rate=lambda f: (f["saves"] / (f["saves"] + f["losses"])).where(
                f["saves"] + f["losses"] > 0
            )
        )
        .sort_values(["cases_opened", "playbook"], ascending=[False, True])
    )
    return {"cases_by_csm": by_csm, "cases_by_playbook": playbooks}


def calibration_marts(wh: Warehouse, weights_version: str | None) -> dict[str, pd.DataFrame]:
    """Churn by tier (with Wilson intervals) and lift by decile, for one weights_version."""
    by_tier = _num(
        wh.query_df(
            """
            select segment, band, weights_version, account_dates, churned, churn_rate,
                   churn_rate_ci_low, churn_rate_ci_high
            from calibration.rpt_calibration_by_tier
            where scale = 'health_tier'
            """
        ),
        "account_dates",
        "churned",
        "churn_rate",
        "churn_rate_ci_low",
        "churn_rate_ci_high",
    )
    deciles = _num(
        wh.query_df(
            """
            select segment, weights_version, score_decile, account_dates, churn_rate, lift
            from calibration.rpt_calibration_deciles
            """
        ),
        "score_decile",
        "account_dates",
        "churn_rate",
        "lift",
    )
    version = _pick_version(by_tier, weights_version)
    return {
        "by_tier": by_tier[by_tier["weights_version"] == version],
        "deciles": deciles[deciles["weights_version"] == version],
        "weights_version": version,
    }


def _pick_version(frame: pd.DataFrame, preferred: str | None) -> str | None:
    if frame.empty:
        return None
    if preferred is not None and (frame["weights_version"] == preferred).any():
        return preferred
    sizes = frame.groupby("weights_version")["account_dates"].sum()
    return str(sizes.idxmax())


def load_calibration(
    wh: Warehouse, calibration_json: Path | None, prior_strength: float
) -> dict[str, Any]:
    """The calibration result as a dict: from a JSON file, or computed now (nothing written)."""
    if calibration_json is not None and calibration_json.exists():
        return json.loads(calibration_json.read_text())
    try:
        return calibrate.run_calibration(wh, prior_strength=prior_strength).to_dict()
    except calibrate.NotEnoughHistory as exc:
        return {"status": "refused", "message": str(exc)}


# ----------------------------------------------------------------------------- figures


def _layout(fig: go.Figure, height: int = 360, **kwargs: Any) -> go.Figure:
    settings: dict[str, Any] = {
        "template": "plotly_white",
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "font": {"family": FONT, "size": 12, "color": "#1f2937"},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    }
    fig.update_layout(**{**settings, **kwargs})
    return fig


def _html(fig: go.Figure, key: str) -> Markup:
    return Markup(
        fig.to_html(
            full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG, div_id=f"chart-{key}"
        )
    )


def risk_distribution_chart(risk_counts: dict[str, int]) -> go.Figure:
    levels = list(RISK_COLOURS)
    fig = go.Figure(
        go.Bar(
            x=levels,
            y=[risk_counts[level] for level in levels],
            marker_color=[RISK_COLOURS[level] for level in levels],
            text=[risk_counts[level] for level in levels],
            textposition="outside",
            cliponaxis=False,
        )
    )
    return _layout(fig, xaxis_title="risk level", yaxis_title="accounts")


def segment_chart(by_segment: pd.DataFrame) -> go.Figure:
    frame = by_segment.sort_values("dimension_value")
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(
        x=frame["dimension_value"],
        y=frame["avg_health_score"],
        name="average health score",
        marker_color="#2563eb",
        text=frame["avg_health_score"].round(1),
        textposition="inside",
    )
    fig.add_scatter(
        x=frame["dimension_value"],
        y=frame["share_at_risk"] * 100,
        name="% of accounts at risk",
        mode="markers+lines",
        marker={"size": 11, "color": TIER_COLOURS["critical"]},
        line={"dash": "dot"},
        secondary_y=True,
    )
    fig.update_yaxes(title_text="average health score", range=[0, 100], secondary_y=False)
    top = float(frame["share_at_risk"].max() * 100) if len(frame) else 0.0
    fig.update_yaxes(
        title_text="% of accounts at risk",
        range=[0, max(10.0, top * 1.25)],
        ticksuffix="%",
        tickformat=".0f",
        showgrid=False,
        secondary_y=True,
    )
    return _layout(fig)


RISK_SCALE = [[0.0, "#1e7d46"], [0.5, "#b7791f"], [1.0, "#b42318"]]


def _risk_colours(share: pd.Series) -> list[str]:
    """Green (no account at risk) to red (30% or more, or the worst group): one per bar."""
    top = max(0.3, float(share.max()) if len(share) else 0.0)  # 30% at risk or more is red
    return sample_colorscale(RISK_SCALE, [float(v) / top for v in share.fillna(0.0)])


def industry_chart(by_industry: pd.DataFrame) -> go.Figure:
    frame = by_industry.sort_values("avg_health_score")
    fig = go.Figure(
        go.Bar(
            y=frame["dimension_value"],
            x=frame["avg_health_score"],
            orientation="h",
            marker_color=_risk_colours(frame["share_at_risk"]),
            text=[
                f"{s:.1f}  ({r:.0%} at risk, {n:.0f} accounts)"
                for s, r, n in zip(
                    frame["avg_health_score"],
                    frame["share_at_risk"],
                    frame["account_count"],
                    strict=True,
                )
            ],
            textposition="inside",
            insidetextanchor="start",
            textfont={"color": "#ffffff"},
            hoverlabel={"bgcolor": "#111827"},
        )
    )
    height = max(300, 34 * len(frame) + 80)
    return _layout(fig, height=height, xaxis={"title": "average health score", "range": [0, 100]})


def tier_churn_chart(by_tier: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    order = ["critical", "at_risk", "healthy"]
    segments = sorted(by_tier["segment"].unique(), key=lambda s: (s == "all", s))
    for tier in order:
        rows = by_tier[by_tier["band"] == tier].set_index("segment").reindex(segments)
        fig.add_bar(
            name=tier,
            x=segments,
            y=rows["churn_rate"] * 100,
            marker_color=TIER_COLOURS[tier],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (rows["churn_rate_ci_high"] - rows["churn_rate"]) * 100,
                "arrayminus": (rows["churn_rate"] - rows["churn_rate_ci_low"]) * 100,
                "color": "#374151",
            },
            customdata=rows[["account_dates", "churned"]].to_numpy(),
            hovertemplate="%{x} %{fullData.name}: %{y:.1f}% churned"
            "<br>%{customdata[1]} of %{customdata[0]} account-dates<extra></extra>",
        )
    return _layout(fig, barmode="group", yaxis_title="% churned within the horizon")


def deciles_chart(deciles: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    palette = ["#2563eb", "#9333ea", "#0d9488", "#d97706"]
    for i, (segment, rows) in enumerate(sorted(deciles.groupby("segment"))):
        rows = rows.sort_values("score_decile")
        fig.add_scatter(
            x=rows["score_decile"],
            y=rows["lift"],
            name=str(segment),
            mode="lines+markers",
            line={"color": palette[i % len(palette)]},
        )
    fig.add_hline(y=1, line_dash="dash", line_color="#9ca3af", annotation_text="no lift")
    return _layout(
        fig,
        xaxis={"title": "score decile (1 = lowest scores)", "dtick": 1},
        yaxis_title="lift (churn rate / segment churn rate)",
    )


def roc_chart(result: dict[str, Any]) -> go.Figure:
    fig = go.Figure()
    overall = result["metrics"]["all"]
    for kind in ("current", "proposed"):
        curve = result["curves"]["roc"].get(kind)
        if not curve:
            continue
        auc = overall[kind]["roc_auc"]
        fig.add_scatter(
            x=curve["fpr"],
            y=curve["tpr"],
            name=f"{kind} (AUC {auc:.3f})",
            mode="lines",
            line={"color": KIND_COLOURS[kind], "width": 2.5},
        )
    fig.add_scatter(
        x=[0, 1], y=[0, 1], name="chance", mode="lines", line={"dash": "dash", "color": "#d1d5db"}
    )
    return _layout(
        fig,
        xaxis={"title": "false positive rate (retained accounts flagged)", "range": [0, 1]},
        yaxis={"title": "true positive rate (churns caught)", "range": [0, 1]},
    )


def reliability_chart(result: dict[str, Any]) -> go.Figure:
    fig = go.Figure()
    top = 0.0
    for kind in ("current", "proposed"):
        curve = result["curves"]["reliability"].get(kind)
        if not curve:
            continue
        top = max(top, *curve["predicted"], *curve["observed"])
        fig.add_scatter(
            x=[p * 100 for p in curve["predicted"]],
            y=[o * 100 for o in curve["observed"]],
            name=kind,
            mode="lines+markers",
            line={"color": KIND_COLOURS[kind], "width": 2.5},
        )
    top = top * 100 * 1.1 or 10
    fig.add_scatter(
        x=[0, top],
        y=[0, top],
        name="perfectly calibrated",
        mode="lines",
        line={"dash": "dash", "color": "#d1d5db"},
    )
    return _layout(
        fig,
        xaxis={"title": "predicted churn probability (%)", "range": [0, top]},
        yaxis={"title": "observed churn rate (%)", "range": [0, top]},
    )


def distributions_chart(result: dict[str, Any]) -> go.Figure:
    dists = result["curves"]["distributions"]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("current score", "proposed score"))
    for col, kind in enumerate(("current", "proposed"), start=1):
        edges = dists[kind]["bin_edges"]
        centres = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:], strict=True)]
        for label, colour in (("retained", "#2e9e5b"), ("churned", "#c0392b")):
            fig.add_bar(
                x=centres,
                y=[v * 100 for v in dists[kind][label]],
                name=label,
                marker_color=colour,
                legendgroup=label,
                showlegend=col == 1,
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text="score", range=[0, 100])
    fig.update_yaxes(title_text="% of group", ticksuffix="%", col=1)
    return _layout(
        fig,
        barmode="group",
        bargap=0.1,
        margin={"l": 60, "r": 20, "t": 70, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.12, "x": 0},
    )


def weights_chart(result: dict[str, Any]) -> go.Figure:
    segments = list(result["weights"]["proposed"])
    families = list(calibrate.FAMILIES)
    fig = make_subplots(rows=1, cols=len(segments), subplot_titles=segments, shared_yaxes=True)
    for col, segment in enumerate(segments, start=1):
        for kind in ("current", "proposed"):
            weights = result["weights"][kind].get(segment, {})
            fig.add_bar(
                x=families,
                y=[weights.get(f, 0.0) for f in families],
                name=kind,
                marker_color=KIND_COLOURS[kind],
                text=[f"{weights.get(f, 0.0):.2f}" for f in families],
                textposition="outside",
                cliponaxis=False,
                legendgroup=kind,
                showlegend=col == 1,
                row=1,
                col=col,
            )
    top = max(
        (
            w
            for kind in ("current", "proposed")
            for seg in result["weights"][kind].values()
            for w in seg.values()
        ),
        default=1.0,
    )
    fig.update_yaxes(range=[0, min(1.0, top * 1.25 + 0.02)])
    fig.update_yaxes(title_text="weight", col=1)
    return _layout(
        fig,
        barmode="group",
        height=380,
        margin={"l": 60, "r": 20, "t": 70, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.12, "x": 0},
    )


def impact_chart(result: dict[str, Any]) -> go.Figure:
    matrix = result["impact"]["transition_matrix"]
    labels = list(matrix)
    z = [[matrix[a][b] for b in labels] for a in labels]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"proposed: {b}" for b in labels],
            y=[f"current: {a}" for a in labels],
            colorscale=[[0, "#f8fafc"], [1, "#2563eb"]],
            text=z,
            texttemplate="%{text}",
            textfont={"size": 16},
            showscale=False,
            hovertemplate="%{y} -> %{x}: %{z} accounts<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=320, margin={"l": 130, "r": 20, "t": 30, "b": 50})


# ----------------------------------------------------------------------------- backtest


def backtest_view(wh: Warehouse) -> dict[str, Any]:
    """The renewal backtest for the report: its result and the rows of its tables, or why not.

    The headline horizon is R-60 (the renewal play's lead time) when the models have it."""
    from customer_health import backtest
    from customer_health.backtest.render import tier_verdict

    data = backtest.load_backtest(wh)
    horizons = data.horizons
    headline = backtest.DEFAULT_HORIZON if backtest.DEFAULT_HORIZON in horizons else None
    try:
        result = backtest.run_backtest(wh, headline or horizons[0], data=data)
    except (backtest.OneClassOutcomes, IndexError) as exc:
        return {"status": "refused", "message": str(exc) or "no renewal in the backtest"}
    rows = []
    for h in result.horizons:
        m = result.by_horizon[h]["all"]
        versus = result.baseline[h]
        rows.append(
            {
                **m,
                "horizon": h,
                "baseline_difference": versus.get("difference"),
                "baseline_difference_ci": versus.get("difference_ci"),
                "baseline_status": versus.get("reason", "ok"),
            }
        )
    return {
        "status": "ok",
        "result": result,
        "rows": rows,
        "tiers": result.headline["churn_by_tier"].to_dict(orient="records"),
        "tier_verdict": tier_verdict(result.headline["tier_order"], plain=True),
        "has_probability": "reliability" in result.headline,
    }


def _interval_bars(
    values: pd.Series, low: pd.Series, high: pd.Series, colour: str = "#374151"
) -> dict[str, Any]:
    return {
        "type": "data",
        "symmetric": False,
        "array": (high - values).clip(lower=0),
        "arrayminus": (values - low).clip(lower=0),
        "color": colour,
    }


def backtest_auc_chart(result: Any) -> go.Figure:
    frame = pd.DataFrame(
        [{"horizon": f"R-{h}", **result.by_horizon[h]["all"]} for h in result.horizons]
    )
    fig = go.Figure()
    for key, name, colour in (
        ("roc_auc", "ROC AUC", "#2563eb"),
        ("pr_auc", "PR AUC (average precision)", "#9333ea"),
    ):
        ci = frame[f"{key}_ci"].apply(lambda v: v if v else [None, None])
        fig.add_scatter(
            x=frame["horizon"],
            y=frame[key],
            name=name,
            mode="lines+markers",
            marker={"size": 10, "color": colour},
            line={"color": colour},
            error_y=_interval_bars(
                frame[key].astype(float),
                ci.str[0].astype(float),
                ci.str[1].astype(float),
                colour,
            ),
        )
    fig.add_scatter(
        x=frame["horizon"],
        y=frame["base_rate"],
        name="PR AUC of chance (lost share)",
        mode="lines",
        line={"dash": "dot", "color": "#9333ea"},
    )
    fig.add_hline(y=0.5, line_dash="dash", line_color="#9ca3af", annotation_text="ROC chance")
    return _layout(
        fig,
        xaxis_title="score read this many days before the renewal",
        yaxis={"title": "AUC", "range": [0, 1.02]},
    )


def backtest_tier_chart(result: Any) -> go.Figure:
    frame = result.headline["churn_by_tier"]
    labels = [
        f"{tier}<br>{lost:,} of {n:,} lost"
        for tier, lost, n in zip(frame["tier"], frame["lost"], frame["renewals"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=frame["churn_rate"] * 100,
            marker_color=[TIER_COLOURS[t] for t in frame["tier"]],
            error_y=_interval_bars(
                frame["churn_rate"] * 100, frame["ci_low"] * 100, frame["ci_high"] * 100
            ),
            hovertemplate="%{x}: %{y:.1f}%<extra></extra>",
        )
    )
    return _layout(
        fig,
        xaxis_title=f"tier {result.headline_horizon} days before the renewal",
        yaxis={"title": "% of renewals lost", "ticksuffix": "%"},
    )


def backtest_reliability_chart(result: Any) -> go.Figure:
    """The calibration's reliability chart, on renewals, with Wilson intervals per decile."""
    frame = result.headline["reliability"]
    curve = {"predicted": frame["predicted"].tolist(), "observed": frame["churn_rate"].tolist()}
    fig = reliability_chart({"curves": {"reliability": {"current": curve}}})
    fig.update_traces(
        selector={"name": "current"},
        name="renewals in a decile of predicted probability",
        line={"color": "#2563eb"},
        marker={"size": 9, "color": "#2563eb"},
        error_y=_interval_bars(
            frame["churn_rate"] * 100, frame["ci_low"] * 100, frame["ci_high"] * 100, "#2563eb"
        ),
    )
    return fig


def backtest_charts(view: dict[str, Any]) -> list[Chart]:
    """The charts of the Backtest section (none when the backtest was refused)."""
    if view.get("status") != "ok":
        return []
    result = view["result"]
    h = result.headline_horizon
    charts = [
        Chart(
            "backtest_auc",
            "How well the score ranked lost renewals, by horizon",
            "ROC AUC (blue): the chance that a renewal later lost scored below one kept, 0.5 is "
            "a coin; PR AUC (purple): precision over all thresholds, to compare with the dotted "
            "lost share. Bars are bootstrap 95% intervals (renewals resampled).",
            _html(backtest_auc_chart(result), "backtest_auc"),
        ),
        Chart(
            "backtest_tiers",
            f"Churn by tier at R-{h}",
            f"Share of the renewals lost, by the tier the account had {h} days before, with "
            "Wilson 95% intervals: critical must sit clearly above at risk, and at risk above "
            "healthy.",
            _html(backtest_tier_chart(result), "backtest_tiers"),
        ),
    ]
    if view["has_probability"]:
        charts.append(
            Chart(
                "backtest_reliability",
                f"Reliability of the churn probability at R-{h}",
                "Renewals in ten bins of predicted probability: observed share lost (with Wilson "
                "95% intervals) against the mean prediction; on the diagonal, the probability "
                "can be taken at face value.",
                _html(backtest_reliability_chart(result), "backtest_reliability"),
            )
        )
    return charts


# ----------------------------------------------------------------------------- assembly


def build_charts(
    portfolio: dict[str, Any], marts: dict[str, Any], result: dict[str, Any]
) -> dict[str, list[Chart]]:
    """Every chart of the report, grouped by section, each with its caption."""
    sections: dict[str, list[Chart]] = {"portfolio": [], "calibration_marts": [], "calibration": []}

    def add(section: str, key: str, title: str, caption: str, fig: go.Figure) -> None:
        sections[section].append(Chart(key, title, caption, _html(fig, key)))

    add(
        "portfolio",
        "risk",
        "Risk distribution",
        "Accounts per risk level today; the red and orange bars are the CSMs' workload.",
        risk_distribution_chart(portfolio["risk_counts"]),
    )
    if not portfolio["by_segment"].empty:
        add(
            "portfolio",
            "segment",
            "Health by segment",
            "Bars: average health score (left axis); dots: share of accounts at risk (right "
            "axis). Low bars with high dots are where to put people.",
            segment_chart(portfolio["by_segment"]),
        )
    if not portfolio["by_industry"].empty:
        add(
            "portfolio",
            "industry",
            "Health by industry",
            "Average health score per industry, weakest at the bottom; the redder the bar, the "
            "larger its share of accounts at risk (also written in the bar).",
            industry_chart(portfolio["by_industry"]),
        )
    if not marts["by_tier"].empty:
        add(
            "calibration_marts",
            "tier_churn",
            "Churn rate by tier",
            "Share of labelled account-dates that churned within the horizon, per tier, with "
            "95% intervals: red must sit clearly above green, or the tiers are not doing "
            "their job.",
            tier_churn_chart(marts["by_tier"]),
        )
    if not marts["deciles"].empty:
        add(
            "calibration_marts",
            "deciles",
            "Lift by score decile",
            "Churn rate of each score decile divided by the segment's churn rate: a useful "
            "score starts well above 1 in decile 1 (lowest scores) and falls below 1.",
            deciles_chart(marts["deciles"]),
        )
    if result.get("status") in ("proposed", "not_better"):
        add(
            "calibration",
            "roc",
            "ROC curve, validation period",
            "How many churns each score catches (up) for how many retained accounts it flags "
            "(right), over every threshold; higher and further left is better, the diagonal is "
            "chance.",
            roc_chart(result),
        )
        add(
            "calibration",
            "reliability",
            "Reliability: predicted vs observed churn",
            "Validation renewals in ten bins of predicted churn probability (a logistic fit of "
            "lost renewals on the score, on training renewals): points on the diagonal mean "
            "the probabilities can be taken at face value.",
            reliability_chart(result),
        )
        add(
            "calibration",
            "distributions",
            "Score distribution: churned vs retained",
            "Scores of validation renewals that were lost (red) and kept (green): the "
            "less the two overlap, the better the score separates them.",
            distributions_chart(result),
        )
        add(
            "calibration",
            "weights",
            "Family weights per segment: current vs proposed",
            "How much each signal family counts in each segment's score, today (grey) and as "
            "proposed by the fit on churn outcomes (blue).",
            weights_chart(result),
        )
        if result["impact"].get("accounts"):
            add(
                "calibration",
                "impact",
                "Impact preview: tier moves today",
                "Today's accounts by current tier (rows) and proposed tier (columns): the "
                "diagonal keeps its tier, everything else would move if the proposal is applied.",
                impact_chart(result),
            )
    return sections


def _template() -> Any:
    env = Environment(
        loader=PackageLoader("customer_health", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = lambda v: "n/a" if v is None or pd.isna(v) else f"{v:,.0f}"
    env.filters["num"] = lambda v, d=1: "n/a" if v is None or pd.isna(v) else f"{v:,.{d}f}"
    env.filters["pct"] = lambda v, d=0: "n/a" if v is None or pd.isna(v) else f"{v:.{d}%}"
    return env.get_template("report.html.j2")


def render_report(
    wh: Warehouse,
    portfolio: dict[str, Any],
    marts: dict[str, Any],
    result: dict[str, Any],
    backtest: dict[str, Any] | None = None,
    diagnosis: dict[str, Any] | None = None,
    expansion: dict[str, Any] | None = None,
) -> tuple[str, int]:
    """The report HTML and the number of charts in it (``diagnosis``: the section
    "Techniques cross-checked", customer_health.diagnosis.diagnosis_view; ``expansion``: the
    section "Expansion readiness", customer_health.expansion.report.expansion_view)."""
    from customer_health.expansion.report import expansion_charts

    sections = build_charts(portfolio, marts, result)
    backtest = backtest or {"status": "refused", "message": "the backtest was not run"}
    sections["backtest"] = backtest_charts(backtest)
    expansion = expansion or {"status": "missing", "message": "expansion readiness was not read"}
    sections["expansion"] = expansion_charts(expansion)
    charts = sum(len(v) for v in sections.values())
    html = _template().render(
        generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        warehouse=wh.describe(),
        plotly_js=Markup(get_plotlyjs()),
        kpis=portfolio["kpis"],
        top=portfolio["top"].to_dict(orient="records"),
        alerts=portfolio["alerts"].to_dict(orient="records"),
        cases_by_csm=portfolio["cases_by_csm"].to_dict(orient="records"),
        cases_by_playbook=portfolio["cases_by_playbook"].to_dict(orient="records"),
        sections=sections,
        marts_version=marts["weights_version"],
        cal=result,
        chart_count=charts,
        families=calibrate.FAMILIES,
        tier_colours=TIER_COLOURS,
        bt=backtest,
        dx=diagnosis or {"status": "missing", "message": "the diagnosis was not read"},
        xp=expansion,
    )
    return html, charts


def build_report(
    wh: Warehouse,
    output: Path,
    calibration_json: Path | None = None,
    prior_strength: float = 30.0,
    progress: bool = False,
) -> ReportResult:
    """Read the marts (and the calibration), render the report, write it to ``output``."""
    from customer_health.expansion.report import expansion_view

    steps = ["portfolio", "calibration marts", "calibration", "backtest", "expansion", "rendering"]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(steps), desc="report", unit="step", postfix=steps[0])
    try:
        portfolio = portfolio_data(wh)
        _tick(bar, steps[1])
        marts = calibration_marts(wh, portfolio["weights_version"])
        _tick(bar, steps[2])
        result = load_calibration(wh, calibration_json, prior_strength)
        _tick(bar, steps[3])
        backtest = backtest_view(wh)
        diagnosis = diagnosis_view(wh, backtest)
        _tick(bar, steps[4])
        expansion = expansion_view(wh)
        _tick(bar, steps[5])
        html, charts = render_report(
            wh, portfolio, marts, result, backtest, diagnosis, expansion=expansion
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(html, encoding="utf-8")
        _tick(bar, "done")
    finally:
        if bar is not None:
            bar.close()
    return ReportResult(output, charts, str(result.get("status", "ok")))


def _tick(bar: Any, description: str) -> None:
    if bar is not None:
        bar.update(1)
        bar.set_postfix_str(description)
