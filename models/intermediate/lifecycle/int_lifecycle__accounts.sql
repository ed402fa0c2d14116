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

as_of as (
    select max(as_of_date) as as_of_date from {{ ref('int_scoring__score_dates') }}
),

episode_summary as (
    select
        episodes.account_id,
        count(*) as episode_count,
        max(episodes.episode_number) as last_episode_number,
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
            when last_episodes.episode_end_date <= as_of.as_of_date then 'churned'
            else 'not_yet_customer'
        end as lifecycle_status,
        last_episodes.episode_start_date as last_episode_start_date,
        last_episodes.episode_end_date as last_episode_end_date,
        last_episodes.end_reason as last_end_reason,
        last_episodes.churn_recorded_by,
        episode_summary.first_episode_start_date,
        as_of.as_of_date
    from accounts
    cross join as_of
    left join episode_summary
        on accounts.account_id = episode_summary.account_id
    left join last_episodes
        on accounts.account_id = last_episodes.account_id
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
        case lifecycle_status
            when 'deleted' then 'soft-deleted in the CRM'
            when 'live'
                then
                    case
                        when episode_count > 1
                            then
                                'paying customer again since '
                                || cast(last_episode_start_date as {{ dbt.type_string() }})
                                || ' (episode '
                                || cast(episode_count as {{ dbt.type_string() }}) || ')'
                        else
                            'paying customer since '
                            || cast(last_episode_start_date as {{ dbt.type_string() }})
                    end
            when 'churned'
                then
                    case churn_recorded_by
                        when 'account_churn_date'
                            then
                                'churned on '
                                || cast(last_episode_end_date as {{ dbt.type_string() }})
                                || ': the CRM account has a churn date'
                        when 'account_status'
                            then
                                'churned on '
                                || cast(last_episode_end_date as {{ dbt.type_string() }})
                                || ': the CRM account is marked churned'
                        when 'renewal_lost'
                            then
                                'churned on '
                                || cast(last_episode_end_date as {{ dbt.type_string() }})
                                || ': its renewal was lost'
                        else
                            'churned on '
                            || cast(last_episode_end_date as {{ dbt.type_string() }})
                            || ': no subscription or contract left'
                    end
            else
                case
                    when first_episode_start_date is not null
                        then
                            'not yet a customer: first subscription or contract starts '
                            || cast(first_episode_start_date as {{ dbt.type_string() }})
                    else 'not yet a customer: created after as_of_date, or no created_date'
                end
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
