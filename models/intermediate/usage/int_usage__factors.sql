-- Usage factors per account and score date (frequency, depth, breadth, trend), computed only
-- from events on or before the score date. Long form: one row per factor.
-- Incremental on score_date: a run computes the score dates from history_lookback_days before
-- the latest one it holds onwards, plus every date whose accounts differ from the table's (a
-- new date, or an account that started or ended an episode), and replaces those dates whole
-- (delete+insert on score_date; on Spark an overwrite of the score_date partitions). It reads
-- only the daily rollups, from 112 days before the earliest date it computes. The post-hook
-- removes the dates that are no longer score dates (the previous run's as_of_date and its
-- comparison dates). A change to seats or events dated before the window needs a
-- --full-refresh.
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

-- the rollups, from the earliest day the windows below reach (112 days) onwards
user_days as (
    select * from {{ ref('int_usage__user_days') }}
    {%- if is_incremental() %}
        where event_date > (
            select cast({{ dbt.dateadd('day', -112, 'min(score_date)') }} as date)
            from dates_to_build
        )
    {%- endif %}
),

features as (
    select * from {{ ref('stg_product__features') }}
    where is_key_feature and not is_deleted
),

feature_days as (
    select * from {{ ref('int_usage__account_feature_days') }}
    {%- if is_incremental() %}
        where event_date > (
            select cast({{ dbt.dateadd('day', -28, 'min(score_date)') }} as date)
            from dates_to_build
        )
    {%- endif %}
),

-- the key features of the current feature list
key_feature_days as (
    select feature_days.*
    from feature_days
    inner join features
        on feature_days.feature_key = features.feature_key
),

key_feature_count as (
    select count(*) as key_features
    from features
),

seats as (
    select * from {{ ref('stg_product__seats') }}
    where not is_deleted
),

-- one row per account and day: the sums and counts below need no distinct
account_days as (
    select
        account_id,
        event_date,
        sum(events) as events,
        count(*) as user_days,
        -- events without a user id say nothing about breadth
        count(user_id) as identified_user_days
    from user_days
    group by 1, 2
),

