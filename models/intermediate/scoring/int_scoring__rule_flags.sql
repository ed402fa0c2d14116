-- Critical events that force attention whatever the weighted average says, per account and
-- score date, each with its name: a champion left, payments failed repeatedly, an urgent
-- ticket has been open for more than a week, a downgrade happened, or usage fell far below the
-- account's own baseline (z-score over the previous 12 weeks). Incremental on score_date
-- (scoring_dates_to_build): a run recomputes the last history_lookback_days of score dates, the
-- dates whose accounts changed and the dates scored with other weights_version (the flags read
-- the catalogue's finance factors), and reads the product usage of their 91 days only.
{{ config(**incremental_on_score_date('int_scoring__account_dates')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__account_dates')) }},
{%- endif %}

account_dates as (
    select * from {{ ref('int_scoring__account_dates') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

factor_scores as (
    select * from {{ ref('int_scoring__factor_scores') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

weights_version as (
    select * from {{ ref('int_scoring__weights_version') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
    where not is_deleted and role = 'champion'
),

tickets as (
    select * from {{ ref('stg_support__tickets') }}
    where not is_deleted and priority = 'urgent'
),

user_days as (
    select * from {{ ref('int_usage__user_days') }}
    {%- if is_incremental() %}
        where event_date > (
            select cast({{ dbt.dateadd('day', -91, 'min(score_date)') }} as date)
            from dates_to_build
        )
    {%- endif %}
),

from_factors as (
    select
        account_id,
        score_date,
        max(case
            when
                factor_name = 'finance_payment_failures_90d'
                and raw_value >= {{ var('rule_payment_failures_min') }}
                then 1
            else 0
        end) as has_repeated_payment_failure,
        max(case
            when
                factor_name = 'finance_downgrades_90d'
                and raw_value >= {{ var('rule_downgrades_min') }}
                then 1
            else 0
        end) as has_downgrade_request
    from factor_scores
    group by 1, 2
),

champions as (
    select
        account_dates.account_id,
        account_dates.score_date,
        max(case
            when
                contacts.active_to_date is null
                or contacts.active_to_date >= account_dates.score_date
                then 1
            else 0
        end) as has_active_champion,
        max(case
            when
                contacts.active_to_date < account_dates.score_date
                and contacts.active_to_date
                >= {{ dbt.dateadd(
                    'day', -var('rule_champion_left_days'), 'account_dates.score_date'
                ) }}
                then 1
            else 0
        end) as champion_left_90d
    from account_dates
    inner join contacts
        on
            account_dates.account_id = contacts.account_id
            and account_dates.score_date >= contacts.active_from_date
    group by 1, 2
),

aging_tickets as (
    select
        account_dates.account_id,
        account_dates.score_date,
        -- open longer than rule_urgent_ticket_age_days; the name keeps the default
        count(*) as urgent_tickets_open_over_7d
    from account_dates
    inner join tickets
        on
            account_dates.account_id = tickets.account_id
            and cast(tickets.created_at as date)
            <= {{ dbt.dateadd(
                'day', -var('rule_urgent_ticket_age_days'), 'account_dates.score_date'
            ) }}
            and (
                tickets.solved_at is null
                or cast(tickets.solved_at as date) > account_dates.score_date
            )
    group by 1, 2
),

weekly_events as (
    select
        account_dates.account_id,
        account_dates.score_date,
        floor(
            {{ dbt.datediff('user_days.event_date', 'account_dates.score_date', 'day') }} / 7  -- noqa: LT05
        ) as weeks_ago,
        sum(user_days.events) as events
    from account_dates
    inner join user_days
        on
            account_dates.account_id = user_days.account_id
            and account_dates.score_date >= user_days.event_date
            and user_days.event_date > {{ dbt.dateadd('day', -91, 'account_dates.score_date') }}
    group by 1, 2, 3
),

baseline as (
    -- weeks with no events at all are absent from weekly_events: fill them as 0 through the
    -- sums, so a silent week counts against the baseline instead of vanishing
    select
        account_id,
        score_date,
        sum(case when weeks_ago = 0 then events else 0 end) as events_this_week,
        -- doubles, not 12.0: Spark divides by a decimal literal to 6 decimals only
        cast(
            sum(case when weeks_ago between 1 and 12 then events else 0 end)
            as {{ type_double() }}
        ) / 12 as baseline_mean,
        cast(
            sum(case when weeks_ago between 1 and 12 then events * events else 0 end)
            as {{ type_double() }}
        ) / 12 as baseline_mean_square
    from weekly_events
    group by 1, 2
),

anomalies as (
    select
        account_id,
        score_date,
        case
            when baseline_mean_square - baseline_mean * baseline_mean > 0
                then
                    (events_this_week - baseline_mean)
                    / sqrt(baseline_mean_square - baseline_mean * baseline_mean)
        end as usage_anomaly_z
    from baseline
),

flags as (
    select
        account_dates.account_id,
        account_dates.org_id,
        account_dates.score_date,
        anomalies.usage_anomaly_z,
        coalesce(champions.champion_left_90d = 1 and champions.has_active_champion = 0, false)
            as is_champion_left,
        coalesce(from_factors.has_repeated_payment_failure = 1, false)
            as is_repeated_payment_failure,
        coalesce(aging_tickets.urgent_tickets_open_over_7d, 0) > 0 as is_urgent_ticket_aging,
        coalesce(from_factors.has_downgrade_request = 1, false) as is_downgrade_request,
        coalesce(anomalies.usage_anomaly_z <= -1 * {{ var('anomaly_z_threshold') }}, false)
            as is_usage_anomaly,
        coalesce(aging_tickets.urgent_tickets_open_over_7d, 0) as urgent_tickets_open_over_7d,
        weights_version.weights_version
    from account_dates
    cross join weights_version
    left join from_factors
        on
            account_dates.account_id = from_factors.account_id
            and account_dates.score_date = from_factors.score_date
    left join champions
        on
            account_dates.account_id = champions.account_id
            and account_dates.score_date = champions.score_date
    left join aging_tickets
        on
            account_dates.account_id = aging_tickets.account_id
            and account_dates.score_date = aging_tickets.score_date
    left join anomalies
        on
            account_dates.account_id = anomalies.account_id
            and account_dates.score_date = anomalies.score_date
),

-- the flags counted, and the first of them in this order of urgency: it picks the playbook
final as (
    select
        -- ids
        account_id,
        org_id,
        score_date,
        -- measures
        usage_anomaly_z,
        urgent_tickets_open_over_7d,
        case when is_champion_left then 1 else 0 end
        + case when is_repeated_payment_failure then 1 else 0 end
        + case when is_urgent_ticket_aging then 1 else 0 end
        + case when is_downgrade_request then 1 else 0 end
        + case when is_usage_anomaly then 1 else 0 end as rule_flag_count,
        -- flags
        is_champion_left,
        is_repeated_payment_failure,
        is_urgent_ticket_aging,
        is_downgrade_request,
        is_usage_anomaly,
        -- dimensions
        case
            when is_champion_left then 'champion_left'
            when is_repeated_payment_failure then 'repeated_payment_failure'
            when is_urgent_ticket_aging then 'urgent_ticket_aging'
            when is_downgrade_request then 'downgrade_request'
            when is_usage_anomaly then 'usage_anomaly'
        end as first_rule_flag,
        -- the configuration the flags were computed with
        weights_version
    from flags
)

select * from final
