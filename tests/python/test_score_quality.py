"""The score means something on the demo book: accounts the history called critical churned
far more often in the next 90 days than accounts it called healthy."""

from __future__ import annotations

import pandas as pd

from customer_health.warehouse import Warehouse

HORIZON_DAYS = 90


def churn_by_tier(wh: Warehouse) -> pd.DataFrame:
    frame = wh.query_df(
        f"""
        with churns as (
            -- one per ended lifecycle episode
            select account_id, outcome_date as churned_date
            from intermediate.int_lifecycle__outcomes
            where outcome_type = 'churned'
        ),
        labelled as (
            select
                history.account_id,
                history.score_date,
                history.health_tier,
                max(case
                    when churns.churned_date > history.score_date
                        and churns.churned_date <= history.score_date + {HORIZON_DAYS}
                    then 1 else 0
                end) as churned_within_horizon
            from marts.mart_account_health_history as history
            left join churns on history.account_id = churns.account_id
            where history.score_date
                <= (select max(score_date) from marts.mart_account_health_history)
                   - {HORIZON_DAYS}
            group by 1, 2, 3
        )
        select health_tier, count(*) as account_dates,
               avg(churned_within_horizon) as churn_rate
        from labelled group by 1
        """
    )
    return frame.set_index("health_tier")


def test_critical_accounts_churn_far_more_than_healthy_ones(duck_built: Warehouse) -> None:
    rates = churn_by_tier(duck_built)
    print("\nchurn within 90 days by tier (demo book):\n" + rates.to_string())
    assert {"healthy", "at_risk", "critical"} <= set(rates.index)
    healthy, at_risk, critical = (
        rates.loc[t, "churn_rate"] for t in ("healthy", "at_risk", "critical")
    )
    assert rates.loc["critical", "account_dates"] >= 30
    assert critical >= 3 * healthy, rates
    assert at_risk > healthy, rates
