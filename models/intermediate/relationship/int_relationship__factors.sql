-- Relationship factors per account and score date, from the CRM: touches, meeting
-- attendance, sponsor and champion engagement, champion departure, CSM sentiment.

with

account_dates as (
    select * from {{ ref('int_scoring__account_dates') }}
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

activity_facts as (
    select
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

activity_windows as (
    select
        account_dates.account_id,
        account_dates.score_date,
        count(*) as activities_ever,
        max(case
            when activity_facts.is_meaningful_touch then activity_facts.activity_date
        end) as last_touch_date,
        sum(case
            when
                activity_facts.activity_type = 'meeting'
                and activity_facts.activity_date
                > {{ dbt.dateadd('day', -90, 'account_dates.score_date') }}
                then 1
            else 0
        end) as meetings_90d,
        sum(case
            when
                activity_facts.activity_type = 'meeting' and activity_facts.outcome = 'held'
                and activity_facts.activity_date
                > {{ dbt.dateadd('day', -90, 'account_dates.score_date') }}
                then 1
            else 0
        end) as meetings_held_90d,
        sum(case
            when
                activity_facts.is_with_sponsor_or_champion
                and activity_facts.outcome in ('held', 'completed')
                and activity_facts.activity_date
                > {{ dbt.dateadd('day', -90, 'account_dates.score_date') }}
                then 1
            else 0
        end) as sponsor_touches_90d
    from account_dates
    inner join activity_facts
        on
            account_dates.account_id = activity_facts.account_id
            and account_dates.score_date >= activity_facts.activity_date
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
            when activity_windows.activities_ever > 0 then 365
        end as relationship_days_since_touch,
        case
            when activity_windows.meetings_90d > 0
                then 1.0 * activity_windows.meetings_held_90d / activity_windows.meetings_90d
        end as relationship_meeting_show_rate_90d,
        case
            when activity_windows.activities_ever > 0 then activity_windows.sponsor_touches_90d
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