-- No count(distinct) below: distinct aggregates keep a set per group in memory, which at
-- 100,000 accounts exceeds any sensible memory limit. Grouping by the counted value first and
-- counting the groups gives the same figures with plain aggregates, which spill to disk.
windowed as (
    select
        account_dates.account_id,
        account_dates.score_date,
        count(case
            when account_days.event_date > {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
                then account_days.event_date
        end) as active_days_28d,
        sum(case
            when account_days.event_date > {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
                then account_days.events
            else 0
        end) as events_28d,
        sum(case
            when
                account_days.event_date
                <= {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
                and account_days.event_date
                > {{ dbt.dateadd('day', -56, 'account_dates.score_date') }}
                then account_days.events
            else 0
        end) as events_prior_28d,
        coalesce(sum(case
            when account_days.event_date > {{ dbt.dateadd('day', -84, 'account_dates.score_date') }}
                then account_days.user_days
        end), 0) as user_days_84d,
        coalesce(sum(case
            when account_days.event_date > {{ dbt.dateadd('day', -84, 'account_dates.score_date') }}
                then account_days.identified_user_days
        end), 0) as identified_user_days_84d,
        -- activity (user-days, or active days when events carry no user id) in the last 28
        -- days and in the 84 days before them: the account's own baseline
        coalesce(sum(case
            when account_days.event_date > {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
                then account_days.user_days
        end), 0) as user_days_28d,
        coalesce(sum(case
            when
                account_days.event_date
                <= {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
                then account_days.user_days
        end), 0) as user_days_baseline_84d
    from account_dates
    left join account_days
        on
            account_dates.account_id = account_days.account_id
            and account_days.event_date <= account_dates.score_date
            and account_days.event_date
            > {{ dbt.dateadd('day', -112, 'account_dates.score_date') }}
    group by 1, 2
),

-- the identified users active in the 28 days to each score date, once each
users_28d as (
    select
        account_dates.account_id,
        account_dates.score_date,
        user_days.user_id
    from account_dates
    inner join user_days
        on
            account_dates.account_id = user_days.account_id
            and user_days.event_date <= account_dates.score_date
            and user_days.event_date > {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
    where user_days.user_id is not null
    group by 1, 2, 3
),

active_users as (
    select
        account_id,
        score_date,
        count(*) as active_users_28d
    from users_28d
    group by 1, 2
),

-- each user (or the anonymous events, as a null user) once per week before the score date
user_weeks as (
    select
        account_dates.account_id,
        account_dates.score_date,
        floor(
            {{ dbt.datediff('user_days.event_date', 'account_dates.score_date', 'day') }} / 7  -- noqa: LT05
        ) as weeks_ago,
        user_days.user_id
    from account_dates
    inner join user_days
        on
            account_dates.account_id = user_days.account_id
            and user_days.event_date <= account_dates.score_date
            and user_days.event_date > {{ dbt.dateadd('day', -84, 'account_dates.score_date') }}
    group by 1, 2, 3, 4
),

-- a week with only anonymous events counts as a week with no identified user
weekly_users as (
    select
        account_id,
        score_date,
        weeks_ago,
        count(user_id) as weekly_active_users
    from user_weeks
    group by 1, 2, 3
),

weekly_slope as (
    select
        account_id,
        score_date,
        case
            when count(*) >= 4 and avg(weekly_active_users) > 0
                then -1.0 * regr_slope(weekly_active_users, weeks_ago) / avg(weekly_active_users)
        end as usage_weekly_users_slope_12w
    from weekly_users
    group by 1, 2
),

account_key_features as (
    select
        account_dates.account_id,
        account_dates.score_date,
        key_feature_days.feature_key
    from account_dates
    inner join key_feature_days
        on
            account_dates.account_id = key_feature_days.account_id
            and key_feature_days.event_date <= account_dates.score_date
            and key_feature_days.event_date
            > {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
    group by 1, 2, 3
),

key_features_used as (
    select
        account_id,
        score_date,
        count(*) as key_features_used_28d
    from account_key_features
    group by 1, 2
),

seats_ranked as (
    select
        account_dates.account_id,
        account_dates.score_date,
        seats.licensed_seats,
        row_number() over (
            partition by account_dates.account_id, account_dates.score_date
            order by seats.effective_date desc
        ) as recency_rank
    from account_dates
    inner join seats
        on
            account_dates.account_id = seats.account_id
            and seats.effective_date <= account_dates.score_date
),

wide as (
    select
        account_dates.account_id,
        account_dates.org_id,
        account_dates.score_date,
        -- an account with no events at all in 84 days is measured (zero use), not missing
        windowed.active_days_28d as usage_active_days_28d,
        case
            when key_feature_count.key_features > 0
                then
                    1.0 * coalesce(key_features_used.key_features_used_28d, 0)
                    / key_feature_count.key_features
        end as usage_key_feature_adoption_28d,
        case
            -- events in the window but none carries a user id: breadth is unknown, not zero
            when windowed.user_days_84d > 0 and windowed.identified_user_days_84d = 0 then null
            when seats_ranked.licensed_seats > 0
                then 1.0 * coalesce(active_users.active_users_28d, 0) / seats_ranked.licensed_seats
        end as usage_seat_utilisation_28d,
        case
            when windowed.events_prior_28d > 0
                then
                    1.0 * (windowed.events_28d - windowed.events_prior_28d)
                    / windowed.events_prior_28d
            when windowed.events_28d > 0 then 1.0
        end as usage_events_trend_28d,
        weekly_slope.usage_weekly_users_slope_12w,
        -- no baseline (a new account, or none in the 84 days before) is missing, not a trend
        case
            when windowed.user_days_baseline_84d > 0
                then
                    3.0 * windowed.user_days_28d / windowed.user_days_baseline_84d - 1.0
        end as usage_activity_vs_baseline_90d,
        coalesce(active_users.active_users_28d, 0) as active_users_28d,
        seats_ranked.licensed_seats
    from account_dates
    left join windowed
        on
            account_dates.account_id = windowed.account_id
            and account_dates.score_date = windowed.score_date
    left join active_users
        on
            account_dates.account_id = active_users.account_id
            and account_dates.score_date = active_users.score_date
    left join weekly_slope
        on
            account_dates.account_id = weekly_slope.account_id
            and account_dates.score_date = weekly_slope.score_date
    left join key_features_used
        on
            account_dates.account_id = key_features_used.account_id
            and account_dates.score_date = key_features_used.score_date
    left join seats_ranked
        on
            account_dates.account_id = seats_ranked.account_id
            and account_dates.score_date = seats_ranked.score_date
            and seats_ranked.recency_rank = 1
    cross join key_feature_count
),

final as (
    {{ unpivot_factors('wide', [
        'usage_active_days_28d',
        'usage_key_feature_adoption_28d',
        'usage_seat_utilisation_28d',
        'usage_events_trend_28d',
        'usage_weekly_users_slope_12w',
        'usage_activity_vs_baseline_90d',
    ]) }}
)

select * from final
