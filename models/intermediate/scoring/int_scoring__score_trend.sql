-- The health score's trend per account and score date: the score 7, 14 and 30 days before (28
-- on the weekly grain, so that the date is a score date), the change since each, and the trend
-- direction: improving or declining when the 30-day change reaches trend_threshold_points.
-- Incremental on score_date (scoring_dates_to_build, with the health scores' accounts and
-- dates): a run recomputes the dates the health scores recompute and the dates 7, 14 and 30 (or
-- 28) days after them, whose trend compares with those; it reads the health scores of the
-- dates it computes and of the 30 days before the earliest of them.
-- depends_on: {{ ref('int_scoring__weights_version') }}
{%- set delta_30_days = 30 if var('score_grain') == 'day' else 28 %}
{{ config(**incremental_on_score_date('int_scoring__health_scores')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(
    ref('int_scoring__health_scores'), shift_days=[7, 14, delta_30_days]
) }},
{%- endif %}

all_scores as (
    select * from {{ ref('int_scoring__health_scores') }}
),

scores as (
    select * from all_scores
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

-- the scores the trend compares with
prior_scores as (
    select * from all_scores
    {%- if is_incremental() %}
        where score_date >= (
            select cast({{ dbt.dateadd('day', -1 * delta_30_days, 'min(score_date)') }} as date)
            from dates_to_build
        )
    {%- endif %}
),

previous as (
    select
        scores.account_id,
        scores.score_date,
        scores.health_score,
        prior_7.health_score as health_score_7d_ago,
        prior_14.health_score as health_score_14d_ago,
        prior_30.health_score as health_score_30d_ago,
        scores.weights_version
    from scores
    left join prior_scores as prior_7
        on
            scores.account_id = prior_7.account_id
            and prior_7.score_date = cast({{ dbt.dateadd('day', -7, 'scores.score_date') }} as date)
    left join prior_scores as prior_14
        on
            scores.account_id = prior_14.account_id
            and prior_14.score_date
            = cast({{ dbt.dateadd('day', -14, 'scores.score_date') }} as date)
    left join prior_scores as prior_30
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
        health_score - health_score_30d_ago as score_delta_30d,
        weights_version
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
        end as trend_direction,
        -- the configuration the scores were computed with
        weights_version
    from deltas
)

select * from final
