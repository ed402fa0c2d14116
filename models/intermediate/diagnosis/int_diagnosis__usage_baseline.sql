-- The anomaly technique's measure: each account's activity this week (user-days: a user active
-- on a day, or an active day when events carry no user id) against its own weekly baseline,
-- the diagnosis_baseline_weeks whole weeks before, point in time. Weeks before the account's
-- first activity in that window are not part of its baseline (it was not using the product
-- yet); weeks without activity after it count as 0. With fewer than
-- diagnosis_baseline_min_weeks baseline weeks there is no z-score. The standard deviation has
-- a floor of the square root of the mean (the noise of a count), so that a very even baseline
-- does not turn one quiet week into a huge z.
-- Incremental on score_date (scoring_dates_to_build): a run recomputes the last
-- history_lookback_days days, the new dates and the dates whose accounts changed, whole
-- (delete+insert on score_date; on Spark an overwrite of the score_date partitions), from the
-- usage rollup of the weeks they reach; the dates that are no longer score dates are pruned.
{%- set weeks = var('diagnosis_baseline_weeks') | int %}
{%- set window_days = 7 * (weeks + 1) %}
{{ config(**incremental_on_score_date('int_scoring__account_dates')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__account_dates'), stamps={}) }},
{%- endif %}

account_dates as (
    select * from {{ ref('int_scoring__account_dates') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

run_bounds as (
    select
        cast({{ dbt.dateadd('day', -1 * window_days, 'min(score_date)') }} as date)
            as window_start_date
    from account_dates
),

user_days as (
    select user_days.*
    from {{ ref('int_usage__user_days') }} as user_days
    cross join run_bounds
    where user_days.event_date > run_bounds.window_start_date
),

-- week 0 is the score date and the six days before it; week k the seven days before week k-1
weekly as (
    select
        account_dates.account_id,
        account_dates.score_date,
        floor(
            {{ dbt.datediff('user_days.event_date', 'account_dates.score_date', 'day') }} / 7  -- noqa: LT05
        ) as weeks_ago,
        count(*) as user_days
    from account_dates
    inner join user_days
        on
            account_dates.account_id = user_days.account_id
            and user_days.event_date <= account_dates.score_date
            and user_days.event_date
            > {{ dbt.dateadd('day', -1 * window_days, 'account_dates.score_date') }}
    group by 1, 2, 3
),

summed as (
    select
        account_id,
        score_date,
        sum(case when weeks_ago = 0 then user_days else 0 end) as activity_this_week,
        -- the baseline starts with the week of the first activity in the window
        max(weeks_ago) as baseline_weeks,
        sum(case when weeks_ago >= 1 then user_days else 0 end) as baseline_sum,
        sum(case when weeks_ago >= 1 then user_days * user_days else 0 end)
            as baseline_sum_of_squares
    from weekly
    group by 1, 2
),

moments as (
    select
        account_id,
        score_date,
        activity_this_week,
        baseline_weeks,
        -- doubles: Spark divides decimals to 6 decimals only
        case
            when baseline_weeks > 0
                then cast(baseline_sum as {{ type_double() }}) / baseline_weeks
        end as baseline_mean,
        case
            when baseline_weeks > 0
                then
                    cast(baseline_sum_of_squares as {{ type_double() }}) / baseline_weeks
                    - (cast(baseline_sum as {{ type_double() }}) / baseline_weeks)
                    * (cast(baseline_sum as {{ type_double() }}) / baseline_weeks)
        end as baseline_variance
    from summed
),

scored as (
    select
        account_id,
        score_date,
        activity_this_week,
        baseline_weeks,
        baseline_mean,
        sqrt(case when baseline_variance > 0 then baseline_variance else 0 end)
            as baseline_sd
    from moments
),

final as (
    select
        -- ids
        account_dates.account_id,
        account_dates.org_id,
        -- measures
        coalesce(scored.activity_this_week, 0) as activity_this_week,
        cast(coalesce(scored.baseline_weeks, 0) as integer) as baseline_weeks,
        {{ round_score('scored.baseline_mean') }} as baseline_mean,
        {{ round_score('scored.baseline_sd') }} as baseline_sd,
        case
            when scored.baseline_weeks >= {{ var('diagnosis_baseline_min_weeks') | int }}
                then {{ round_score(
                    '(scored.activity_this_week - scored.baseline_mean)'
                    ~ ' / greatest(scored.baseline_sd, sqrt(scored.baseline_mean))'
                ) }}
        end as usage_baseline_z,
        -- dates
        account_dates.score_date
    from account_dates
    left join scored
        on
            account_dates.account_id = scored.account_id
            and account_dates.score_date = scored.score_date
)

select * from final
