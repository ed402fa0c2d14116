-- One row per account per history date (var score_grain: every day, or every Sunday, plus
-- the current as_of_date), point-in-time: each row uses only data dated on or before its
-- score_date. Incremental: a run rewrites the last history_lookback_days days (late rows are
-- picked up) and adds the new dates; it also rescores every date whose rows were computed with
-- other weights (a calibration applied) or with another churn model, so the history always
-- says what the current configuration would have said; and every date whose accounts changed
-- (an episode that started or ended late), with the dates 7, 14, 28 and 30 days after it,
-- whose trends compare with it. Dates are replaced whole (delete+insert on score_date), so an
-- account that left a date leaves its history row too. on_schema_change appends new columns
-- rather than failing: the enforced contract already pins the columns, and Postgres reports the
-- contract's varchar columns as a change to text. Spark (parquet: no delete) overwrites the
-- score_date partitions the run computes instead.
-- depends_on: {{ ref('int_scoring__weights_version') }}
-- depends_on: {{ ref('churn_probability_model') }}
{{
    config(
        materialized='incremental',
        unique_key='score_date',
        incremental_strategy=(
            'insert_overwrite' if target.type == 'spark' else 'delete+insert'
        ),
        partition_by=(['score_date'] if target.type == 'spark' else none),
        on_schema_change='append_new_columns',
        meta={'test_window': score_date_test_window()},
        post_hook=[
            "{{ prune_history_dates(this, ref('int_scoring__score_dates')) }}"
        ],
    )
}}

with

scores as (
    select * from {{ ref('int_scoring__account_scores') }}
),

