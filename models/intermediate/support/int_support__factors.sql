-- Support factors per account and score date (volume, severity, resolution, reopens, CSAT,
-- trend), computed from ticket timestamps on or before the score date, never from a ticket's
-- current status (a ticket solved after the score date was still open on it).
-- Incremental on score_date (scoring_dates_to_build): a run recomputes whole the last
-- history_lookback_days days, the new dates and the dates whose accounts changed (an episode
-- started or ended late), and prunes the dates that are no longer score
-- dates. A score date reads only the tickets that can count on it: created or solved in its
-- 90 days, or still open; older, solved tickets count nowhere.
{{ config(**incremental_on_score_date('int_scoring__account_dates')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__account_dates'), stamps={}) }},
{%- endif %}

account_dates as (
    select * from {{ ref('int_scoring__account_dates') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

tickets as (
    select * from {{ ref('stg_support__tickets') }}
    where not is_deleted
),

priorities as (
    select * from {{ ref('support_priorities') }}
),

run_bounds as (
    select cast({{ dbt.dateadd('day', -90, 'min(score_date)') }} as date) as window_start_date
    from account_dates
),

ticket_facts as (
    select
        tickets.ticket_id,
        tickets.account_id,
        tickets.priority,
        cast(tickets.created_at as date) as created_date,
        cast(tickets.solved_at as date) as solved_date,
        tickets.reopened_count,
        tickets.csat_score,
        priorities.severity_weight,
        case
            when tickets.solved_at is not null
                then (
                    {{ epoch_seconds('tickets.solved_at') }}
                    - {{ epoch_seconds('tickets.created_at') }}
                ) / 3600.0
                / priorities.resolution_target_hours
        end as resolution_vs_target
    from tickets
    left join priorities
        on tickets.priority = priorities.priority
),

-- the tickets that can count on some score date of this run
recent_tickets as (
    select ticket_facts.*
    from ticket_facts
    cross join run_bounds
    where
        ticket_facts.created_date > run_bounds.window_start_date
        or ticket_facts.solved_date is null
        or ticket_facts.solved_date > run_bounds.window_start_date
),

joined as (
    select
        account_dates.account_id,
        account_dates.score_date,
        recent_tickets.priority,
        recent_tickets.created_date,
        recent_tickets.solved_date,
        recent_tickets.reopened_count,
        recent_tickets.csat_score,
        recent_tickets.severity_weight,
        recent_tickets.resolution_vs_target
    from account_dates
    inner join recent_tickets
        on
            account_dates.account_id = recent_tickets.account_id
            and account_dates.score_date >= recent_tickets.created_date
            -- a ticket created and solved before the 90 days counts in no factor (an account
            -- left without rows gets the same values as one whose rows all count 0)
            and (
                recent_tickets.created_date
                > {{ dbt.dateadd('day', -90, 'account_dates.score_date') }}
                or recent_tickets.solved_date is null
                or recent_tickets.solved_date
                > {{ dbt.dateadd('day', -90, 'account_dates.score_date') }}
            )
),

aggregated as (
    select
        account_id,
        score_date,
        sum(case
            when solved_date is null or solved_date > score_date then coalesce(severity_weight, 1)
            else 0
        end) as support_open_severity_weighted,
        sum(case
            when
                priority in ('urgent', 'high')
                and created_date > {{ dbt.dateadd('day', -30, 'score_date') }}
                then 1
            else 0
        end) as support_urgent_high_30d,
        {{ median(
            "case when solved_date <= score_date and solved_date > "
            ~ dbt.dateadd('day', -90, 'score_date') ~ " then resolution_vs_target end"
        ) }} as support_resolution_vs_target_90d,
        sum(case
            when
                solved_date <= score_date
                and solved_date > {{ dbt.dateadd('day', -90, 'score_date') }}
                and reopened_count > 0
                then 1
            else 0
        end) as reopened_90d,
        -- solved tickets whose reopens are counted: a help desk that does not count them
        -- (reopened_count null) leaves the reopen rate missing, not 0
        sum(case
            when
                solved_date <= score_date
                and solved_date > {{ dbt.dateadd('day', -90, 'score_date') }}
                and reopened_count is not null
                then 1
            else 0
        end) as reopen_counted_90d,
        avg(case
            when
                solved_date <= score_date
                and solved_date > {{ dbt.dateadd('day', -90, 'score_date') }}
                then csat_score
        end) as support_csat_90d,
        sum(case
            when created_date > {{ dbt.dateadd('day', -30, 'score_date') }} then 1 else 0
        end) as tickets_30d,
        sum(case
            when
                created_date <= {{ dbt.dateadd('day', -30, 'score_date') }}
                and created_date > {{ dbt.dateadd('day', -90, 'score_date') }}
                then 1
            else 0
        end) as tickets_prior_60d
    from joined
    group by 1, 2
),

wide as (
    select
        account_dates.account_id,
        account_dates.org_id,
        account_dates.score_date,
        -- no ticket ever is a measurement (nothing open, nothing urgent), not missing data
        coalesce(aggregated.support_open_severity_weighted, 0) as support_open_severity_weighted,
        coalesce(aggregated.support_urgent_high_30d, 0) as support_urgent_high_30d,
        aggregated.support_resolution_vs_target_90d,
        case
            when aggregated.reopen_counted_90d > 0
                then 1.0 * aggregated.reopened_90d / aggregated.reopen_counted_90d
        end as support_reopen_rate_90d,
        aggregated.support_csat_90d,
        case
            when aggregated.tickets_prior_60d > 0
                then
                    (aggregated.tickets_30d - aggregated.tickets_prior_60d / 2.0)
                    / (aggregated.tickets_prior_60d / 2.0)
            when aggregated.tickets_30d > 0 then 1.0
            else 0.0
        end as support_ticket_trend_30d
    from account_dates
    left join aggregated
        on
            account_dates.account_id = aggregated.account_id
            and account_dates.score_date = aggregated.score_date
),

final as (
    {{ unpivot_factors('wide', [
        'support_open_severity_weighted',
        'support_urgent_high_30d',
        'support_resolution_vs_target_90d',
        'support_reopen_rate_90d',
        'support_csat_90d',
        'support_ticket_trend_30d',
    ]) }}
)

select * from final
