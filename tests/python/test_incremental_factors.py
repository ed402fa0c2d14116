"""The support, relationship and finance factor models, and the scoring models after them, are
incremental on score_date: a run recomputes the last history_lookback_days days and the new
dates, picks up late rows, prunes the dates that are no longer score dates, and ends equal to a
full refresh (tests/python/test_incremental_scoring.py: what else makes a scoring date stale)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from customer_health import dbt as dbt_runner
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb
from .late_rows import LateAccounts, plant_late_rows

FACTORS = [
    "intermediate.int_support__factors",
    "intermediate.int_relationship__factors",
    "intermediate.int_finance__factors",
]
FULL_REFRESH = ["run", "--full-refresh", "--select", *(f.split(".")[1] for f in FACTORS)]
# the scoring models incremental on score_date (DECISIONLOG 43), and the expansion factor scores
SCORING = [
    f"intermediate.int_scoring__{name}"
    for name in (
        "factor_evidence",
        "factor_scores",
        "factor_contributions",
        "health_scores",
        "rule_flags",
        "score_drivers",
        "score_trend",
        "score_overrides",
        "churn_probability",
        "renewal_arr",
        "account_scores",
    )
] + [  # stamped with both versions (they read both)
    f"intermediate.int_expansion__{name}" for name in ("factor_scores", "drivers", "scores")
]


def snapshot_of(wh: Warehouse, relation: str) -> pd.DataFrame:
    frame = wh.query_df(f"select * from {relation}")
    return frame.sort_values(list(frame.columns)).reset_index(drop=True).astype(str)


def as_of_date(wh: Warehouse) -> date:
    return pd.Timestamp(
        wh.query_df("select max(score_date) as d from marts.mart_account_health")["d"][0]
    ).date()


def account_where(wh: Warehouse, as_of: date, factor: str, condition: str) -> str:
    """The first account whose factor on the as_of date meets the condition."""
    found = wh.query_df(
        f"select account_id from intermediate.int_{factor.split('_')[0]}__factors "
        f"where score_date = date '{as_of}' and factor_name = '{factor}' and {condition} "
        "order by account_id limit 1"
    )
    assert len(found) == 1, f"no account with {factor} {condition}"
    return str(found["account_id"][0])


def tamper_an_old_row(wh: Warehouse, relation: str, as_of: date) -> tuple[str, str, str]:
    """Set an old row (well before the lookback window) to -1 and return its key: an incremental
    run must leave it alone."""
    row = wh.query_df(
        f"select account_id, cast(score_date as varchar) as score_date, factor_name "
        f"from {relation} where score_date < date '{as_of - timedelta(days=120)}' "
        "order by score_date desc, account_id, factor_name limit 1"
    ).iloc[0]
    wh.execute(
        f"update {relation} set raw_value = -1 where account_id = '{row.account_id}' "
        f"and score_date = date '{row.score_date}' and factor_name = '{row.factor_name}'"
    )
    return str(row.account_id), str(row.score_date), str(row.factor_name)


def is_row(frame: pd.DataFrame, account_id: str, score_date: str, factor_name: str) -> pd.Series:
    return (
        (frame["account_id"] == account_id)
        & (frame["score_date"] == score_date)
        & (frame["factor_name"] == factor_name)
    )


def values_of(frame: pd.DataFrame, account_id: str, score_date: date, factor_name: str) -> list:
    return frame.loc[is_row(frame, account_id, str(score_date), factor_name), "raw_value"].tolist()


def test_late_rows_of_each_family_are_picked_up_and_equal_a_full_refresh(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    wh = copy_duckdb(duck_built, tmp_path)
    as_of = as_of_date(wh)
    late_day = as_of - timedelta(days=3)
    support_account = account_where(wh, as_of, "support_urgent_high_30d", "raw_value = 0")
    touch_account = account_where(wh, as_of, "relationship_days_since_touch", "raw_value > 3")
    finance_account = account_where(wh, as_of, "finance_max_days_past_due", "raw_value = 0")
    plant_late_rows(
        wh, LateAccounts(support_account, touch_account, finance_account), as_of, late_day
    )
    before = {relation: snapshot_of(wh, relation) for relation in FACTORS}
    tampered = {relation: tamper_an_old_row(wh, relation, as_of) for relation in FACTORS}

    dbt_runner.run(
        ["build", "--exclude", "resource_type:test", "resource_type:unit_test"], wh, quiet=True
    )

    incremental = {relation: snapshot_of(wh, relation) for relation in FACTORS}
    for relation, key in tampered.items():
        # the old row is outside the window: the run did not recompute it
        assert incremental[relation].loc[
            is_row(incremental[relation], *key), "raw_value"
        ].tolist() == ["-1.0"], relation
        assert not incremental[relation].equals(before[relation]), f"{relation} did not change"
    support, relationship, finance = (incremental[relation] for relation in FACTORS)
    assert values_of(support, support_account, as_of, "support_urgent_high_30d") == ["1.0"]
    assert values_of(relationship, touch_account, as_of, "relationship_days_since_touch") == ["3.0"]
    assert values_of(finance, finance_account, as_of, "finance_max_days_past_due") == ["10.0"]
    failures_before = values_of(
        before[FACTORS[2]], finance_account, as_of, "finance_payment_failures_90d"
    )
    failures = values_of(finance, finance_account, as_of, "finance_payment_failures_90d")
    assert [float(v) + 1 for v in failures_before] == [float(v) for v in failures]

    dbt_runner.run(FULL_REFRESH, wh, quiet=True)
    for relation, key in tampered.items():
        full = snapshot_of(wh, relation)
        expected = incremental[relation]
        pd.testing.assert_frame_equal(
            expected[~is_row(expected, *key)].reset_index(drop=True),
            full[~is_row(full, *key)].reset_index(drop=True),
            obj=relation,
        )


def test_moving_as_of_date_one_day_on_equals_a_full_refresh(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    wh = copy_duckdb(duck_built, tmp_path)
    as_of = as_of_date(wh)
    next_day = as_of + timedelta(days=1)
    relations = FACTORS + SCORING
    dates_before = {r: set(snapshot_of(wh, r)["score_date"]) for r in relations}
    dbt_vars = {"as_of_date": str(next_day)}

    dbt_runner.run(
        ["build", "--exclude", "resource_type:test", "resource_type:unit_test"],
        wh,
        dbt_vars=dbt_vars,
        quiet=True,
    )
    incremental = {r: snapshot_of(wh, r) for r in relations}
    score_dates = set(
        snapshot_of(wh, "intermediate.int_scoring__score_dates")["score_date"].tolist()
    )

    full_refresh = [*FULL_REFRESH, *(r.split(".")[1] for r in SCORING)]
    dbt_runner.run(full_refresh, wh, dbt_vars=dbt_vars, quiet=True)
    for relation in relations:
        dates = set(incremental[relation]["score_date"])
        assert str(next_day) in dates and str(next_day) not in dates_before[relation], relation
        # the previous as_of_date is no score date any more (the book ends on a weekday): pruned
        assert str(as_of) in dates_before[relation] and str(as_of) not in score_dates
        assert dates == score_dates, relation
        pd.testing.assert_frame_equal(
            incremental[relation], snapshot_of(wh, relation), obj=relation
        )
