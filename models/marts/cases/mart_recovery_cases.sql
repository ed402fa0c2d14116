-- One row per recovery case: the work of saving one account, from the date it needed saving to
-- the date it was saved or lost.
-- * A case opens on a score date where an alert condition of var case_open_rules starts
--   (int_scoring__alert_states: the alert rules of mart_health_alerts, with their hysteresis;
--   by default entering critical or a sharp drop) while the account is below the recovery
--   line, and no case of the account is open.
-- * The recovery line is the threshold of var case_recovery_tier plus var case_recovery_margin
--   on the tier measure (by default the critical threshold plus 3: where entered_critical
--   re-arms). A case closes on the first date after it opened on which the account is at or
--   above the line (recovered), on the first renewal won (renewed) or on the account's churn
--   (churned), dated on or after the opening date, whichever comes first.
-- Closing does not depend on how a case opened, so there is no state to carry: each close
-- event ends the case of the alert conditions since the previous close event, and the first
-- of those conditions opened it. A window over the account's dates in order finds them, on
-- every engine (no recursive CTE). A case's open and close on date d read data up to d only.
-- Incremental (DuckDB, Postgres): a run recomputes, from their whole history, the accounts
-- whose cases may have changed, and keeps the cases of the others (delete+insert on
-- account_id). An account is recomputed when it has an open case; a case opened or closed on
-- or after the window the upstream models recompute (history_lookback_days before the last
-- run's as-of date, or the new as-of date if earlier); an alert condition that opens a case
-- outside its stored cases, at any date; a stored case whose opening no longer reads the same
-- (the condition, its score, the weights_version of the history row, the account's name or
-- CSM); or a renewal won or churn, at any date, inside a stored case other than the one that
-- closed it, or the one that closed it gone. Anything else older than the window needs a
-- --full-refresh, as for the history mart (DECISIONLOG 42). Spark (parquet: no delete) rebuilds
-- the table.
{%- set open_rules = var('case_open_rules') %}
{%- set margin = var('case_recovery_margin') %}
{%- set recovery_tier = var('case_recovery_tier') %}
{%- if recovery_tier not in ['at_risk', 'healthy'] %}
    {{ exceptions.raise_compiler_error(
        "var case_recovery_tier must be at_risk or healthy, not " ~ recovery_tier
    ) }}
{%- endif %}
{%- set rule_order = [
    'entered_critical', 'sharp_drop', 'entered_at_risk', 'champion_left',
    'repeated_payment_failure', 'urgent_ticket_aging', 'downgrade_request', 'usage_anomaly',
] %}
{%- set rule_flags = {
    'entered_critical': 'is_entered_critical',
    'entered_at_risk': 'is_entered_at_risk',
    'sharp_drop': 'is_sharp_drop',
} %}
{%- for rule in open_rules if rule not in rule_order %}
    {{ exceptions.raise_compiler_error("var case_open_rules: unknown alert condition " ~ rule) }}
{%- endfor %}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        unique_key='account_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook=(
            [] if target.type == 'spark' else ["delete from {{ this }} where case_id is null"]
        ),
    )
}}

with

states as (
    select * from {{ ref('int_scoring__alert_states') }}
),

