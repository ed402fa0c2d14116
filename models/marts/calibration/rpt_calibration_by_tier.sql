-- Churn rate by tier and by risk level, per segment and weights_version, over every labelled
-- (not censored) score date, with Wilson 95% confidence intervals. Red must churn more than
-- green, or the score is not doing its job.

with

outcomes as (
    select * from {{ ref('int_outcomes') }}
    where not is_censored
),

by_band as (
    select
        'health_tier' as scale,
        health_tier as band,
        segment,
        weights_version,
        history_source,
        is_churned_within_horizon
    from outcomes
    union all
    select
        'risk_level' as scale,
        risk_level as band,
        segment,
        weights_version,
        history_source,
        is_churned_within_horizon
    from outcomes
),

all_segments as (
    select
        scale,
        band,
        segment,
        weights_version,
        history_source,
        is_churned_within_horizon
    from by_band
    union all
    select
        scale,
        band,
        'all' as segment,
        weights_version,
        history_source,
        is_churned_within_horizon
    from by_band
),

counted as (
    select
        scale,
        band,
        segment,
        weights_version,
        {{ dbt.listagg('distinct history_source', "', '", 'order by history_source') }}
            as history_sources,
        count(*) as account_dates,
        sum(is_churned_within_horizon) as churned
    from all_segments
    group by 1, 2, 3, 4
),

final as (
    select
        scale,
        band,
        segment,
        weights_version,
        history_sources,
        cast(account_dates as bigint) as account_dates,
        cast(churned as bigint) as churned,
        {{ round_score('1.0 * churned / account_dates') }} as churn_rate,
        -- Wilson score interval, z = 1.96
        {{ round_score(
            "(1.0 * churned / account_dates + 1.9208 / account_dates
            - 1.96 * sqrt((1.0 * churned / account_dates) * (1 - 1.0 * churned / account_dates)
                / account_dates + 0.9604 / (account_dates * account_dates)))
            / (1 + 3.8416 / account_dates)"
        ) }} as churn_rate_ci_low,
        {{ round_score(
            "(1.0 * churned / account_dates + 1.9208 / account_dates
            + 1.96 * sqrt((1.0 * churned / account_dates) * (1 - 1.0 * churned / account_dates)
                / account_dates + 0.9604 / (account_dates * account_dates)))
            / (1 + 3.8416 / account_dates)"
        ) }} as churn_rate_ci_high
    from counted
)

select * from final
