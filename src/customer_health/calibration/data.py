"""Reading what calibration learns from: renewals with a known outcome and their factors.

The unit of evidence is a **renewal**: one row of ``calibration.rpt_renewal_backtest`` at the
calibration horizon (the score the account had ``horizon_days`` before the renewal), with the
sub-scores of every factor on that score date from ``calibration.rpt_renewal_backtest_factors``.
A factor's *badness* is ``(100 - sub_score) / 100``: the factor's own transform (thresholds or
peer percentile) and direction are already in its sub-score.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from customer_health.warehouse import Warehouse

FAMILIES = ("usage", "support", "relationship", "finance")
AT_RISK_TIERS = ("at_risk", "critical")
DEFAULT_HORIZON_DAYS = 60

RENEWALS_SQL = """
select backtest_row_id, renewal_id, account_id, segment, is_lost, health_score, health_tier,
       weights_version, renewal_date, score_date
from calibration.rpt_renewal_backtest
where horizon_days = {horizon}
"""

FACTORS_SQL = """
select backtest_row_id, factor_name, sub_score
from calibration.rpt_renewal_backtest_factors
where horizon_days = {horizon}
"""

ORGS_SQL = """
select distinct org_id from calibration.rpt_renewal_backtest
where horizon_days = {horizon} and org_id is not null
"""

TODAY_SQL = """
select account_id, account_name, segment, arr_reporting, health_score, health_tier, score_date
from marts.mart_account_health
where health_score is not null
"""

TODAY_FACTORS_SQL = """
select account_id, factor_name, case when has_data then sub_score end as sub_score
from marts.mart_account_health_factors
"""


class NotEnoughHistory(RuntimeError):
    """Too few renewals (or lost renewals) to calibrate on; the message says what to do."""


@dataclass
class RenewalBook:
    """Renewals at one horizon, their factor sub-scores and the configuration that scored them.

    ``renewals``: one row per scored renewal, ordered by renewal_date then renewal_id, with
    ``lost`` (0/1) and ``health_score``. ``sub_scores``: the same rows (same index), one column
    per factor of the catalogue, NaN where the factor had no data. ``catalogue``: factor_name,
    family, factor_weight (the weights in force). ``segment_weights``: segment -> family ->
    weight in force.
    """

    horizon_days: int
    renewals: pd.DataFrame
    sub_scores: pd.DataFrame
    catalogue: pd.DataFrame
    segment_weights: dict[str, dict[str, float]]
    tiers: pd.DataFrame
    weights_version: str | None = None
    unscored_renewals: int = 0
    today: pd.DataFrame | None = None
    today_sub_scores: pd.DataFrame | None = None
    lead_time: list[dict[str, Any]] = field(default_factory=list)
    source: str = "calibration.rpt_renewal_backtest"
    orgs: list[str] = field(default_factory=list)  # the tenants of the renewals (none: one)

    @property
    def factors(self) -> list[str]:
        return list(self.catalogue["factor_name"])

    @property
    def segments(self) -> list[str]:
        found = set(self.renewals["segment"].dropna().astype(str))
        return sorted(set(self.segment_weights) | found)


def _numeric(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def prepare_renewals(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain dtypes, ``lost`` as 0/1, a fixed row order (every engine gives the same fit)."""
    frame = _numeric(frame.copy(), ["health_score"])
    frame["lost"] = frame["is_lost"].astype(bool).astype(int)
    frame["renewal_date"] = pd.to_datetime(frame["renewal_date"]).dt.date
    frame["segment"] = frame["segment"].astype(str)
    frame = frame.dropna(subset=["health_score"])
    frame = frame.sort_values(["renewal_date", "renewal_id"], kind="stable")
    return frame.reset_index(drop=True)


def wide_sub_scores(
    long: pd.DataFrame, keys: pd.Series, key: str, factors: list[str]
) -> pd.DataFrame:
    """Pivot (key, factor_name, sub_score) rows to one row per key (in ``keys`` order)."""
    long = _numeric(long.copy(), ["sub_score"])
    wide = long.pivot_table(
        index=key, columns="factor_name", values="sub_score", aggfunc="first", dropna=False
    )
    wide = wide.reindex(index=keys.to_numpy(), columns=factors)
    wide.index = keys.index
    return wide.astype(float)


def load_catalogue(wh: Warehouse) -> pd.DataFrame:
    frame = wh.query_df(
        "select factor_name, family, factor_weight from config.factor_catalogue "
        "order by family, factor_name"
    )
    frame = _numeric(frame, ["factor_weight"])
    order = {f: i for i, f in enumerate(FAMILIES)}
    frame["_order"] = frame["family"].map(order)
    frame = frame.sort_values(["_order", "factor_name"], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)


def load_segment_weights(wh: Warehouse) -> dict[str, dict[str, float]]:
    frame = wh.query_df("select segment, family, weight from config.segment_weights")
    out: dict[str, dict[str, float]] = {}
    for row in frame.itertuples(index=False):
        out.setdefault(str(row.segment), {})[str(row.family)] = float(row.weight)
    return {seg: {f: out[seg].get(f, 0.0) for f in FAMILIES} for seg in sorted(out)}