probabilities as (
    select * from {{ ref('int_scoring__churn_probability') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

{%- if is_incremental() %}

weights_version as (
    select * from {{ ref('int_scoring__weights_version') }}
),

probability_model as (
    select * from {{ ref('churn_probability_model') }}
),

current_model as (
    select
        weights_version.weights_version,
        max(model.fitted_on) as fitted_on
    from weights_version
    left join probability_model as model
        on
            weights_version.weights_version = model.weights_version
            and model.replicate = 0
    group by 1
),

stale_dates as (
    select distinct history.score_date
    from {{ this }} as history
    cross join current_model
    where
        history.weights_version <> current_model.weights_version
        or (
            history.health_score is not null
            and (
                (current_model.fitted_on is null and history.churn_probability is not null)
                or (
                    current_model.fitted_on is not null
                    and (
                        history.churn_probability is null
                        or history.probability_note not like '%up to '
                        || cast(current_model.fitted_on as {{ dbt.type_string() }})
                    )
                )
            )
        )
),

history_dates as (
    select score_date from {{ ref('int_scoring__score_dates') }}
    where is_history_date
),

scored_pairs as (
    select
        scores.account_id,
        scores.score_date
    from scores
    inner join history_dates
        on scores.score_date = history_dates.score_date
    inner join accounts
        on scores.account_id = accounts.account_id
),

built_pairs as (
    select distinct
        account_id,
        score_date
    from {{ this }}
),

-- an account and history date pair on one side only: the date's accounts changed
changed_dates as (
    select coalesce(scored_pairs.score_date, built_pairs.score_date) as score_date
    from scored_pairs
    full outer join built_pairs
        on
            scored_pairs.account_id = built_pairs.account_id
            and scored_pairs.score_date = built_pairs.score_date
    where scored_pairs.account_id is null or built_pairs.account_id is null
),

-- and the dates whose trends compare with a changed date
dates_to_rescore as (
    select stale_dates.score_date from stale_dates
    union
    select changed_dates.score_date from changed_dates
    {%- for days in [7, 14, 28, 30] %}
    union
    select cast({{ dbt.dateadd('day', days, 'changed_dates.score_date') }} as date)
    from changed_dates
    {%- endfor %}
),
{%- endif %}

score_dates as (
    select * from {{ ref('int_scoring__score_dates') }}
    where is_history_date
    {%- if is_incremental() %}
        and (
            score_date > (
                select cast({{ dbt.dateadd('day', -1 * var('history_lookback_days'), 'max(score_date)') }} as date)
                from {{ this }}
            )
            or score_date in (select dates_to_rescore.score_date from dates_to_rescore)
        )
    {%- endif %}
),

enriched as (
    select
        scores.account_id,
        scores.org_id,
        accounts.account_name,
        scores.segment,
        accounts.industry,
        accounts.region,
        accounts.owner_csm,
        cast(scores.arr_reporting as {{ type_double() }}) as arr_reporting,
        cast('{{ var("reporting_currency") }}' as {{ dbt.type_string() }}) as reporting_currency,
        {{ round_score('scores.usage_score') }} as usage_score,
        {{ round_score('scores.support_score') }} as support_score,
        {{ round_score('scores.relationship_score') }} as relationship_score,
        {{ round_score('scores.finance_score') }} as finance_score,
        scores.health_score,
        {{ round_score('scores.data_completeness') }} as data_completeness,
        {{ round_score('scores.segment_percentile') }} as segment_percentile,
        scores.health_tier,
        scores.risk_level,
        {{ round_score('scores.score_delta_7d') }} as score_delta_7d,
        {{ round_score('scores.score_delta_30d') }} as score_delta_30d,
        scores.trend_direction,
        scores.trend_adjusted_risk,
        case when scores.is_champion_left then 'champion_left, ' else '' end
        || case
            when scores.is_repeated_payment_failure then 'repeated_payment_failure, ' else ''
        end
        || case when scores.is_urgent_ticket_aging then 'urgent_ticket_aging, ' else '' end
        || case when scores.is_downgrade_request then 'downgrade_request, ' else '' end
        || case when scores.is_usage_anomaly then 'usage_anomaly, ' else '' end as rule_flags_raw,
        cast(scores.rule_flag_count as integer) as rule_flag_count,
        scores.is_champion_left,
        scores.is_repeated_payment_failure,
        scores.is_urgent_ticket_aging,
        scores.is_downgrade_request,
        scores.is_usage_anomaly,
        {{ round_score('scores.usage_anomaly_z') }} as usage_anomaly_z,
        coalesce(
            scores.driver_1_text || ' (' || {{ format_number('100 * scores.driver_1_share', 0) }}
            || '% of lost points)', ''
        )
        || coalesce(
            '; ' || scores.driver_2_text || ' ('
            || {{ format_number('100 * scores.driver_2_share', 0) }} || '% of lost points)', ''
        )
        || coalesce(
            '; ' || scores.driver_3_text || ' ('
            || {{ format_number('100 * scores.driver_3_share', 0) }} || '% of lost points)', '')
            as top_drivers,
        scores.main_driver,
        scores.explanation,
        scores.playbook,
        scores.recommended_action,
        scores.final_tier,
        scores.is_overridden,
        scores.override_reason,
        scores.override_expires_at,
        cast(scores.days_to_renewal as integer) as days_to_renewal,
        scores.next_renewal_date,
        scores.priority_score,
        cast(scores.priority_rank as bigint) as priority_rank,
        cast(probabilities.churn_probability as {{ type_double() }}) as churn_probability,
        cast(probabilities.churn_probability_low as {{ type_double() }}) as churn_probability_low,
        cast(probabilities.churn_probability_high as {{ type_double() }})
            as churn_probability_high,
        probabilities.probability_note,
        scores.weights_version,
        scores.score_date
    from scores
    inner join score_dates
        on scores.score_date = score_dates.score_date
    inner join accounts
        on scores.account_id = accounts.account_id
    left join probabilities
        on
            scores.account_id = probabilities.account_id
            and scores.score_date = probabilities.score_date
),

flagged as (
    select
        *,
        case
            when rule_flags_raw = '' then null
            else substring(rule_flags_raw, 1, length(rule_flags_raw) - 2)
        end as rule_flags
    from enriched
),

final as (
    select
        {{ account_health_columns('flagged') }}
    from flagged
)

select * from final
