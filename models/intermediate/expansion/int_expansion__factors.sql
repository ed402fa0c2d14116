-- The expansion factors measured here, per account and score date, point in time (the others
-- read the health factors: seeds/expansion_factor_catalogue.csv, column source_factor):
-- * expansion_new_users_28d: of the users active in the last 28 days, the share whose first day
--   in that window was their first ever, or their first after more than 84 days away: new users
--   and new teams. Events without a user id say nothing about it (missing, not 0).
-- * expansion_days_since_last_expansion: days since the account's last expansion
--   (int_expansion__expansions), or since its current paying episode began when it has not
--   expanded since.
-- Long form, as the health factors. Incremental on score_date like them
-- (scoring_dates_to_build): a run recomputes the last history_lookback_days days, the new
-- dates and the dates whose accounts changed, reads the user-days from 112 days before the
-- earliest of them, and prunes the dates that are no longer score dates. Events or expansions
-- that change older dates need a --full-refresh.
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
        cast({{ dbt.dateadd('day', -112, 'min(score_date)') }} as date) as first_read_date
    from account_dates
),

-- the user-days a window of this run can reach, or that decide whether a user is new in it
user_days as (
    select
        user_days.account_id,
        user_days.user_id,
        user_days.event_date
    from {{ ref('int_usage__user_days') }} as user_days
    cross join run_bounds
    where
        user_days.user_id is not null
        and user_days.event_date > run_bounds.first_read_date
),

-- a user's day is a start when the user was not active in the 84 days before it (the days
-- read reach 84 days before every window, so a first day read is a real start)
user_starts as (
    select
        account_id,
        user_id,
        event_date,
        lag(event_date) over (
            partition by account_id, user_id order by event_date
        ) as previous_event_date
    from user_days
),

user_windows as (
    select
        account_dates.account_id,
        account_dates.score_date,
        count(distinct user_starts.user_id) as active_users_28d,
        count(distinct case
            when
                user_starts.previous_event_date is null
                or {{ dbt.datediff(
                    'user_starts.previous_event_date', 'user_starts.event_date', 'day'
                ) }} > 84
                then user_starts.user_id
        end) as new_users_28d
    from account_dates
    inner join user_starts
        on
            account_dates.account_id = user_starts.account_id
            and user_starts.event_date <= account_dates.score_date
            and user_starts.event_date
            > {{ dbt.dateadd('day', -28, 'account_dates.score_date') }}
    group by 1, 2
),

expansions as (
    select * from {{ ref('int_expansion__expansions') }}
),

last_expansions as (
    select
        account_dates.account_id,
        account_dates.score_date,
        max(expansions.expansion_date) as last_expansion_date
    from account_dates
    inner join expansions
        on
            account_dates.account_id = expansions.account_id
            and expansions.expansion_date <= account_dates.score_date
    group by 1, 2
),

episodes as (
    select * from {{ ref('int_lifecycle__episodes') }}
),

wide as (
    select
        account_dates.account_id,
        account_dates.org_id,
        account_dates.score_date,
        case
            when user_windows.active_users_28d > 0
                then 1.0 * user_windows.new_users_28d / user_windows.active_users_28d
        end as expansion_new_users_28d,
        {{ dbt.datediff(
            'case when last_expansions.last_expansion_date >= episodes.episode_start_date'
            ~ ' then last_expansions.last_expansion_date else episodes.episode_start_date end',
            'account_dates.score_date',
            'day'
        ) }} as expansion_days_since_last_expansion
    from account_dates
    left join user_windows
        on
            account_dates.account_id = user_windows.account_id
            and account_dates.score_date = user_windows.score_date
    left join last_expansions
        on
            account_dates.account_id = last_expansions.account_id
            and account_dates.score_date = last_expansions.score_date
    left join episodes
        on
            account_dates.account_id = episodes.account_id
            and account_dates.episode_number = episodes.episode_number
),

unpivoted as (
    {{ unpivot_factors('wide', [
        'expansion_new_users_28d',
        'expansion_days_since_last_expansion',
    ]) }}
),

final as (
    select
        account_id,
        org_id,
        score_date,
        factor_name,
        raw_value
    from unpivoted
)

select * from final