def load_tiers(wh: Warehouse) -> pd.DataFrame:
    """The score_tiers seed; ``basis`` (score or segment_percentile) is 'score' when absent."""
    frame = wh.query_df("select * from config.score_tiers")
    if "basis" not in frame:
        frame["basis"] = "score"
    frame = frame[["scale", "label", "basis", "min_score", "max_score", "sort_order"]]
    frame = _numeric(frame, ["min_score", "max_score"])
    frame["sort_order"] = pd.to_numeric(frame["sort_order"]).astype(int)
    return frame.sort_values(["scale", "sort_order"]).reset_index(drop=True)


def available_horizons(wh: Warehouse) -> list[int]:
    frame = wh.query_df(
        "select distinct horizon_days from calibration.rpt_renewal_backtest order by 1"
    )
    return [int(v) for v in frame["horizon_days"]]


def _optional(wh: Warehouse, sql: str) -> pd.DataFrame | None:
    """A query whose relation may be missing (a partial warehouse): None instead of an error."""
    try:
        return wh.query_df(sql)
    except Exception:
        return None


def load_book(wh: Warehouse, horizon_days: int = DEFAULT_HORIZON_DAYS) -> RenewalBook:
    """Everything calibration reads, at one horizon. Raises NotEnoughHistory for an unknown
    horizon; a missing backtest model raises the engine's error (build first)."""
    horizons = available_horizons(wh)
    if horizon_days not in horizons:
        raise NotEnoughHistory(
            f"No renewal is backtested at R-{horizon_days} days: calibration.rpt_renewal_backtest "
            f"has the horizons {horizons or 'none'}. Choose one of them with --horizon, or add "
            f"{horizon_days} to the dbt var backtest_horizons_days and run `customer-health "
            "build`."
        )
    catalogue = load_catalogue(wh)
    raw = wh.query_df(RENEWALS_SQL.format(horizon=int(horizon_days)))
    renewals = prepare_renewals(raw)
    factors = wh.query_df(FACTORS_SQL.format(horizon=int(horizon_days)))
    sub_scores = wide_sub_scores(
        factors, renewals["backtest_row_id"], "backtest_row_id", list(catalogue["factor_name"])
    )
    versions = renewals["weights_version"].dropna()
    today = _optional(wh, TODAY_SQL)
    today_scores = None
    if today is not None and len(today):
        today = _numeric(today, ["health_score", "arr_reporting"]).sort_values("account_id")
        today = today.reset_index(drop=True)
        long = _optional(wh, TODAY_FACTORS_SQL)
        if long is not None:
            today_scores = wide_sub_scores(
                long, today["account_id"], "account_id", list(catalogue["factor_name"])
            )
    version = _mart_weights_version(wh)
    return RenewalBook(
        horizon_days=int(horizon_days),
        renewals=renewals,
        sub_scores=sub_scores,
        catalogue=catalogue,
        segment_weights=load_segment_weights(wh),
        tiers=load_tiers(wh),
        weights_version=version or (str(versions.mode().iloc[0]) if len(versions) else None),
        unscored_renewals=int(len(raw) - len(renewals)),
        today=today,
        today_sub_scores=today_scores,
        lead_time=load_lead_time(wh),
        orgs=load_orgs(wh, int(horizon_days)),
    )


def load_orgs(wh: Warehouse, horizon_days: int) -> list[str]:
    """The organisations (tenants) the renewals belong to: none for a single tenant (or a
    backtest without org_id)."""
    frame = _optional(wh, ORGS_SQL.format(horizon=int(horizon_days)))
    return [] if frame is None else sorted(str(v) for v in frame["org_id"])


def _mart_weights_version(wh: Warehouse) -> str | None:
    frame = _optional(wh, "select max(weights_version) as v from marts.mart_account_health")
    if frame is None or frame.empty or pd.isna(frame["v"].iloc[0]):
        return None
    return str(frame["v"].iloc[0])


def load_lead_time(wh: Warehouse) -> list[dict[str, Any]]:
    frame = _optional(wh, "select * from calibration.rpt_lead_time_summary order by segment")
    if frame is None:
        return []
    return [jsonable(r) for r in frame.to_dict(orient="records")]


def badness(sub_scores: pd.DataFrame) -> pd.DataFrame:
    """(100 - sub_score) / 100: 0 for a perfect factor, 1 for the worst; NaN stays NaN."""
    return (100.0 - sub_scores) / 100.0


def training_fill(train_badness: pd.DataFrame) -> pd.Series:
    """Each factor's mean badness on the training renewals (0 for a factor never observed)."""
    return train_badness.mean(axis=0).fillna(0.0)


def feature_matrix(bad: pd.DataFrame, fill: pd.Series) -> np.ndarray:
    """Badness with each missing value replaced by its factor's training mean."""
    return bad.fillna(fill).to_numpy(dtype=float)


def jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars, dates, NaN -> None, Decimal -> float."""
    import math

    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | dt.date | dt.datetime):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "as_tuple"):  # Decimal from Postgres
        return float(value)
    return value
