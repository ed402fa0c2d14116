-- One row per expansion alert: an account entering ready (int_expansion__alert_states), with
-- its cause, reason and play. The dampers of the health alerts (mart_health_alerts), with the
-- same vars:
-- * hysteresis: alert_hysteresis_margin points above the ready threshold, eligible (healthy,
--   enough data), for alert_consecutive_periods score dates; again only after the score fell
--   below threshold - margin;
-- * cooldown: at most one per account per alert_cooldown_days, and only after its condition
--   has been quiet that long;
-- * budget: alert_budget_per_csm_per_week per account owner and week, counted apart from the
--   risk alerts (an opportunity does not push a save out of a CSM's week): the highest
--   expansion priority first; the rest stay here with delivery_status 'held_back' and the
--   reason, so nothing is dropped silently.
{%- set periods = var('alert_consecutive_periods') | int %}
{%- set margin = var('alert_hysteresis_margin') %}
{%- set budget = var('alert_budget_per_csm_per_week') %}
{%- set within_budget = 'true' if budget is none else 'budgeted.budget_rank <= ' ~ (budget | int) %}

with

states as (
    select * from {{ ref('int_expansion__alert_states') }}
),

scores as (
    select * from {{ ref('int_expansion__scores') }}
),

health as (
    select * from {{ ref('int_scoring__account_scores') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

candidates as (
    select
        account_id,
        org_id,
        score_date,
        'entered_expansion_ready' as alert_type,
        'Expansion score ' || {{ format_number('expansion_score', 0) }} || ' has been at or above '
        || {{ format_number('ready_threshold + ' ~ margin, 0) }}
        || ' (ready threshold ' || {{ format_number('ready_threshold', 0) }}
        || ' plus a ' || '{{ margin }}' || '-point margin) for {{ periods }} score dates'
        || ', with the account healthy' as cause
    from states
    where is_entered_ready
),

cooled as (
    select
        *,
        lag(score_date) over (
            partition by account_id, alert_type order by score_date
        ) as previous_candidate_date
    from candidates
),

fired as (
    select *
    from cooled
    where
        previous_candidate_date is null
        or {{ dbt.datediff('previous_candidate_date', 'score_date', 'day') }}
        > {{ var('alert_cooldown_days') }}
),

score_dates as (
    select max(score_date) as as_of_date from {{ ref('int_scoring__score_dates') }}
),

prioritised as (
    select
        fired.*,
        health.arr_reporting,
        coalesce(accounts.owner_csm, 'unassigned') as owner_csm,
        -- the score, scaled up by the ARR at stake (as mart_account_expansion); rounded, so
        -- that ties break the same way on every engine
        {{ round_score(
            'scores.expansion_score * (1.0 + ln(1.0 + coalesce(cast(health.arr_reporting as '
            ~ type_double() ~ '), 0) / 10000))'
        ) }} as expansion_priority
    from fired
    inner join scores
        on
            fired.account_id = scores.account_id
            and fired.score_date = scores.score_date
    left join health
        on
            fired.account_id = health.account_id
            and fired.score_date = health.score_date
    left join accounts
        on fired.account_id = accounts.account_id
),

-- within each owner's week, the alerts of the highest expansion priority come first
budgeted as (
    select
        *,
        row_number() over (
            partition by org_id, owner_csm, {{ dbt.date_trunc('week', 'score_date') }}
            order by expansion_priority desc, account_id asc
        ) as budget_rank
    from prioritised
),

final as (
    select
        -- ids
        {{ generate_surrogate_key(
            ['budgeted.account_id', 'budgeted.score_date', 'budgeted.alert_type']
        ) }} as alert_id,
        budgeted.account_id,
        budgeted.org_id,
        -- alert
        budgeted.alert_type,
        budgeted.cause || '. ' || scores.expansion_reason as cause,
        scores.main_driver as main_expansion_driver,
        scores.expansion_play,
        scores.expansion_action,
        -- delivery
        budgeted.owner_csm,
        cast(budgeted.budget_rank as integer) as budget_rank,
        case when {{ within_budget }} then 'deliver' else 'held_back' end as delivery_status,
        case
            when not {{ within_budget }}
                then
                    'over the budget of {{ budget }} expansion alerts per owner per week: number '
                    || cast(budgeted.budget_rank as {{ dbt.type_string() }})
                    || ' by expansion priority'
        end as held_back_reason,
        -- scores at the time
        scores.expansion_score,
        scores.expansion_tier,
        scores.health_score,
        scores.health_final_tier,
        cast(budgeted.arr_reporting as {{ type_double() }}) as arr_reporting,
        scores.expansion_version,
        -- dates
        budgeted.score_date as alert_date,
        budgeted.score_date > cast({{ dbt.dateadd(
            'day', -1 if var('score_grain') == 'day' else -7, 'score_dates.as_of_date'
        ) }} as date) as is_current_period
    from budgeted
    inner join scores
        on
            budgeted.account_id = scores.account_id
            and budgeted.score_date = scores.score_date
    cross join score_dates
)

select * from final
