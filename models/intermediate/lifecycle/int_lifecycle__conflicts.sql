-- Where the sources disagree about an account's lifecycle. Nothing is silently resolved: the
-- precedence rule (docs/lifecycle.md) decides, and every disagreement is listed here with its
-- evidence and what the rule did. `customer-health run` counts them in its summary.
-- * billing_active_after_churn: a subscription or contract ran more than lifecycle_grace_days
--   past an explicit churn record (or still runs);
-- * usage_after_churn: product events more than lifecycle_grace_days after an episode ended,
--   before any new episode;
-- * status_disagrees_with_billing: the CRM account says active while no episode runs today,
--   or says churned while a subscription is still active today;
-- * churn_bridged_by_billing: an explicit churn inside an episode that went on, because a
--   subscription or contract started within lifecycle_grace_days after it.
{%- set grace = var('lifecycle_grace_days') %}

with

coverage as (
    select * from {{ ref('int_lifecycle__coverage') }}
),

episodes as (
    select * from {{ ref('int_lifecycle__episodes') }}
),

lifecycle_accounts as (
    select * from {{ ref('int_lifecycle__accounts') }}
),

events as (
    select
        account_id,
        event_date
    from {{ ref('stg_product__events') }}
    where not is_deleted
),

billing_after_churn as (
    select
        coverage.account_id,
        coverage.org_id,
        'billing_active_after_churn' as conflict_type,
        coverage.churn_clip_date as conflict_date,
        coverage.coverage_source || ' ' || coverage.source_record_id || ' runs '
        || case
            when coverage.recorded_end_date is null then 'with no end'
            else 'until ' || cast(coverage.recorded_end_date as {{ dbt.type_string() }})
        end
        || ' but the CRM recorded a churn on '
        || cast(coverage.churn_clip_date as {{ dbt.type_string() }}) as evidence,
        case
            when ended.account_id is not null
                then 'the CRM churn ends the episode; billing after it is not counted as paying'
            when running.account_id is not null
                then
                    'a subscription or contract that started within the grace days after the '
                    || 'churn continues the episode: the account stays a customer'
            else 'the CRM churn came on the first day of billing: the account is not scored'
        end as resolution,
        coverage.source_record_id as evidence_record_id
    from coverage
    left join episodes as ended
        on
            coverage.account_id = ended.account_id
            and coverage.churn_clip_date = ended.episode_end_date
    left join episodes as running
        on
            coverage.account_id = running.account_id
            and coverage.churn_clip_date >= running.episode_start_date
            and (
                running.episode_end_date is null
                or coverage.churn_clip_date < running.episode_end_date
            )
    where
        coverage.is_clipped_by_churn
        and (
            coverage.recorded_end_date is null
            or coverage.recorded_end_date
            > cast({{ dbt.dateadd('day', grace, 'coverage.churn_clip_date') }} as date)
        )
),

next_starts as (
    select
        ended.account_id,
        ended.episode_number,
        ended.episode_end_date,
        min(later.episode_start_date) as next_start_date
    from episodes as ended
    left join episodes as later
        on
            ended.account_id = later.account_id
            and later.episode_number > ended.episode_number
    where ended.episode_end_date is not null
    group by ended.account_id, ended.episode_number, ended.episode_end_date
),

usage_after_churn as (
    select
        episodes.account_id,
        episodes.org_id,
        'usage_after_churn' as conflict_type,
        min(events.event_date) as conflict_date,
        cast(count(distinct events.event_date) as {{ dbt.type_string() }})
        || ' days with product events after the episode ended on '
        || cast(next_starts.episode_end_date as {{ dbt.type_string() }})
        || ', the last on ' || cast(max(events.event_date) as {{ dbt.type_string() }})
            as evidence,
        'the account stays churned: usage alone does not make a paying customer'
            as resolution,
        episodes.episode_id as evidence_record_id
    from next_starts
    inner join episodes
        on
            next_starts.account_id = episodes.account_id
            and next_starts.episode_number = episodes.episode_number
    inner join events
        on
            next_starts.account_id = events.account_id
            and events.event_date
            > cast({{ dbt.dateadd('day', grace, 'next_starts.episode_end_date') }} as date)
            and (
                next_starts.next_start_date is null
                or events.event_date < next_starts.next_start_date
            )
    group by
        episodes.account_id,
        episodes.org_id,
        next_starts.episode_end_date,
        episodes.episode_id
),

