"""Read the three backtest models (and an optional oracle file) into plain pandas frames.

Every frame comes back with the same dtypes on DuckDB and Postgres: floats for measures, ints
for flags and horizons, ``datetime64`` for dates, and a fixed row order, so that the bootstrap
(which draws row positions) gives the same intervals on both engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from customer_health.warehouse import Warehouse

SCHEMA = "calibration"
ROWS_MODEL = "rpt_renewal_backtest"
ALERTS_MODEL = "rpt_renewal_backtest_alerts"
FACTORS_MODEL = "rpt_renewal_backtest_factors"
DIAGNOSIS_MODEL = "rpt_renewal_backtest_diagnosis"

#: Optional columns: a calibrated probability of losing the renewal, when the model has one.
PROBABILITY = "churn_probability"
PROBABILITY_BOUNDS = ("churn_probability_low", "churn_probability_high")

ROW_MEASURES = (
    "health_score",
    "priority_score",
    "score_delta_30d",
    "rule_flag_count",
    "data_completeness",
    "arr_reporting",
    PROBABILITY,
    *PROBABILITY_BOUNDS,
)
ORACLE_KEYS = ("account_id", "renewal_date", "is_lost")


class OracleFileError(ValueError):
    """The oracle CSV is missing, unreadable or lacks a column; the message says which."""


@dataclass(frozen=True)
class BacktestData:
    """The backtest models as frames (``diagnosis``: the techniques' verdicts per scored row,
    when read)."""

    rows: pd.DataFrame
    alerts: pd.DataFrame
    factors: pd.DataFrame
    diagnosis: pd.DataFrame | None = None

    @property
    def has_probability(self) -> bool:
        return PROBABILITY in self.rows and bool(self.rows[PROBABILITY].notna().any())

    @property
    def horizons(self) -> list[int]:
        """The horizons of the model, longest first (90, 60, 30, 7 by default)."""
        return sorted({int(h) for h in self.rows["horizon_days"].unique()}, reverse=True)


def _flags(frame: pd.DataFrame, *columns: str) -> None:
    for column in columns:
        if column in frame:
            frame[column] = frame[column].astype("boolean").fillna(False).astype(int)


def _floats(frame: pd.DataFrame, *columns: str) -> None:
    for column in columns:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)


def _dates(frame: pd.DataFrame, *columns: str) -> None:
    for column in columns:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])


def _read(wh: Warehouse, model: str, order: list[str], descending: str = "") -> pd.DataFrame:
    """``select *`` (the model may gain columns, such as churn_probability), sorted here rather
    than in SQL, so that Postgres collations cannot change the order of the ids."""
    frame = wh.query_df(f"select * from {SCHEMA}.{model}")
    ascending = [column != descending for column in order]
    return frame.sort_values(order, ascending=ascending, kind="stable").reset_index(drop=True)


def load_rows(wh: Warehouse) -> pd.DataFrame:
    """rpt_renewal_backtest: one row per renewal and horizon."""
    frame = _read(wh, ROWS_MODEL, ["horizon_days", "renewal_date", "renewal_id"], "horizon_days")
    _flags(frame, "is_lost", "has_score")
    _floats(frame, *ROW_MEASURES)
    _dates(frame, "renewal_date", "cutoff_date", "score_date")
    frame["horizon_days"] = pd.to_numeric(frame["horizon_days"]).astype(int)
    frame["segment"] = frame["segment"].fillna("unknown").astype(str)
    return frame.reset_index(drop=True)


def load_alerts(wh: Warehouse) -> pd.DataFrame:
    """rpt_renewal_backtest_alerts: one row per renewal and alert fired before it."""
    frame = _read(wh, ALERTS_MODEL, ["renewal_date", "renewal_id", "alert_date", "alert_id"])
    _flags(frame, "is_lost")
    _floats(frame, "days_before_renewal")
    _dates(frame, "renewal_date", "alert_date")
    return frame.reset_index(drop=True)


def load_factors(wh: Warehouse) -> pd.DataFrame:
    """rpt_renewal_backtest_factors: one row per scored backtest row and factor."""
    frame = _read(wh, FACTORS_MODEL, ["horizon_days", "renewal_id", "factor_name"], "horizon_days")
    _flags(frame, "is_lost")
    _floats(frame, "raw_value", "sub_score", "effective_weight", "points_lost")
    _dates(frame, "renewal_date", "score_date")
    frame["horizon_days"] = pd.to_numeric(frame["horizon_days"]).astype(int)
    return frame.reset_index(drop=True)


def load_diagnosis(wh: Warehouse) -> pd.DataFrame:
    """rpt_renewal_backtest_diagnosis: one row per scored backtest row, with the verdict of
    each technique and the renewal's agreement group."""
    frame = _read(wh, DIAGNOSIS_MODEL, ["horizon_days", "renewal_id"], "horizon_days")
    _flags(frame, "is_lost")
    _dates(frame, "renewal_date", "score_date")
    frame["horizon_days"] = pd.to_numeric(frame["horizon_days"]).astype(int)
    for column in ("techniques_with_verdict", "techniques_flagging_risk", "diagnosis_agreement"):
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype(int)
    return frame.reset_index(drop=True)


def load_backtest(wh: Warehouse) -> BacktestData:
    """All the models; raises whatever the driver raises when a model is not built."""
    return BacktestData(
        rows=load_rows(wh),
        alerts=load_alerts(wh),
        factors=load_factors(wh),
        diagnosis=load_diagnosis(wh),
    )


def oracle_columns(horizons: list[int]) -> list[str]:
    return [f"oracle_prob_r{h}" for h in horizons]


def load_oracle(path: Path, horizons: list[int]) -> pd.DataFrame:
    """The simulator's true churn probabilities: one row per (account_id, renewal_date).

    A horizon without its ``oracle_prob_r<h>`` column is left out of the comparison; a file
    without the keys, or without any probability column, is refused.
    """
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise OracleFileError(f"could not read the oracle file {path}: {exc}") from exc
    missing = [c for c in ORACLE_KEYS if c not in frame]
    probabilities = [c for c in oracle_columns(horizons) if c in frame]
    if missing or not probabilities:
        wanted = ", ".join([*ORACLE_KEYS, *oracle_columns(horizons)])
        lacking = ", ".join(missing) if missing else "every oracle_prob_r<h> column"
        raise OracleFileError(f"the oracle file {path} lacks {lacking}; expected {wanted}")
    frame = frame[[*ORACLE_KEYS, *probabilities]].copy()
    frame["account_id"] = frame["account_id"].astype(str)
    frame["renewal_date"] = pd.to_datetime(frame["renewal_date"], errors="coerce")
    frame["is_lost"] = frame["is_lost"].map(_truthy)
    _floats(frame, *probabilities)
    bad = frame["renewal_date"].isna() | frame["is_lost"].isna()
    if bad.any():
        raise OracleFileError(
            f"the oracle file {path} has {int(bad.sum())} row(s) with an unreadable "
            "renewal_date or is_lost"
        )
    frame["is_lost"] = frame["is_lost"].astype(int)
    return frame.drop_duplicates(["account_id", "renewal_date"]).reset_index(drop=True)


def _truthy(value: object) -> int | None:
    text = str(value).strip().lower()
    if text in ("1", "1.0", "true", "t", "yes", "lost"):
        return 1
    if text in ("0", "0.0", "false", "f", "no", "kept"):
        return 0
    return None
