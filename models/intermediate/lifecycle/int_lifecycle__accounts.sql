-- One row per staged account: where it stands in its lifecycle on as_of_date, and in plain
-- words why. Every account that is not in mart_account_health is here with the rule that
-- kept it out (deleted, churned, not yet a customer).

with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

episodes as (
    select * from {{ ref('int_lifecycle__episodes') }}
),

coverage as (
    select * from {{ ref('int_lifecycle__coverage') }}
),

explicit_churns as (
    select * from {{ ref('int_lifecycle__explicit_churns') }}
),

as_of as (
    select as_of_date from {{ ref('int_scoring__as_of_date') }}
),

episode_summary as (
    select
        episodes.account_id,
        count(*) as episode_count,
        max(episodes.episode_number) as last_episode_number,
        max(case
            when episodes.episode_end_date is not null then episodes.episode_number
        end) as last_ended_episode_number,
        min(episodes.episode_start_date) as first_episode_start_date,
        max(case
            when
                episodes.episode_start_date <= as_of.as_of_date
                and (
                    episodes.episode_end_date is null
                    or episodes.episode_end_date > as_of.as_of_date
                )
                then 1
            else 0
        end) as is_live_today
    from episodes
    cross join as_of
    group by 1
),

last_episodes as (
    select episodes.*
    from episodes
    inner join episode_summary
        on
            episodes.account_id = episode_summary.account_id
            and episodes.episode_number = episode_summary.last_episode_number
),

last_ended_episodes as (
    select episodes.*
    from episodes
    inner join episode_summary
        on
            episodes.account_id = episode_summary.account_id
            and episodes.episode_number = episode_summary.last_ended_episode_number
),

-- accounts with billing or a churn record that never made a paying day (cancelled, or cut by a
-- churn record, on the day it began)
no_day_evidence as (
    select
        account_id,
        min(churn_date) as first_churn_date,
        0 as has_coverage
    from explicit_churns
    group by 1
    union all
    select
        account_id,
        cast(null as date) as first_churn_date,
        1 as has_coverage
    from coverage
    group by 1
),

no_day_summary as (
    select
        account_id,
        min(first_churn_date) as first_churn_date,
        max(has_coverage) as has_coverage
    from no_day_evidence
    group by 1
),

classified as (
    select
        accounts.account_id,
        accounts.org_id,
        accounts.segment,
        accounts.account_status,
        coalesce(episode_summary.episode_count, 0) as episode_count,
        case
            when accounts.is_deleted then 'deleted'
            when episode_summary.is_live_today = 1 then 'live'
            when last_ended_episodes.account_id is not null then 'churned'
            when episode_summary.account_id is null and no_day_summary.account_id is not null
                then 'churned'
            else 'not_yet_customer'
        end as lifecycle_status,
        last_episodes.episode_start_date as last_episode_start_date,
        last_episodes.episode_end_date as last_episode_end_date,
        last_ended_episodes.episode_end_date as last_churn_date,
        last_ended_episodes.churn_recorded_by,
        no_day_summary.first_churn_date as no_day_churn_date,
        episode_summary.first_episode_start_date,
        as_of.as_of_date
    from accounts
    cross join as_of
    left join episode_summary
        on accounts.account_id = episode_summary.account_id
    left join last_episodes
        on accounts.account_id = last_episodes.account_id
    left join last_ended_episodes
        on accounts.account_id = last_ended_episodes.account_id
    left join no_day_summary
        on accounts.account_id = no_day_summary.account_id
),

final as (
    select
        -- ids
        account_id,
        org_id,
        -- dimensions
        segment,
        account_status,
        lifecycle_status,
        lifecycle_status = 'live' as is_live_today,
        case
            when lifecycle_status = 'deleted' then 'soft-deleted in the CRM'
            when lifecycle_status = 'live' and episode_count > 1
                then
                    'paying customer again since '
                    || cast(last_episode_start_date as {{ dbt.type_string() }})
                    || ' (episode '
                    || cast(episode_count as {{ dbt.type_string() }}) || ')'
            when lifecycle_status = 'live'
                then
                    'paying customer since '
                    || cast(last_episode_start_date as {{ dbt.type_string() }})
            when lifecycle_status = 'churned' and last_churn_date is null
                then
                    case
                        when no_day_churn_date is not null
                            then
                                'churned on '
                                || cast(no_day_churn_date as {{ dbt.type_string() }})
                                || ': the CRM recorded the churn on the day the account'
                                || ' (or its billing) began; never a customer for a day'
                        else
                            'never a paying customer for a day: its subscriptions or'
                            || ' contracts ended on or before the day they began'
                    end
            when lifecycle_status = 'churned'
                then
                    'churned on ' || cast(last_churn_date as {{ dbt.type_string() }})
                    || case churn_recorded_by
                        when 'account_churn_date' then ': the CRM account has a churn date'
                        when 'account_status' then ': the CRM account is marked churned'
                        when 'renewal_lost' then ': its renewal was lost'
                        else ': no subscription or contract left'
                    end
                    || case
                        when last_episode_end_date is null
                            then
                                '; a new subscription or contract starts '
                                || cast(last_episode_start_date as {{ dbt.type_string() }})
                        else ''
                    end
            when first_episode_start_date is not null
                then
                    'not yet a customer: first subscription or contract starts '
                    || cast(first_episode_start_date as {{ dbt.type_string() }})
            else 'not yet a customer: created after as_of_date, or no created_date'
        end as status_reason,
        -- measures
        cast(episode_count as {{ dbt.type_int() }}) as episode_count,
        -- dates
        last_episode_start_date,
        last_episode_end_date,
        as_of_date
    from classified
)

select * from final
