-- Relationship factors per account and score date, from the CRM: touches, meeting
-- attendance, sponsor and champion engagement, champion departure, CSM sentiment.
-- Incremental on score_date (scoring_dates_to_build): a run recomputes whole the last
-- history_lookback_days days, the new dates and the dates whose accounts changed (an episode
-- started or ended late), and prunes the dates that are no longer score
-- dates. A score date reads its 90 days of activities and its latest activity before them,
-- which carries the last touch so far; the older ones are not read.
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

activities as (
    select * from {{ ref('stg_crm__activities') }}
    where not is_deleted
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
    where not is_deleted
),

sentiment as (
    select * from {{ ref('stg_crm__sentiment') }}
    where not is_deleted and sentiment_score is not null
),

run_bounds as (
    select
        min(score_date) as first_score_date,
        cast({{ dbt.dateadd('day', -90, 'min(score_date)') }} as date) as window_start_date
    from account_dates
),

activity_facts as (
    select
        activities.activity_id,
        activities.account_id,
        cast(activities.occurred_at as date) as activity_date,
        activities.activity_type,
        activities.outcome,
        (activities.activity_type = 'meeting' and activities.outcome = 'held')
        or (activities.activity_type = 'call' and activities.outcome = 'completed')
            as is_meaningful_touch,
        -- the contact held the role on the day of the activity (point-in-time)
        coalesce(
            contacts.role in ('sponsor', 'champion')
            and contacts.active_from_date <= cast(activities.occurred_at as date),
            false
        ) as is_with_sponsor_or_champion
    from activities
    left join contacts
        on activities.contact_id = contacts.contact_id
),

-- each account's activities in date order, with the last meaningful touch so far and the date
-- of the next activity: a score date's latest activity (next one later, or none) carries its
-- last touch however old it is
activity_history as (
    select
        *,
        max(case when is_meaningful_touch then activity_date end) over (
            partition by account_id
            order by activity_date, activity_id
            rows between unbounded preceding and current row
        ) as last_touch_date_so_far,
        lead(activity_date) over (
            partition by account_id
            order by activity_date, activity_id
        ) as next_activity_date
    from activity_facts
),

-- the activities that can count on some score date of this run
recent_activities as (
    select activity_history.*
    from activity_history
    cross join run_bounds
    where
        activity_history.activity_date > run_bounds.window_start_date
        or activity_history.next_activity_date is null
        or activity_history.next_activity_date > run_bounds.first_score_date
),

activity_windows as (
    select
        account_dates.account_id,
        account_dates.score_date,
        -- any activity on or before the score date (its latest one is always read)
        count(*) as activities_read,
        max(recent_activities.last_touch_date_so_far) as last_touch_date,
        sum(case
            when
                recent_activities.activity_type = 'meeting'
                and recent_activities.activity_date
                > {{ dbt.dateadd('day', -90, 'account_dates.score_date') }}
                then 1
            else 0
        end) as meetings_90d,
        sum(case
            when
                recent_activities.activity_type = 'meeting' and recent_activities.outcome = 'held'
                and recent_activities.activity_date
                > {{ dbt.dateadd('day', -90, 'account_dates.score_date') }}
                then 1
            else 0
        end) as meetings_held_90d,
        sum(case
            when
                recent_activities.is_with_sponsor_or_champion
                and recent_activities.outcome in ('held', 'completed')
                and recent_activities.activity_date
                > {{ dbt.dateadd('day', -90, 'account_dates.score_date') }}
                then 1
            else 0
        end) as sponsor_touches_90d
    from account_dates
    inner join recent_activities
        on
            account_dates.account_id = recent_activities.account_id
            and account_dates.score_date >= recent_activities.activity_date
            and (
                recent_activities.activity_date
                > {{ dbt.dateadd('day', -90, 'account_dates.score_date') }}
                or recent_activities.next_activity_date is null
                or recent_activities.next_activity_date > account_dates.score_date
            )
    group by 1, 2
),

champions as (
    select
        account_dates.account_id,
        account_dates.score_date,
        count(*) as contacts_known,
        max(case
            when
                contacts.role = 'champion'
                and (
                    contacts.active_to_date is null
                    or contacts.active_to_date >= account_dates.score_date
                )
                then 1
            else 0
        end) as has_active_champion
    from account_dates
    inner join contacts
        on
            account_dates.account_id = contacts.account_id
            and account_dates.score_date >= contacts.active_from_date
    group by 1, 2
),

sentiment_ranked as (
    select
        account_dates.account_id,
        account_dates.score_date,
        sentiment.sentiment_score,
        row_number() over (
            partition by account_dates.account_id, account_dates.score_date
            order by sentiment.recorded_at desc, sentiment.sentiment_id desc
        ) as recency_rank
    from account_dates
    inner join sentiment
        on
            account_dates.account_id = sentiment.account_id
            and cast(sentiment.recorded_at as date) <= account_dates.score_date
            and cast(sentiment.recorded_at as date)
            > {{ dbt.dateadd('day', -120, 'account_dates.score_date') }}
),

wide as (
    select
        account_dates.account_id,
        account_dates.org_id,
        account_dates.score_date,
        case
            when activity_windows.last_touch_date is not null
                then {{ dbt.datediff(
                    'activity_windows.last_touch_date', 'account_dates.score_date', 'day'
                ) }}
            -- CRM data exists but no touch ever: as bad as the worst threshold
            when activity_windows.activities_read > 0 then 365
        end as relationship_days_since_touch,
        case
            when activity_windows.meetings_90d > 0
                then 1.0 * activity_windows.meetings_held_90d / activity_windows.meetings_90d
        end as relationship_meeting_show_rate_90d,
        case
            when activity_windows.activities_read > 0 then activity_windows.sponsor_touches_90d
        end as relationship_sponsor_engagement_90d,
        champions.has_active_champion as relationship_champion_active,
        sentiment_ranked.sentiment_score as relationship_csm_sentiment
    from account_dates
    left join activity_windows
        on
            account_dates.account_id = activity_windows.account_id
            and account_dates.score_date = activity_windows.score_date
    left join champions
        on
            account_dates.account_id = champions.account_id
            and account_dates.score_date = champions.score_date
    left join sentiment_ranked
        on
            account_dates.account_id = sentiment_ranked.account_id
            and account_dates.score_date = sentiment_ranked.score_date
            and sentiment_ranked.recency_rank = 1
),

final as (
    {{ unpivot_factors('wide', [
        'relationship_days_since_touch',
        'relationship_meeting_show_rate_90d',
        'relationship_sponsor_engagement_90d',
        'relationship_champion_active',
        'relationship_csm_sentiment',
    ]) }}
)

select * from final
