-- For every churn (one per ended episode): how long before the churn did the first alert fire
-- (looking back up to twice outcome_horizon_days)? No alert at all is a missed churn. The
-- distribution and the median per segment are in rpt_lead_time_summary.

with

history as (
    select * from {{ ref('mart_account_health_history') }}
),

churns as (
    -- one row per ended episode that was scored before it ended (a churn before the score
    -- history began cannot have had an alert); an account that came back and left again
    -- churned twice
    select
        account_outcomes.account_id,
        crm_accounts.segment,
        account_outcomes.outcome_date as churn_date,
        episodes.episode_start_date
    from {{ ref('int_lifecycle__outcomes') }} as account_outcomes
    inner join {{ ref('int_lifecycle__episodes') }} as episodes
        on
            account_outcomes.account_id = episodes.account_id
            and account_outcomes.episode_number = episodes.episode_number
    inner join {{ ref('stg_crm__accounts') }} as crm_accounts
        on account_outcomes.account_id = crm_accounts.account_id
    where
        account_outcomes.outcome_type = 'churned'
        and exists (
            select 1
            from history
            where
                history.account_id = account_outcomes.account_id
                and history.score_date >= episodes.episode_start_date
                and history.score_date < account_outcomes.outcome_date
        )
),

alerts as (
    select * from {{ ref('mart_health_alerts') }}
),

first_alerts as (
    select
        churns.account_id,
        churns.churn_date,
        min(alerts.alert_date) as first_alert_date
    from churns
    inner join alerts
        on
            churns.account_id = alerts.account_id
            and alerts.alert_date < churns.churn_date
            -- only this episode's alerts
            and alerts.alert_date >= churns.episode_start_date
            and alerts.alert_date >= cast({{
                dbt.dateadd('day', -2 * var('outcome_horizon_days'), 'churns.churn_date')
            }} as date)
    group by 1, 2
),

final as (
    select
        churns.account_id,
        churns.segment,
        churns.churn_date,
        first_alerts.first_alert_date,
        cast(
            {{ dbt.datediff('first_alerts.first_alert_date', 'churns.churn_date', 'day') }} as integer  -- noqa: LT05
        )
            as lead_time_days,
        case
            when first_alerts.first_alert_date is null then 'no alert'
            when {{ dbt.datediff('first_alerts.first_alert_date', 'churns.churn_date', 'day') }} <= 30  -- noqa: LT05
                then '0-30 days'
            when {{ dbt.datediff('first_alerts.first_alert_date', 'churns.churn_date', 'day') }} <= 60  -- noqa: LT05
                then '31-60 days'
            when {{ dbt.datediff('first_alerts.first_alert_date', 'churns.churn_date', 'day') }} <= 90  -- noqa: LT05
                then '61-90 days'
            else 'over 90 days'
        end as lead_time_bucket
    from churns
    left join first_alerts
        on
            churns.account_id = first_alerts.account_id
            and churns.churn_date = first_alerts.churn_date
)

select * from final
