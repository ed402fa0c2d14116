-- Every alert that fired for an account in the backtest_alert_window_days before one of its
-- renewals (int_lifecycle__renewals), with how many days ahead it came: the backtest counts
-- the lost renewals alerted in time and the kept renewals alerted for nothing, per rule.
{%- set window = var('backtest_alert_window_days') | int %}

with

renewals as (
    select * from {{ ref('int_lifecycle__renewals') }}
),

alerts as (
    select * from {{ ref('mart_health_alerts') }}
),

final as (
    select
        -- ids
        {{ generate_surrogate_key(['renewals.renewal_id', 'alerts.alert_id']) }}
            as renewal_alert_id,
        renewals.renewal_id,
        alerts.alert_id,
        renewals.account_id,
        renewals.org_id,
        -- dimensions
        renewals.renewal_outcome,
        renewals.is_lost,
        alerts.alert_type,
        alerts.severity,
        alerts.delivery_status,
        -- measures
        {{ dbt.datediff('alerts.alert_date', 'renewals.renewal_date', 'day') }}
            as days_before_renewal,
        -- dates
        renewals.renewal_date,
        alerts.alert_date
    from renewals
    inner join alerts
        on
            renewals.account_id = alerts.account_id
            and alerts.alert_date < renewals.renewal_date
            and alerts.alert_date
            >= {{ dbt.dateadd('day', -window, 'renewals.renewal_date') }}
)

select * from final
