-- Usage factors per account and score date (frequency, depth, breadth, trend), computed only
-- from events on or before the score date. Long form: one row per factor.

with

account_dates as (
    select * from {{ ref('int_scoring__account_dates') }}
),

user_days as (
    select * from {{ ref('int_usage__user_days') }}
),

key_feature_days as (
    select * from {{ ref('int_usage__account_key_features') }}
),

key_feature_count as (
    select count(*) as key_features
    from {{ ref('stg_product__features') }}
    where is_key_feature and not is_deleted
),

seats as (
    select * from {{ ref('stg_product__seats') }}
    where not is_deleted
),

windowed as (
    select
        account_dates.account_id,
        account_dates.score_date,
        count(distinct case
            when user_days.event_date > {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
                then user_days.event_date
        end) as active_days_28d,
        count(distinct case
            when user_days.event_date > {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
                then user_days.user_id
        end) as active_users_28d,
        sum(case
            when user_days.event_date > {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
                then user_days.events
            else 0
        end) as events_28d,
        sum(case
            when
                user_days.event_date <= {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
                and user_days.event_date > {{ dbt.dateadd('day', -56, 'account_dates.score_date') }}
                then user_days.events
            else 0
        end) as events_prior_28d,
        count(case
            when user_days.event_date > {{ dbt.dateadd('day', -84, 'account_dates.score_date') }}
                then user_days.account_id
        end) as user_days_84d,
        -- events without a user id say nothing about breadth
        count(case
            when user_days.event_date > {{ dbt.dateadd('day', -84, 'account_dates.score_date') }}
                then user_days.user_id
        end) as identified_user_days_84d,
        -- activity (user-days, or active days when events carry no user id) in the last 28
        -- days and in the 84 days before them: the account's own baseline
        count(case
            when user_days.event_date > {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
                then user_days.account_id
        end) as user_days_28d,
        count(case
            when user_days.event_date <= {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
                then user_days.account_id
        end) as user_days_baseline_84d
    from account_dates
    left join user_days
        on
            account_dates.account_id = user_days.account_id
            and user_days.event_date <= account_dates.score_date
            and user_days.event_date > {{ dbt.dateadd('day', -112, 'account_dates.score_date') }}
    group by 1, 2
),

weekly_users as (
    select
        account_dates.account_id,
        account_dates.score_date,
        floor(
            {{ dbt.datediff('user_days.event_date', 'account_dates.score_date', 'day') }} / 7  -- noqa: LT05
        ) as weeks_ago,
        count(distinct user_days.user_id) as weekly_active_users
    from account_dates
    inner join user_days
        on
            account_dates.account_id = user_days.account_id
            and user_days.event_date <= account_dates.score_date
            and user_days.event_date > {{ dbt.dateadd('day', -84, 'account_dates.score_date') }}
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

key_features_used as (
    select
        account_dates.account_id,
        account_dates.score_date,
        count(distinct key_feature_days.feature_key) as key_features_used_28d
    from account_dates
    inner join key_feature_days
        on
            account_dates.account_id = key_feature_days.account_id
            and key_feature_days.event_date <= account_dates.score_date
            and key_feature_days.event_date
            > {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
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
                then 1.0 * windowed.active_users_28d / seats_ranked.licensed_seats
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
        windowed.active_users_28d,
        seats_ranked.licensed_seats
    from account_dates
    left join windowed
        on
            account_dates.account_id = windowed.account_id
            and account_dates.score_date = windowed.score_date
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