as_of as (
    select as_of_date from {{ ref('int_scoring__as_of_date') }}
),

-- subscriptions billing still runs today (whatever a churn record cut them to)
active_subscriptions as (
    select
        coverage.account_id,
        count(*) as active_subscriptions
    from coverage
    cross join as_of
    where
        coverage.coverage_source = 'subscription'
        and coverage.coverage_start_date <= as_of.as_of_date
        and (
            coverage.recorded_end_date is null
            or coverage.recorded_end_date > as_of.as_of_date
        )
    group by coverage.account_id
),

-- an explicit churn inside an episode: a subscription or contract that started within the
-- grace days after it carried the account on
churn_bridged as (
    select
        explicit_churns.account_id,
        explicit_churns.org_id,
        'churn_bridged_by_billing' as conflict_type,
        explicit_churns.churn_date as conflict_date,
        explicit_churns.recorded_by || ' on '
        || cast(explicit_churns.churn_date as {{ dbt.type_string() }})
        || ', but episode ' || cast(episodes.episode_number as {{ dbt.type_string() }})
        || ' goes on: billing resumed within the grace days' as evidence,
        'the account stays a customer: a churn followed by new billing within '
        || '{{ grace }} days is not a churn' as resolution,
        explicit_churns.explicit_churn_id as evidence_record_id
    from {{ ref('int_lifecycle__explicit_churns') }} as explicit_churns
    inner join episodes
        on
            explicit_churns.account_id = episodes.account_id
            and explicit_churns.churn_date > episodes.episode_start_date
            and (
                episodes.episode_end_date is null
                or explicit_churns.churn_date < episodes.episode_end_date
            )
),

status_disagrees as (
    select
        lifecycle_accounts.account_id,
        lifecycle_accounts.org_id,
        'status_disagrees_with_billing' as conflict_type,
        lifecycle_accounts.as_of_date as conflict_date,
        case
            when lifecycle_accounts.account_status = 'active'
                then 'the CRM account is marked active, but ' || lifecycle_accounts.status_reason
            else
                'the CRM account is marked churned, but '
                || cast(active_subscriptions.active_subscriptions as {{ dbt.type_string() }})
                || ' subscription(s) are still active in billing'
        end as evidence,
        case
            when lifecycle_accounts.account_status = 'active'
                then 'the account is not scored: no subscription or contract covers today'
            when lifecycle_accounts.lifecycle_status = 'live'
                then
                    'the account is scored: a subscription or contract that started after '
                    || 'the churn continues its episode'
            else 'the account is not scored: the CRM churn ends the episode'
        end as resolution,
        lifecycle_accounts.account_id as evidence_record_id
    from lifecycle_accounts
    left join active_subscriptions
        on lifecycle_accounts.account_id = active_subscriptions.account_id
    where
        (
            lifecycle_accounts.account_status = 'active'
            and lifecycle_accounts.lifecycle_status = 'churned'
        )
        or (
            lifecycle_accounts.account_status = 'churned'
            and active_subscriptions.active_subscriptions > 0
        )
),

unioned as (
    select * from billing_after_churn
    union all
    select * from usage_after_churn
    union all
    select * from status_disagrees
    union all
    select * from churn_bridged
),

final as (
    select
        -- ids
        {{ generate_surrogate_key(['conflict_type', 'evidence_record_id']) }} as conflict_id,
        account_id,
        org_id,
        evidence_record_id,
        -- dimensions
        conflict_type,
        evidence,
        resolution,
        -- dates
        conflict_date
    from unioned
)

select * from final
