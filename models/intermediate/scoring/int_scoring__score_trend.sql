-- The health score's trend per account and score date: the score 7, 14 and 30 days before (28
-- on the weekly grain, so that the date is a score date), the change since each, and the trend
-- direction: improving or declining when the 30-day change reaches trend_threshold_points.
{%- set delta_30_days = 30 if var('score_grain') == 'day' else 28 %}

with

scores as (
    select * from {{ ref('int_scoring__health_scores') }}
),

previous as (
    select
        scores.account_id,
        scores.score_date,
        scores.health_score,
        prior_7.health_score as health_score_7d_ago,
        prior_14.health_score as health_score_14d_ago,
        prior_30.health_score as health_score_30d_ago
    from scores
    left join scores as prior_7
        on
            scores.account_id = prior_7.account_id
            and prior_7.score_date = cast({{ dbt.dateadd('day', -7, 'scores.score_date') }} as date)
    left join scores as prior_14
        on
            scores.account_id = prior_14.account_id
            and prior_14.score_date
            = cast({{ dbt.dateadd('day', -14, 'scores.score_date') }} as date)
    left join scores as prior_30
        on
            scores.account_id = prior_30.account_id
            and prior_30.score_date
            = cast({{ dbt.dateadd('day', -1 * delta_30_days, 'scores.score_date') }} as date)
),

deltas as (
    select
        account_id,
        score_date,
        health_score_7d_ago,
        health_score_14d_ago,
        health_score_30d_ago,
        health_score - health_score_7d_ago as score_delta_7d,
        health_score - health_score_14d_ago as score_delta_14d,
        health_score - health_score_30d_ago as score_delta_30d
    from previous
),

final as (
    select
        -- ids
        account_id,
        score_date,
        -- measures
        health_score_7d_ago,
        health_score_14d_ago,
        health_score_30d_ago,
        score_delta_7d,
        score_delta_14d,
        score_delta_30d,
        -- dimensions
        case
            when score_delta_30d is null then 'stable'
            when score_delta_30d >= {{ var('trend_threshold_points') }} then 'improving'
            when score_delta_30d <= -1 * {{ var('trend_threshold_points') }} then 'declining'
            else 'stable'
        end as trend_direction
    from deltas
)

select * from final