history as (
    select * from {{ ref('mart_account_health_history') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

score_dates as (
    select max(score_date) as as_of_date from {{ ref('int_scoring__score_dates') }}
),

-- renewals won and churns, up to the score date
outcomes as (
    select outcomes.*
    from {{ ref('int_lifecycle__outcomes') }} as outcomes
    cross join score_dates
    where
        outcomes.outcome_type in ('renewed', 'downgraded', 'churned')
        and outcomes.outcome_date <= score_dates.as_of_date
),

lined as (
    select
        *,
        {%- if recovery_tier == 'healthy' %}
            at_risk_threshold + {{ margin }} as recovery_line
        {%- else %}
            critical_threshold + {{ margin }} as recovery_line
        {%- endif %}
    from states
),

-- the dates on which a condition that opens a case starts, below the recovery line
triggers as (
    select
        account_id,
        org_id,
        score_date as event_date,
        health_score,
        score_delta_14d,
        case
            {%- for rule in rule_order if rule in open_rules %}
                when {{ rule_flags.get(rule, 'is_' ~ rule ~ '_started') }} then '{{ rule }}'
            {%- endfor %}
        end as opened_by,
        tier_measure,
        tier_measure_name,
        critical_threshold,
        at_risk_threshold,
        recovery_line
    from lined
    where
        tier_measure < recovery_line
        and (
            {%- for rule in open_rules %}
                {{ rule_flags.get(rule, 'is_' ~ rule ~ '_started') }}
                {%- if not loop.last %} or{% endif %}
            {%- endfor %}
        )
),

-- renewals won and churns as the events that end a case
outcome_closes as (
    select
        account_id,
        outcome_date as event_date,
        case when outcome_type = 'churned' then 1 else 2 end as event_order,
        case when outcome_type = 'churned' then 'churned' else 'renewed' end as outcome,
        case outcome_type
            when 'churned' then 'Churned (' || recorded_by || ')'
            when 'downgraded' then 'Renewal won, at a lower amount'
            else 'Renewal won'
        end as close_reason,
        source_record_id
    from outcomes
),
{%- if is_incremental() %}
    {#- a table written before the cases carried weights_version (a unit test's `this` is a
        fixture, not a relation) #}
    {%- set is_older_table = this is not string and 'weights_version' not in (
        adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list
    ) %}

stored as (
    select
        *
        {%- if is_older_table %},
            -- written before the cases carried it: every stored case is recomputed
            cast(null as {{ dbt.type_string() }}) as weights_version
        {%- endif %}
    from {{ this }}
),

-- the as-of date of the run that wrote the stored cases: an open case was open up to it, a
-- closed one closed on or before it (without an open case this is earlier: more accounts are
-- recomputed, never fewer)
last_run as (
    select max(cast({{ dbt.dateadd('day', 'days_open', 'opened_date') }} as date)) as as_of_date
    from stored
),

-- the dates the models upstream may have recomputed since (DECISIONLOG 34, 36): from
-- history_lookback_days before the last run's as-of date, or from the new as-of date when it
-- moved back before that
recompute_window as (
    select
        case
            when
                score_dates.as_of_date
                < {{ dbt.dateadd('day', -1 * var('history_lookback_days'), 'last_run.as_of_date') }}
                then score_dates.as_of_date
            else
                cast({{
                    dbt.dateadd('day', -1 * var('history_lookback_days'), 'last_run.as_of_date')
                }} as date)
        end as start_date
    from last_run
    cross join score_dates
),

-- every condition that opens a case and every renewal won or churn, at any date, with the
-- stored case it falls in (from its opening date to its closing date), if any
placed as (
    select
        candidates.account_id,
        candidates.event_kind,
        candidates.event_date,
        candidates.outcome,
        candidates.close_reason,
        stored.account_id as stored_account_id,
        stored.closed_date as stored_closed_date,
        stored.outcome as stored_outcome,
        stored.close_reason as stored_close_reason
    from (
        select
            account_id,
            'condition' as event_kind,
            event_date,
            cast(null as {{ dbt.type_string() }}) as outcome,
            cast(null as {{ dbt.type_string() }}) as close_reason
        from triggers
        union all
        select
            account_id,
            'outcome' as event_kind,
            event_date,
            outcome,
            close_reason
        from outcome_closes
    ) as candidates
    left join stored
        on
            candidates.account_id = stored.account_id
            and candidates.event_date >= stored.opened_date
            and (stored.closed_date is null or candidates.event_date <= stored.closed_date)
),

-- the accounts whose cases may differ from the stored ones: recomputed from all their history
touched as (
    -- an open case: it may close, and its days_open grow
    select stored.account_id
    from stored
    where stored.case_status = 'open'
    union
    -- a case opened or closed on dates the models upstream recomputed
    select stored.account_id
    from stored
    cross join recompute_window
    where
        stored.opened_date >= recompute_window.start_date
        or stored.closed_date >= recompute_window.start_date
    union
    -- a case that no longer reads the same: the condition that opened it gone or another,
    -- another score, the history rescored with other weights, another account name or CSM,
    -- or the renewal or churn that closed it gone or changed
    select stored.account_id
    from stored
    left join triggers
        on
            stored.account_id = triggers.account_id
            and stored.opened_date = triggers.event_date
    left join history
        on
            stored.account_id = history.account_id
            and stored.opened_date = history.score_date
    left join accounts
        on stored.account_id = accounts.account_id
    left join outcome_closes
        on
            stored.account_id = outcome_closes.account_id
            and stored.closed_date = outcome_closes.event_date
            and stored.outcome = outcome_closes.outcome
            and stored.close_reason = outcome_closes.close_reason
    where
        triggers.account_id is null
        or stored.opened_by <> triggers.opened_by
        or stored.score_at_open <> triggers.health_score
        or stored.org_id is distinct from triggers.org_id
        or stored.weights_version is distinct from history.weights_version
        or stored.account_name is distinct from accounts.account_name
        or stored.owner_csm <> coalesce(accounts.owner_csm, 'unassigned')
        or (stored.outcome in ('renewed', 'churned') and outcome_closes.account_id is null)
    union
    -- a condition outside every stored case: a case to open (a new account or episode, a date
    -- rescored); a renewal or churn inside a stored case, other than the one that closed it
    -- (one recorded late closes the case on its own date)
    select account_id
    from placed
    where
        (event_kind = 'condition' and stored_account_id is null)
        or (
            event_kind = 'outcome'
            and stored_account_id is not null
            and (
                stored_closed_date is null
                or event_date <> stored_closed_date
                or outcome <> stored_outcome
                or close_reason <> stored_close_reason
            )
        )
),
{%- endif %}

-- the accounts whose cases this run computes: every one, or those touched
{%- set touched_only -%}
    {%- if is_incremental() %} where account_id in (select touched.account_id from touched){% endif -%}
{%- endset %}
case_states as (
    select * from lined{{ touched_only }}
),

case_triggers as (
    select * from triggers{{ touched_only }}
),

case_outcomes as (
    select * from outcome_closes{{ touched_only }}
),

-- the events that end a case: recovery, a renewal won, churn. On one date a churn comes
-- first, then a renewal, then a recovery; a condition on the same date as a renewal or churn
-- comes before it (the case it opens closes that day). A condition is never on a recovery
-- date: it needs the account below the line.
close_events as (
    select
        account_id,
        score_date as event_date,
        3 as event_order,
        'recovered' as outcome,
        'Recovered: ' || tier_measure_name || ' ' || {{ format_number('tier_measure', 1) }}
        || ', at or above ' || {{ format_number('recovery_line', 0) }}
        {%- if recovery_tier == 'healthy' %}
            || ' (healthy threshold ' || {{ format_number('at_risk_threshold', 0) }}
        {%- else %}
            || ' (critical threshold ' || {{ format_number('critical_threshold', 0) }}
        {%- endif %}
        || ' plus a {{ margin }}-point margin)' as close_reason,
        cast(null as {{ dbt.type_string() }}) as source_record_id
    from case_states
    where tier_measure >= recovery_line
    union all
    select
        account_id,
        event_date,
        event_order,
        outcome,
        close_reason,
        source_record_id
    from case_outcomes
),

events as (
    select
        account_id,
        org_id,
        event_date,
        0 as event_order,
        0 as is_close,
        opened_by,
        health_score,
        score_delta_14d,
        tier_measure,
        tier_measure_name,
        critical_threshold,
        at_risk_threshold,
        recovery_line,
        cast(null as {{ dbt.type_string() }}) as outcome,
        cast(null as {{ dbt.type_string() }}) as close_reason,
        cast(null as {{ dbt.type_string() }}) as source_record_id
    from case_triggers
    union all
    select
        account_id,
        cast(null as {{ dbt.type_string() }}) as org_id,
        event_date,
        event_order,
        1 as is_close,
        cast(null as {{ dbt.type_string() }}) as opened_by,
        cast(null as {{ type_double() }}) as health_score,
        cast(null as {{ type_double() }}) as score_delta_14d,
        cast(null as {{ type_double() }}) as tier_measure,
        cast(null as {{ dbt.type_string() }}) as tier_measure_name,
        cast(null as {{ type_double() }}) as critical_threshold,
        cast(null as {{ type_double() }}) as at_risk_threshold,
        cast(null as {{ type_double() }}) as recovery_line,
        outcome,
        close_reason,
        source_record_id
    from close_events
),

-- close_sequence: how many close events come before the row. The conditions with the same
-- number belong to one case; the close event with that number ends it.
counted as (
    select
        *,
        sum(is_close) over (
            partition by account_id
            order by event_date, event_order, coalesce(source_record_id, '')
            rows between unbounded preceding and current row
        ) - is_close as close_sequence
    from events
),

sequenced as (
    select
        *,
        row_number() over (
            partition by account_id, is_close, close_sequence
            order by event_date, event_order, coalesce(source_record_id, '')
        ) as rank_in_sequence
    from counted
),

opened as (
    select *
    from sequenced
    where is_close = 0 and rank_in_sequence = 1
),

closes as (
    select *
    from sequenced
    where is_close = 1
),

cases as (
    select
        opened.account_id,
        opened.org_id,
        opened.opened_by,
        opened.health_score,
        opened.score_delta_14d,
        opened.tier_measure,
        opened.tier_measure_name,
        opened.critical_threshold,
        opened.at_risk_threshold,
        opened.event_date as opened_date,
        closes.event_date as closed_date,
        coalesce(closes.outcome, 'open') as outcome,
        closes.close_reason
    from opened
    left join closes
        on
            opened.account_id = closes.account_id
            and opened.close_sequence = closes.close_sequence
),

-- the last score on or before the close date
close_scores as (
    select
        cases.account_id,
        cases.opened_date,
        history.health_score,
        row_number() over (
            partition by cases.account_id, cases.opened_date
            order by history.score_date desc
        ) as score_recency
    from cases
    inner join history
        on
            cases.account_id = history.account_id
            and history.score_date >= cases.opened_date
            and history.score_date <= cases.closed_date
),

final as (
    select
        -- ids
        {{ generate_surrogate_key(['cases.account_id', 'cases.opened_date']) }} as case_id,
        cases.account_id,
        cases.org_id,
        -- dimensions
        accounts.account_name,
        history.segment,
        coalesce(accounts.owner_csm, 'unassigned') as owner_csm,
        -- why it opened, and what to do
        cases.opened_by,
        case cases.opened_by
            when 'entered_critical'
                then
                    'Entered critical: ' || cases.tier_measure_name || ' '
                    || {{ format_number('cases.tier_measure', 1) }} || ', below '
                    || {{ format_number(
                        'cases.critical_threshold - ' ~ var('alert_hysteresis_margin'), 0
                    ) }}
                    || ' (critical threshold ' || {{ format_number('cases.critical_threshold', 0) }}
                    || ' minus a {{ var("alert_hysteresis_margin") }}-point margin) for '
                    || '{{ var("alert_consecutive_periods") }} score dates'
            when 'entered_at_risk'
                then
                    'Entered at_risk: ' || cases.tier_measure_name || ' '
                    || {{ format_number('cases.tier_measure', 1) }} || ', below '
                    || {{ format_number(
                        'cases.at_risk_threshold - ' ~ var('alert_hysteresis_margin'), 0
                    ) }}
                    || ' (healthy threshold ' || {{ format_number('cases.at_risk_threshold', 0) }}
                    || ' minus a {{ var("alert_hysteresis_margin") }}-point margin) for '
                    || '{{ var("alert_consecutive_periods") }} score dates'
            when 'sharp_drop'
                then
                    'Score fell ' || {{ format_number('-1 * cases.score_delta_14d', 0) }}
                    || ' points in 14 days, to ' || {{ format_number('cases.health_score', 0) }}
            else 'Rule flag ' || cases.opened_by
        end
        || coalesce('. Drivers: ' || nullif(history.top_drivers, ''), '') as cause,
        history.main_driver,
        coalesce(history.playbook, 'none') as playbook,
        history.recommended_action,
        -- outcome
        case when cases.outcome = 'open' then 'open' else 'closed' end as case_status,
        cases.outcome,
        cases.close_reason,
        cases.outcome in ('recovered', 'renewed') as is_save,
        cases.outcome = 'churned' as is_loss,
        -- measures
        cases.health_score as score_at_open,
        history.health_tier as tier_at_open,
        close_scores.health_score as score_at_close,
        history.arr_reporting,
        history.reporting_currency,
        cast({{ dbt.datediff(
            'cases.opened_date', 'coalesce(cases.closed_date, score_dates.as_of_date)', 'day'
        ) }} as integer) as days_open,
        -- configuration
        history.weights_version,
        -- dates
        cases.opened_date,
        cases.closed_date
    from cases
    inner join history
        on
            cases.account_id = history.account_id
            and cases.opened_date = history.score_date
    left join close_scores
        on
            cases.account_id = close_scores.account_id
            and cases.opened_date = close_scores.opened_date
            and close_scores.score_recency = 1
    left join accounts
        on cases.account_id = accounts.account_id
    cross join score_dates
){%- if is_incremental() %},

-- an account recomputed without any case left: one row with nothing but its account_id, so
-- that delete+insert on account_id removes its stored cases; the post-hook deletes the row
emptied as (
    select touched.account_id
    from touched
    left join final
        on touched.account_id = final.account_id
    where final.account_id is null
)
{%- endif %}

select * from final
{%- if is_incremental() %}
    union all
    -- the columns of final, in its order: null but for the account
    select
        cast(null as {{ dbt.type_string() }}) as case_id,
        emptied.account_id,
        cast(null as {{ dbt.type_string() }}) as org_id,
        cast(null as {{ dbt.type_string() }}) as account_name,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as owner_csm,
        cast(null as {{ dbt.type_string() }}) as opened_by,
        cast(null as {{ dbt.type_string() }}) as cause,
        cast(null as {{ dbt.type_string() }}) as main_driver,
        cast(null as {{ dbt.type_string() }}) as playbook,
        cast(null as {{ dbt.type_string() }}) as recommended_action,
        cast(null as {{ dbt.type_string() }}) as case_status,
        cast(null as {{ dbt.type_string() }}) as outcome,
        cast(null as {{ dbt.type_string() }}) as close_reason,
        cast(null as {{ dbt.type_boolean() }}) as is_save,
        cast(null as {{ dbt.type_boolean() }}) as is_loss,
        cast(null as {{ type_double() }}) as score_at_open,
        cast(null as {{ dbt.type_string() }}) as tier_at_open,
        cast(null as {{ type_double() }}) as score_at_close,
        cast(null as {{ type_double() }}) as arr_reporting,
        cast(null as {{ dbt.type_string() }}) as reporting_currency,
        cast(null as integer) as days_open,
        cast(null as {{ dbt.type_string() }}) as weights_version,
        cast(null as date) as opened_date,
        cast(null as date) as closed_date
    from emptied
{%- endif %}
