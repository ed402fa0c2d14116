-- What happened to each account, per episode and per renewal:
-- * churned: an episode ended (one per ended episode: a reactivated account that leaves again
--   churns twice), with the ARR that was running the day before;
-- * contracted: a subscription cancelled (or a contract churned or expired) while another one
--   of the same kind ran on in the same episode: revenue lost, not churn;
-- * reactivated: an episode after the first started;
-- * renewed / downgraded: a renewal opportunity won (downgraded below its previous amount).
-- episode_number is the episode the outcome belongs to (null for a renewal outside any).

with

episodes as (
    select * from {{ ref('int_lifecycle__episodes') }}
),

coverage as (
    select * from {{ ref('int_lifecycle__coverage') }}
    where not covers_no_day
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
    where not is_deleted
),

lost_renewals as (
    select
        account_id,
        churn_date,
        max(arr_reporting) as arr_reporting
    from {{ ref('int_lifecycle__explicit_churns') }}
    where recorded_by = 'renewal_lost'
    group by 1, 2
),

-- coverage intervals placed in their episode
episode_coverage as (
    select
        coverage.*,
        episodes.episode_number,
        episodes.episode_end_date
    from coverage
    inner join episodes
        on
            coverage.account_id = episodes.account_id
            and coverage.coverage_start_date >= episodes.episode_start_date
            and (
                episodes.episode_end_date is null
                or coverage.coverage_start_date < episodes.episode_end_date
            )
),

-- ARR running the day before an episode ended: billing's when it has any, else the contracts'
arr_at_end as (
    select
        account_id,
        episode_number,
        sum(case when coverage_source = 'subscription' then arr_reporting end)
            as subscription_arr,
        sum(case when coverage_source = 'contract' then arr_reporting end) as contract_arr
    from episode_coverage
    where
        episode_end_date is not null
        and coverage_end_date = episode_end_date
    group by 1, 2
),

churned as (
    select
        episodes.account_id,
        episodes.org_id,
        'churned' as outcome_type,
        episodes.episode_end_date as outcome_date,
        episodes.episode_number,
        coalesce(episodes.churn_recorded_by, 'coverage_ended') as recorded_by,
        episodes.episode_id as source_record_id,
        -1 * coalesce(
            arr_at_end.subscription_arr, arr_at_end.contract_arr, lost_renewals.arr_reporting
        ) as arr_change_reporting
    from episodes
    left join arr_at_end
        on
            episodes.account_id = arr_at_end.account_id
            and episodes.episode_number = arr_at_end.episode_number
    left join lost_renewals
        on
            episodes.account_id = lost_renewals.account_id
            and episodes.episode_end_date = lost_renewals.churn_date
    where episodes.episode_end_date is not null
),

-- an interval cancelled while another of the same kind still covers its end date
contracted as (
    select
        ended.account_id,
        ended.org_id,
        'contracted' as outcome_type,
        ended.coverage_end_date as outcome_date,
        ended.episode_number,
        case ended.coverage_source
            when 'subscription' then 'subscription_cancellation'
            else 'contract_ended'
        end as recorded_by,
        ended.source_record_id,
        -1 * max(ended.arr_reporting) as arr_change_reporting
    from episode_coverage as ended
    inner join episode_coverage as running
        on
            ended.account_id = running.account_id
            and ended.episode_number = running.episode_number
            and ended.coverage_source = running.coverage_source
            and ended.source_record_id <> running.source_record_id
            -- a successor starting on the end day replaced it: a plan switch, not a contraction
            and running.coverage_start_date < ended.coverage_end_date
            and (
                running.coverage_end_date is null
                or running.coverage_end_date > ended.coverage_end_date
            )
    where
        ended.is_cancellation
        and not ended.is_clipped_by_churn
        and ended.coverage_end_date is not null
        and (ended.episode_end_date is null or ended.coverage_end_date < ended.episode_end_date)
    group by 1, 2, 3, 4, 5, 6, 7
),

reactivated as (
    select
        episodes.account_id,
        episodes.org_id,
        'reactivated' as outcome_type,
        episodes.episode_start_date as outcome_date,
        episodes.episode_number,
        'new_coverage' as recorded_by,
        episodes.episode_id as source_record_id,
        coalesce(
            sum(case
                when started_with.coverage_source = 'subscription'
                    then started_with.arr_reporting
            end),
            sum(case
                when started_with.coverage_source = 'contract' then started_with.arr_reporting
            end)
        ) as arr_change_reporting
    from episodes
    left join episode_coverage as started_with
        on
            episodes.account_id = started_with.account_id
            and episodes.episode_number = started_with.episode_number
            and episodes.episode_start_date = started_with.coverage_start_date
    where episodes.is_reactivation
    group by 1, 2, 3, 4, 5, 6, 7
),

renewals as (
    select
        opportunities.account_id,
        opportunities.org_id,
        case
            when opportunities.amount_local < opportunities.previous_amount_local
                then 'downgraded'
            else 'renewed'
        end as outcome_type,
        opportunities.close_date as outcome_date,
        episodes.episode_number,
        'renewal_opportunity' as recorded_by,
        opportunities.opportunity_id as source_record_id,
        opportunities.amount_reporting - opportunities.previous_amount_reporting
            as arr_change_reporting
    from opportunities
    left join episodes
        on
            opportunities.account_id = episodes.account_id
            and opportunities.close_date >= episodes.episode_start_date
            and (
                episodes.episode_end_date is null
                or opportunities.close_date < episodes.episode_end_date
            )
    where
        opportunities.opportunity_type = 'renewal'
        and opportunities.stage = 'closed_won'
),

unioned as (
    select * from churned
    union all
    select * from contracted
    union all
    select * from reactivated
    union all
    select * from renewals
),

final as (
    select
        -- ids
        {{ generate_surrogate_key(['outcome_type', 'recorded_by', 'source_record_id']) }}
            as outcome_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        cast(source_record_id as {{ dbt.type_string() }}) as source_record_id,
        cast(episode_number as {{ dbt.type_int() }}) as episode_number,
        -- dimensions
        cast(outcome_type as {{ dbt.type_string() }}) as outcome_type,
        cast(recorded_by as {{ dbt.type_string() }}) as recorded_by,
        -- measures
        cast(arr_change_reporting as {{ dbt.type_numeric() }}) as arr_change_reporting,
        -- dates
        outcome_date
    from unioned
)

select * from final
