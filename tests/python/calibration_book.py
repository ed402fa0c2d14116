"""A synthetic renewal book written straight into DuckDB, in the tables calibration reads.

Every renewal is a different account, scored 60 days ahead, over two years. Each factor of the
real catalogue gets a random sub-score (8% missing). Whether a renewal is lost follows one of
two truths:

- ``truth="factor"``: only ``DRIVER`` matters (logit = a + b * its badness);
- ``truth="score"``: the current score itself (logit = a + b * (100 - score) / 100), so the
  current weights are the truth and no proposal can beat them.

``current`` sets the weights in force (the score the book carries): the seeds' own, or
:func:`scrambled_weights`, which all but ignore the driver.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from customer_health.calibration import scoring
from customer_health.dbt import project_dir
from customer_health.warehouse import Warehouse

SEEDS = project_dir() / "seeds"
DRIVER = "usage_active_days_28d"
SEGMENTS = ("enterprise", "mid_market", "smb")
VERSION = "synthetic0001"
HORIZON = 60
START = dt.date(2024, 10, 1)
DAYS = 730


def seed_weights() -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    segment = pd.read_csv(SEEDS / "segment_weights.csv")
    catalogue = pd.read_csv(SEEDS / "factor_catalogue.csv")
    by_segment: dict[str, dict[str, float]] = {}
    for row in segment.itertuples(index=False):
        by_segment.setdefault(row.segment, {})[row.family] = float(row.weight)
    return by_segment, dict(zip(catalogue["factor_name"], catalogue["factor_weight"], strict=True))


def scrambled_weights() -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Weights that all but ignore the driver: usage counts 0.10 and the driver 0.01 of it."""
    segments, factors = seed_weights()
    segments = {
        s: {"usage": 0.10, "support": 0.30, "relationship": 0.30, "finance": 0.30} for s in segments
    }
    factors = dict(factors)
    usage = [f for f in factors if f.startswith("usage_") and f != DRIVER]
    factors[DRIVER] = 0.01
    for name in usage:
        factors[name] = 0.99 / len(usage)
    return segments, factors


def synthetic_book(
    path: Path,
    truth: str,
    current: tuple[dict[str, dict[str, float]], dict[str, float]],
    per_segment: int = 700,
    seed: int = 1,
) -> Warehouse:
    rng = np.random.default_rng(seed)
    segment_weights, factor_weights = current
    catalogue = pd.read_csv(SEEDS / "factor_catalogue.csv")[["factor_name", "family"]]
    catalogue["factor_weight"] = catalogue["factor_name"].map(factor_weights)
    family_of = dict(zip(catalogue["factor_name"], catalogue["family"], strict=True))
    n = per_segment * len(SEGMENTS)
    factors = list(catalogue["factor_name"])
    sub = np.clip(rng.normal(65, 25, (n, len(factors))), 0, 100).round(2)
    sub[rng.random(sub.shape) < 0.08] = np.nan
    subs = pd.DataFrame(sub, columns=factors)
    segment = pd.Series(np.repeat(SEGMENTS, per_segment))
    score = scoring.recompute_score(subs, segment, factor_weights, family_of, segment_weights)
    if truth == "factor":
        bad = (100 - subs[DRIVER].fillna(subs[DRIVER].mean())) / 100
        logit = -4.0 + 9.0 * bad
    else:
        logit = -5.0 + 9.0 * (100 - score) / 100
    lost = rng.random(n) < 1 / (1 + np.exp(-logit.to_numpy()))
    renewal_date = [START + dt.timedelta(days=int(d)) for d in rng.integers(0, DAYS, n)]
    ids = [f"R{i:05d}" for i in range(n)]
    tiers = pd.read_csv(SEEDS / "score_tiers.csv")
    renewals = pd.DataFrame(
        {
            "backtest_row_id": [f"B{i:05d}" for i in range(n)],
            "renewal_id": ids,
            "account_id": [f"A{i:05d}" for i in range(n)],
            "segment": segment,
            "is_lost": lost,
            "horizon_days": HORIZON,
            "has_score": True,
            "health_score": score.round(6),
            "health_tier": scoring.assign_tier(score, tiers, segment),
            "weights_version": VERSION,
            "renewal_date": renewal_date,
            "score_date": [d - dt.timedelta(days=HORIZON) for d in renewal_date],
        }
    )
    long = subs.assign(backtest_row_id=renewals["backtest_row_id"]).melt(
        id_vars="backtest_row_id", var_name="factor_name", value_name="sub_score"
    )
    long["horizon_days"] = HORIZON
    today = renewals.tail(300).copy()
    today["account_name"] = today["account_id"] + " Ltd"
    today["arr_reporting"] = rng.integers(5, 200, len(today)) * 1000.0
    today["score_date"] = START + dt.timedelta(days=DAYS)
    today_long = long[long["backtest_row_id"].isin(today["backtest_row_id"])].merge(
        renewals[["backtest_row_id", "account_id"]], on="backtest_row_id"
    )
    today_long["has_data"] = today_long["sub_score"].notna()
    weights = pd.DataFrame(
        [(s, f, w) for s, fam in segment_weights.items() for f, w in fam.items()],
        columns=["segment", "family", "weight"],
    )
    write_tables(
        path,
        {
            "calibration.rpt_renewal_backtest": renewals,
            "calibration.rpt_renewal_backtest_factors": long,
            "config.factor_catalogue": catalogue,
            "config.segment_weights": weights,
            "config.score_tiers": tiers,
            "marts.mart_account_health": today.drop(columns=["backtest_row_id"]),
            "marts.mart_account_health_factors": today_long,
        },
    )
    return replace(Warehouse.from_env("duckdb"), duckdb_path=path)


def write_tables(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    con = duckdb.connect(str(path))
    try:
        for name, frame in tables.items():
            con.execute(f"create schema if not exists {name.split('.')[0]}")
            con.register("_frame", frame)
            con.execute(f"create or replace table {name} as select * from _frame")
            con.unregister("_frame")
    finally:
        con.close()
