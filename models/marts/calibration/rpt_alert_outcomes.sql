-- Every alert with what happened next: did the account churn within outcome_horizon_days?
-- An alert whose horizon runs past the end of the data is censored (no outcome yet).
-- precision = share of labelled alerts of the same type and segment that were followed by
-- a churn, within the alert's organisation (a tenant reads its rows: another tenant's alerts
-- must not move them); false_alarm_rate = 1 - precision.

with

alerts as (
    select * from {{ ref('mart_health_alerts') }}
),

accounts as (
    select
        account_id,
        segment
    from {{ ref('stg_crm__accounts') }}
),

churn_outcomes as (
    select
        account_id,
        outcome_date
    from {{ ref('int_lifecycle__outcomes') }}
    where outcome_type = 'churned'
),

churns as (
    -- the first churn after each alert (a reactivated account may churn more than once)
    select
        alerts.alert_id,
        min(churn_outcomes.outcome_date) as churn_date
    from alerts
    inner join churn_outcomes
        on
            alerts.account_id = churn_outcomes.account_id
            and churn_outcomes.outcome_date > alerts.alert_date
    group by 1
),

data_end as (
    select max(as_of_date) as data_end_date from {{ ref('int_scoring__score_dates') }}
),

labelled as (
    select
        alerts.alert_id,
        alerts.account_id,
        alerts.org_id,
        accounts.segment,
        alerts.alert_type,
        alerts.severity,
        alerts.alert_date,
        churns.churn_date,
        case
            when
                cast(
                    {{ dbt.dateadd('day', var('outcome_horizon_days'), 'alerts.alert_date') }} as date  -- noqa: LT05
                )
                > data_end.data_end_date
                then null
            when
                churns.churn_date > alerts.alert_date
                and churns.churn_date
                <= cast(
                    {{ dbt.dateadd('day', var('outcome_horizon_days'), 'alerts.alert_date') }} as date  -- noqa: LT05
                )
                then 1
            else 0
        end as is_followed_by_churn
    from alerts
    inner join accounts
        on alerts.account_id = accounts.account_id
    left join churns
        on alerts.alert_id = churns.alert_id
    cross join data_end
),

final as (
    select
        alert_id,
        account_id,
        org_id,
        segment,
        alert_type,
        severity,
        is_followed_by_churn,
        is_followed_by_churn is null as is_censored,
        {{ round_score(
            'avg(cast(is_followed_by_churn as ' ~ type_double() ~ ')) over (partition by org_id, alert_type, segment)'
        ) }} as precision_for_type_and_segment,
        {{ round_score(
            '1 - avg(cast(is_followed_by_churn as ' ~ type_double() ~ ')) over (partition by org_id, alert_type, segment)'
        ) }} as false_alarm_rate_for_type_and_segment,
        case
            when is_followed_by_churn = 1
                then {{ dbt.datediff('alert_date', 'churn_date', 'day') }}
        end as lead_time_days,
        alert_date,
        churn_date
    from labelled
)

select * from final
