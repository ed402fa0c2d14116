-- One row per paying episode of an account. An episode starts when the account becomes a
-- paying customer (its first subscription or contract, or a new one after an earlier episode
-- ended) and ends when no subscription or contract covers it any more (gaps of up to
-- lifecycle_grace_days are bridged), or on an explicit churn record. An account with no
-- subscription and no contract at all has one episode from its created_date to its first
-- explicit churn. episode_end_date is null while the episode runs. See docs/lifecycle.md.
{%- set grace = var('lifecycle_grace_days') %}

with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
    where not is_deleted
),

coverage as (
    select * from {{ ref('int_lifecycle__coverage') }}
),

explicit_churns as (
    select * from {{ ref('int_lifecycle__explicit_churns') }}
),

ordered as (
    select
        coverage.account_id,
        coverage.coverage_start_date,
        coverage.coverage_end_date,
        max(coalesce(coverage.coverage_end_date, cast('9999-12-31' as date))) over (
            partition by coverage.account_id
            order by
                coverage.coverage_start_date,
                coverage.coverage_source,
                coverage.source_record_id
            rows between unbounded preceding and 1 preceding
        ) as previous_latest_end_date,
        coverage.coverage_source,
        coverage.source_record_id
    from coverage
    inner join accounts
        on coverage.account_id = accounts.account_id
    where not coverage.covers_no_day
),

flagged as (
    select
        *,
        case
            when previous_latest_end_date is null then 1
            when
                coverage_start_date
                > cast({{ dbt.dateadd('day', grace, 'previous_latest_end_date') }} as date)
                then 1
            else 0
        end as starts_episode
    from ordered
),

numbered as (
    select
        *,
        sum(starts_episode) over (
            partition by account_id
            order by coverage_start_date, coverage_source, source_record_id
            rows between unbounded preceding and current row
        ) as episode_number
    from flagged
),

covered_episodes as (
    select
        account_id,
        episode_number,
        min(coverage_start_date) as episode_start_date,
        max(coalesce(coverage_end_date, cast('9999-12-31' as date))) as latest_end_date
    from numbered
    group by 1, 2
),

uncovered_accounts as (
    select accounts.account_id
    from accounts
    left join coverage
        on accounts.account_id = coverage.account_id
    where coverage.account_id is null
),

uncovered_episodes as (
    select
        uncovered_accounts.account_id,
        1 as episode_number,
        accounts.created_date as episode_start_date,
        coalesce(min(explicit_churns.churn_date), cast('9999-12-31' as date)) as latest_end_date
    from uncovered_accounts
    inner join accounts
        on uncovered_accounts.account_id = accounts.account_id
    left join explicit_churns
        on
            uncovered_accounts.account_id = explicit_churns.account_id
            and explicit_churns.churn_date >= accounts.created_date
    where accounts.created_date is not null
    group by 1, 2, 3
),

all_episodes as (
    select * from covered_episodes
    union all
    -- churned on the day it was created: never a customer for a day (int_lifecycle__accounts
    -- still says it churned)
    select * from uncovered_episodes
    where latest_end_date > episode_start_date
),

churn_reasons as (
    select
        account_id,
        churn_date,
        min(recorded_by) as recorded_by
    from explicit_churns
    group by 1, 2
),

final as (
    select
        -- ids
        {{ generate_surrogate_key(['all_episodes.account_id', 'all_episodes.episode_number']) }}
            as episode_id,
        all_episodes.account_id,
        accounts.org_id,
        cast(all_episodes.episode_number as {{ dbt.type_int() }}) as episode_number,
        -- dimensions
        accounts.segment,
        case
            when all_episodes.latest_end_date = cast('9999-12-31' as date) then null
            when churn_reasons.account_id is not null then 'explicit_churn'
            else 'coverage_ended'
        end as end_reason,
        churn_reasons.recorded_by as churn_recorded_by,
        all_episodes.episode_number > 1 as is_reactivation,
        -- dates
        all_episodes.episode_start_date,
        case
            when all_episodes.latest_end_date < cast('9999-12-31' as date)
                then all_episodes.latest_end_date
        end as episode_end_date
    from all_episodes
    inner join accounts
        on all_episodes.account_id = accounts.account_id
    left join churn_reasons
        on
            all_episodes.account_id = churn_reasons.account_id
            and all_episodes.latest_end_date = churn_reasons.churn_date
)

select * from final
