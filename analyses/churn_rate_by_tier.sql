-- Churn within the horizon by tier, per segment and history source: the first question of
-- every calibration session ("does red churn more than green?").
select
    segment,
    history_source,
    health_tier,
    count(*) as account_dates,
    sum(is_churned_within_horizon) as churned,
    round(cast(avg(1.0 * is_churned_within_horizon) as decimal(18, 6)), 4) as churn_rate
from {{ ref('int_outcomes') }}
where not is_censored
group by 1, 2, 3
order by 1, 2, 3
