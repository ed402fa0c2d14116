-- Churns (one per ended episode) the score never flagged: no at_risk or critical final tier on
-- any score date in the outcome_horizon_days before the churn. Every row is a calibration point.

with

outcomes as (
    select * from {{ ref('int_outcomes') }}
),

churns as (
    -- one row per ended episode: an account that came back and left again churned twice
    select
        churn_outcomes.account_id,
        churn_outcomes.outcome_date as churn_date,
        episodes.episode_start_date
    from {{ ref('int_lifecycle__outcomes') }} as churn_outcomes
    inner join {{ ref('int_lifecycle__episodes') }} as episodes
        on
            churn_outcomes.account_id = episodes.account_id
            and churn_outcomes.episode_number = episodes.episode_number
    where churn_outcomes.outcome_type = 'churned'
),

before_churn as (
    select
        churns.account_id,
        churns.churn_date,
        outcomes.segment,
        outcomes.score_date,
        outcomes.health_score,
        outcomes.final_tier,
        outcomes.arr_reporting,
        outcomes.history_source,
        row_number() over (
            partition by churns.account_id, churns.churn_date order by outcomes.score_date desc
        ) as recency_rank
    from churns
    inner join outcomes
        on
            churns.account_id = outcomes.account_id
            and outcomes.score_date < churns.churn_date
            -- only this episode's scores: a flag before an earlier churn does not count
            and outcomes.score_date >= churns.episode_start_date
            and outcomes.score_date
            >= cast(
                {{ dbt.dateadd('day', -1 * var('outcome_horizon_days'), 'churns.churn_date') }} as date  -- noqa: LT05
            )
),

summarised as (
    select
        account_id,
        churn_date,
        max(segment) as segment,
        max(case when final_tier in ('at_risk', 'critical') then 1 else 0 end) as was_flagged,
        min(health_score) as min_score_before_churn,
        max(case when recency_rank = 1 then health_score end) as last_score_before_churn,
        max(case when recency_rank = 1 then score_date end) as last_score_date,
        max(case when recency_rank = 1 then arr_reporting end) as arr_reporting,
        {{ dbt.listagg('distinct history_source', "', '", 'order by history_source') }}
            as history_sources,
        count(*) as score_dates_before_churn
    from before_churn
    group by 1, 2
),

final as (
    select
        account_id,
        segment,
        history_sources,
        cast(score_dates_before_churn as bigint) as score_dates_before_churn,
        {{ round_score('summarised.min_score_before_churn') }} as min_score_before_churn,
        {{ round_score('summarised.last_score_before_churn') }} as last_score_before_churn,
        cast(arr_reporting as {{ type_double() }}) as arr_reporting,
        last_score_date,
        churn_date
    from summarised
    where was_flagged = 0
)

select * from final
