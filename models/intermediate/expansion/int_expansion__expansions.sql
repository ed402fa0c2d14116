-- One row per expansion: an account's expansion events (int_expansion__events) less than
-- expansion_merge_days apart are one purchase (a won deal, its seat change, the renewal that
-- carried it), dated by its first event. Grouping only ever adds later events to an earlier
-- expansion, so an expansion's date is known on that date: the backtest labels and the "days
-- since the last expansion" factor stay point in time.
{%- set merge_days = var('expansion_merge_days') | int %}

with

events as (
    select * from {{ ref('int_expansion__events') }}
),

sequenced as (
    select
        *,
        lag(event_date) over (
            partition by account_id order by event_date, expansion_event_id
        ) as previous_event_date
    from events
),

flagged as (
    select
        *,
        case
            when previous_event_date is null then 1
            when
                {{ dbt.datediff('previous_event_date', 'event_date', 'day') }}  -- noqa: LT05
                > {{ merge_days }}
                then 1
            else 0
        end as starts_expansion
    from sequenced
),

numbered as (
    select
        *,
        sum(starts_expansion) over (
            partition by account_id
            order by event_date, expansion_event_id
            rows between unbounded preceding and current row
        ) as expansion_number
    from flagged
),

grouped as (
    select
        account_id,
        org_id,
        expansion_number,
        min(episode_number) as episode_number,
        min(event_date) as expansion_date,
        max(event_date) as last_event_date,
        count(*) as event_count,
        max(case when event_type = 'won_expansion_opportunity' then 1 else 0 end)
            as has_won_opportunity,
        max(case when event_type = 'renewal_upsell' then 1 else 0 end) as has_renewal_upsell,
        max(case when source_name = 'plan_change' then 1 else 0 end) as has_plan_change,
        sum(case when source_name = 'plan_change' then arr_added_reporting end)
            as billing_arr_added_reporting,
        sum(case when source_name = 'opportunity' then arr_added_reporting end)
            as crm_arr_added_reporting
    from numbered
    group by 1, 2, 3
),

final as (
    select
        -- ids
        {{ generate_surrogate_key(['account_id', 'expansion_date']) }} as expansion_id,
        account_id,
        org_id,
        cast(expansion_number as {{ dbt.type_int() }}) as expansion_number,
        cast(episode_number as {{ dbt.type_int() }}) as episode_number,
        -- flags
        has_won_opportunity = 1 as has_won_opportunity,
        has_renewal_upsell = 1 as has_renewal_upsell,
        has_plan_change = 1 as has_plan_change,
        -- measures
        cast(event_count as {{ dbt.type_int() }}) as event_count,
        -- billing says what is paid; the CRM's amount when billing has no record of it
        cast(coalesce(billing_arr_added_reporting, crm_arr_added_reporting) as {{ type_double() }})
            as arr_added_reporting,
        -- dates
        expansion_date,
        last_event_date
    from grouped
)

select * from final
