-- Per account and score date: did the account churn (or downgrade, or contract) within the
-- next outcome_horizon_days? Churn is the end of the account's current lifecycle episode
-- (int_lifecycle__outcomes), so each episode of a reactivated account is labelled on its
-- own. The score history comes from the snapshot (what was published) where it has a row,
-- else from the point-in-time backfill (what the current weights would have said);
-- history_source says which. A score date whose horizon runs past the end of the data
-- is censored: it gets no label rather than a wrong "stayed".
{%- set horizon = var('outcome_horizon_days') %}

with

backfill as (
    select
        account_id,
        org_id,
        segment,
        score_date,
        usage_score,
        support_score,
        relationship_score,
        finance_score,
        health_score,
        health_tier,
        risk_level,
        final_tier,
        arr_reporting,
        weights_version,
        'backfill' as history_source
    from {{ ref('mart_account_health_history') }}
),

published as (
    select
        account_id,
        org_id,
        segment,
        score_date,
        usage_score,
        support_score,
        relationship_score,
        finance_score,
        health_score,
        health_tier,
        risk_level,
        final_tier,
        arr_reporting,
        weights_version,
        'snapshot' as history_source,
        row_number() over (
            partition by account_id, score_date order by dbt_valid_from desc
        ) as version_rank
    from {{ ref('snap_account_health') }}
),

history as (
    select
        account_id,
        org_id,
        segment,
        score_date,
        usage_score,
        support_score,
        relationship_score,
        finance_score,
        health_score,
        health_tier,
        risk_level,
        final_tier,
        arr_reporting,
        weights_version,
        history_source
    from published
    where version_rank = 1
    union all
    select backfill.*
    from backfill
    left join published
        on
            backfill.account_id = published.account_id
            and backfill.score_date = published.score_date
    where published.account_id is null
),

outcomes as (
    -- per episode: a reactivated account that leaves again churns again
    select * from {{ ref('int_lifecycle__outcomes') }}
),

data_end as (
    select max(as_of_date) as data_end_date from {{ ref('int_scoring__score_dates') }}
),

next_outcomes as (
    select
        history.account_id,
        history.score_date,
        min(case when outcomes.outcome_type = 'churned' then outcomes.outcome_date end)
            as next_churn_date,
        min(case
            when outcomes.outcome_type in ('downgraded', 'contracted') then outcomes.outcome_date
        end) as next_downgrade_date
    from history
    inner join outcomes
        on
            history.account_id = outcomes.account_id
            and outcomes.outcome_date > history.score_date
    group by 1, 2
),

final as (
    select
        -- ids
        history.account_id,
        history.org_id,
        -- dimensions
        history.segment,
        history.weights_version,
        history.history_source,
        -- the score at the time
        history.usage_score,
        history.support_score,
        history.relationship_score,
        history.finance_score,
        history.health_score,
        history.health_tier,
        history.risk_level,
        history.final_tier,
        history.arr_reporting,
        -- outcome
        next_outcomes.next_churn_date,
        next_outcomes.next_downgrade_date,
        {{ dbt.datediff('history.score_date', 'next_outcomes.next_churn_date', 'day') }}
            as days_to_churn,
        cast({{ dbt.dateadd('day', horizon, 'history.score_date') }} as date)
        > data_end.data_end_date as is_censored,
        case
            when
                cast({{ dbt.dateadd('day', horizon, 'history.score_date') }} as date)
                > data_end.data_end_date
                then null
            when
                next_outcomes.next_churn_date
                <= cast({{ dbt.dateadd('day', horizon, 'history.score_date') }} as date)
                then 1
            else 0
        end as is_churned_within_horizon,
        case
            when
                cast({{ dbt.dateadd('day', horizon, 'history.score_date') }} as date)
                > data_end.data_end_date
                then null
            when
                next_outcomes.next_churn_date
                <= cast({{ dbt.dateadd('day', horizon, 'history.score_date') }} as date)
                or next_outcomes.next_downgrade_date
                <= cast({{ dbt.dateadd('day', horizon, 'history.score_date') }} as date)
                then 1
            else 0
        end as is_churned_or_downgraded_within_horizon,
        {{ horizon }} as horizon_days,
        -- dates
        history.score_date
    from history
    left join next_outcomes
        on
            history.account_id = next_outcomes.account_id
            and history.score_date = next_outcomes.score_date
    cross join data_end
)

select * from final
