-- One row per alert. Alerts fire when an account enters at_risk or critical, when its score
-- drops sharply, or when a rule flag (champion left, repeated payment failure, aging urgent
-- ticket, downgrade, usage anomaly) newly appears. Three dampers keep them worth reading:
-- * hysteresis: a tier is entered only when the score is past its threshold by
--   alert_hysteresis_margin points for alert_consecutive_periods score dates in a row, and it
--   is entered again only after the score has come back above threshold + margin;
-- * cooldown: an alert type fires for an account at most once per alert_cooldown_days, and
--   only after its condition has been quiet that long;
-- * one tier alert per date: entering critical directly does not also send "at_risk".
-- Only the rules listed in var alert_rules fire (the backtest judges each rule; the defaults
-- keep those that fire clearly more often before lost renewals than before kept ones). A
-- budget (var alert_budget_per_csm_per_week) caps what each CSM is sent per week: the
-- lowest-priority alerts beyond it stay in this table with delivery_status 'held_back' and
-- the reason, so nothing is dropped silently.
{%- set periods = var('alert_consecutive_periods') | int %}
{%- set margin = var('alert_hysteresis_margin') %}
{%- set rules = var('alert_rules') %}
{%- set budget = var('alert_budget_per_csm_per_week') %}
{%- set rule_list = "'" ~ (rules | join("', '")) ~ "'" %}
{%- set within_budget = 'true' if budget is none else 'budgeted.budget_rank <= ' ~ (budget | int) %}

with

scores as (
    select account_scores.*
    from {{ ref('int_scoring__account_scores') }} as account_scores
    inner join {{ ref('int_scoring__score_dates') }} as score_dates
        on account_scores.score_date = score_dates.score_date
    where score_dates.is_history_date and account_scores.health_score is not null
),

-- the alert conditions, once (hysteresis, sharp drops, rule flags that start): the recovery
-- cases read them too
states as (
    select * from {{ ref('int_scoring__alert_states') }}
),

candidates as (
    select
        account_id,
        org_id,
        score_date,
        'entered_critical' as alert_type,
        'critical' as severity,
        'Score ' || {{ format_number('health_score', 0) }} || ': its ' || tier_measure_name
        || ' ' || {{ format_number('tier_measure', 0) }} || ' has been below '
        || {{ format_number('critical_threshold - ' ~ margin, 0) }}
        || ' (critical threshold ' || {{ format_number('critical_threshold', 0) }}
        || ' minus a ' || '{{ margin }}' || '-point margin) for {{ periods }} score dates'
            as cause
    from states
    where is_entered_critical
    union all
    select
        account_id,
        org_id,
        score_date,
        'entered_at_risk' as alert_type,
        'high' as severity,
        'Score ' || {{ format_number('health_score', 0) }} || ': its ' || tier_measure_name
        || ' ' || {{ format_number('tier_measure', 0) }} || ' has been below '
        || {{ format_number('at_risk_threshold - ' ~ margin, 0) }}
        || ' (healthy threshold ' || {{ format_number('at_risk_threshold', 0) }}
        || ' minus a ' || '{{ margin }}' || '-point margin) for {{ periods }} score dates'
            as cause
    from states
    where is_entered_at_risk
    union all
    select
        account_id,
        org_id,
        score_date,
        'sharp_drop' as alert_type,
        'high' as severity,
        'Score fell ' || {{ format_number('-1 * score_delta_14d', 0) }} || ' points in 14 days, to '
        || {{ format_number('health_score', 0) }} as cause
    from states
    where is_sharp_drop
    {%- for flag, severity, text in [
        ('champion_left', 'critical', 'The champion left and no other champion is active'),
        ('repeated_payment_failure', 'high', 'Two or more payments failed in 90 days'),
        ('urgent_ticket_aging', 'high', 'An urgent ticket has been open for more than 7 days'),
        ('downgrade_request', 'medium', 'A downgrade or seat cut in the last 90 days'),
        ('usage_anomaly', 'medium', 'Usage this week is far below the account''s own 12-week baseline'),
    ] %}
        union all
        select
            account_id,
            org_id,
            score_date,
            '{{ flag }}' as alert_type,
            '{{ severity }}' as severity,
            '{{ text }}' as cause
        from states
        where is_{{ flag }}_started
    {%- endfor %}
),

cooled as (
    select
        *,
        lag(score_date) over (
            partition by account_id, alert_type order by score_date
        ) as previous_candidate_date
    from candidates
    where alert_type in ({{ rule_list }})
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

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

-- within each CSM's week, the most severe alerts of the accounts with the highest priority
-- come first; past the budget they are held back
budgeted as (
    select
        fired.*,
        scores.priority_score,
        coalesce(accounts.owner_csm, 'unassigned') as owner_csm,
        row_number() over (
            partition by
                fired.org_id,
                coalesce(accounts.owner_csm, 'unassigned'),
                {{ dbt.date_trunc('week', 'fired.score_date') }}
            order by
                case fired.severity when 'critical' then 1 when 'high' then 2 else 3 end asc,
                scores.priority_score desc,
                fired.account_id asc,
                fired.alert_type asc
        ) as budget_rank
    from fired
    inner join scores
        on
            fired.account_id = scores.account_id
            and fired.score_date = scores.score_date
    left join accounts
        on fired.account_id = accounts.account_id
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
        budgeted.severity,
        budgeted.cause || '. ' || scores.explanation as cause,
        scores.main_driver,
        scores.playbook,
        scores.recommended_action,
        -- delivery
        budgeted.owner_csm,
        cast(budgeted.budget_rank as integer) as budget_rank,
        case when {{ within_budget }} then 'deliver' else 'held_back' end as delivery_status,
        case
            when not {{ within_budget }}
                then
                    'over the budget of {{ budget }} alerts per CSM per week: number '
                    || cast(budgeted.budget_rank as {{ dbt.type_string() }})
                    || ' by severity and priority'
        end as held_back_reason,
        -- score at the time
        scores.health_score,
        scores.health_tier,
        {{ round_score('scores.score_delta_14d') }} as score_delta_14d,
        scores.weights_version,
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
