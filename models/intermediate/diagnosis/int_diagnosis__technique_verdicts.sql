-- Six techniques look at every account on every score date, and each gives its verdict on one
-- scale (healthy < watch < at_risk < critical), or no_verdict when it lacks the data, with its
-- reason in plain words and values:
-- * scorecard: the weighted score's risk level (low, medium, high, critical);
-- * trend: the points the score lost in 30 days (28 on the weekly grain);
-- * anomaly: this week's activity against the account's own baseline, in standard deviations
--   (int_diagnosis__usage_baseline);
-- * cohort: a key usage factor's percentile among peers of the segment, and industry where
--   that cohort is large enough (int_diagnosis__cohort_usage);
-- * rule_flags: the critical events in force (usage_anomaly aside: that is the anomaly
--   technique), 2 points each, 1 for a flag in diagnosis_watch_rule_flags;
-- * churn_probability: the fitted probability of losing the next renewal, in bands.
-- Thresholds are vars (dbt_project.yml, "Techniques cross-checked"). Point in time: every
-- input is itself computed from data dated on or before the score date.
{%- set delta_days = 30 if var('score_grain') == 'day' else 28 %}
{%- set weeks = var('diagnosis_baseline_weeks') | int %}
{%- set watch_flags = var('diagnosis_watch_rule_flags') or [] %}
{%- set flags = [
    'champion_left', 'repeated_payment_failure', 'urgent_ticket_aging', 'downgrade_request'
] %}

with

scores as (
    select * from {{ ref('int_scoring__account_scores') }}
),

probabilities as (
    select * from {{ ref('int_scoring__churn_probability') }}
),

usage_baseline as (
    select * from {{ ref('int_diagnosis__usage_baseline') }}
),

cohort as (
    select * from {{ ref('int_diagnosis__cohort_usage') }}
),

catalogue as (
    select * from {{ ref('factor_catalogue') }}
),

joined as (
    select
        scores.account_id,
        scores.org_id,
        scores.score_date,
        scores.segment,
        scores.health_score,
        scores.segment_percentile,
        scores.risk_level,
        scores.data_completeness,
        scores.health_score_30d_ago,
        scores.score_delta_30d,
        scores.support_score is not null
        or scores.relationship_score is not null
        or scores.finance_score is not null as has_rule_evidence,
        {%- for flag in flags %}
            coalesce(scores.is_{{ flag }}, false) as is_{{ flag }},
        {%- endfor %}
        {%- for flag in flags %}
            case when scores.is_{{ flag }} then {{ 1 if flag in watch_flags else 2 }} else 0 end
            {%- if not loop.last %} +{% endif %}
        {%- endfor %} as rule_flag_points,
        probabilities.churn_probability,
        probabilities.probability_note,
        usage_baseline.activity_this_week,
        usage_baseline.baseline_weeks,
        usage_baseline.baseline_mean,
        usage_baseline.usage_baseline_z,
        cohort.cohort_factor_value,
        cohort.cohort_factor_unit,
        cohort.cohort_name,
        cohort.cohort_accounts,
        cohort.cohort_percentile,
        cohort.cohort_median,
        catalogue.phrase as cohort_phrase
    from scores
    left join probabilities
        on
            scores.account_id = probabilities.account_id
            and scores.score_date = probabilities.score_date
    left join usage_baseline
        on
            scores.account_id = usage_baseline.account_id
            and scores.score_date = usage_baseline.score_date
    left join cohort
        on
            scores.account_id = cohort.account_id
            and scores.score_date = cohort.score_date
    left join catalogue
        on catalogue.factor_name = '{{ var("diagnosis_cohort_factor") }}'
),

-- the flags in force, as text ("champion_left, downgrade_request")
flagged as (
    select
        *,
        {%- for flag in flags %}
            case when is_{{ flag }} then '{{ flag }}, ' else '' end
            {%- if not loop.last %} ||{% endif %}
        {%- endfor %} as rule_flags_listed
    from joined
),

final as (
    select
        -- ids
        account_id,
        org_id,
        score_date,
        -- dimensions
        segment,
        -- scorecard
        case risk_level
            when 'critical' then 'critical'
            when 'high' then 'at_risk'
            when 'medium' then 'watch'
            when 'low' then 'healthy'
            else 'no_verdict'
        end as scorecard_verdict,
        case
            when health_score is null then 'no score: the account has no signal at all'
            else
                'score ' || {{ format_number('health_score', 0) }}
                || ', percentile ' || {{ format_number('coalesce(segment_percentile, 0)', 0) }}
                || ' in its segment, risk level ' || coalesce(risk_level, 'none')
        end as scorecard_reason,
        -- trend
        {{ diagnosis_band(
            'score_delta_30d',
            -1 * var('trend_threshold_points'),
            -1 * var('diagnosis_trend_at_risk_points'),
            -1 * var('diagnosis_trend_critical_points'),
        ) }} as trend_verdict,
        case
            when score_delta_30d is null then 'no score {{ delta_days }} days before'
            else
                'score '
                || case when score_delta_30d >= 0 then '+' else '' end
                || {{ format_number('score_delta_30d', 0) }}
                || ' points in {{ delta_days }} days (from '
                || {{ format_number('health_score_30d_ago', 0) }} || ' to '
                || {{ format_number('health_score', 0) }} || ')'
        end as trend_reason,
        -- anomaly
        {{ diagnosis_band(
            'usage_baseline_z',
            var('diagnosis_anomaly_z_watch'),
            var('diagnosis_anomaly_z_at_risk'),
            var('diagnosis_anomaly_z_critical'),
        ) }} as anomaly_verdict,
        case
            when usage_baseline_z is not null
                then
                    'activity ' || {{ format_number('abs(usage_baseline_z)', 1) }} || ' sd '
                    || case when usage_baseline_z < 0 then 'below' else 'above' end
                    || ' its ' || cast(baseline_weeks as {{ dbt.type_string() }})
                    || '-week baseline ('
                    || cast(activity_this_week as {{ dbt.type_string() }})
                    || ' user-days this week, ' || {{ format_number('baseline_mean', 1) }}
                    || ' a week before)'
            when coalesce(baseline_weeks, 0) = 0
                then 'no baseline: no activity in the {{ weeks }} weeks before this one'
            else
                'only ' || cast(baseline_weeks as {{ dbt.type_string() }})
                || ' weeks of activity history (needs '
                || '{{ var("diagnosis_baseline_min_weeks") }})'
        end as anomaly_reason,
        -- cohort
        {{ diagnosis_band(
            'cohort_percentile',
            var('diagnosis_cohort_watch_percentile'),
            var('diagnosis_cohort_at_risk_percentile'),
            var('diagnosis_cohort_critical_percentile'),
            strict=true,
        ) }} as cohort_verdict,
        case
            when cohort_percentile is not null
                then
                    replace(
                        coalesce(cohort_phrase, '{value}'),
                        '{value}',
                        {{ format_factor_value('cohort_factor_value', 'cohort_factor_unit') }}
                    )
                    || ': percentile ' || {{ format_number('cohort_percentile', 0) }}
                    || ' among ' || cast(cohort_accounts as {{ dbt.type_string() }})
                    || ' peers (' || cohort_name || '), whose median is '
                    || {{ format_factor_value('cohort_median', 'cohort_factor_unit') }}
            when cohort_factor_value is null
                then 'no data for {{ var("diagnosis_cohort_factor") }}'
            else
                'fewer than {{ var("tier_min_peers") }} peers with a value for '
                || '{{ var("diagnosis_cohort_factor") }}'
        end as cohort_reason,
        -- rule flags
        case
            when rule_flag_points >= 3 then 'critical'
            when rule_flag_points = 2 then 'at_risk'
            when rule_flag_points = 1 then 'watch'
            when has_rule_evidence then 'healthy'
            else 'no_verdict'
        end as rule_flags_verdict,
        case
            when rule_flags_listed <> ''
                then
                    'in force: '
                    || substring(rule_flags_listed, 1, {{ dbt.length('rule_flags_listed') }} - 2)
            when has_rule_evidence then 'no rule flag in force'
            else 'no support, relationship or finance data to raise a flag'
        end as rule_flags_reason,
        -- churn probability
        {{ diagnosis_band(
            'churn_probability',
            var('diagnosis_churn_watch_probability'),
            var('diagnosis_churn_at_risk_probability'),
            var('diagnosis_churn_critical_probability'),
            worse='higher',
        ) }} as churn_probability_verdict,
        case
            when churn_probability is not null
                then
                    {{ format_number('100 * churn_probability', 0) }}
                    || '% chance that the next renewal is lost'
            else 'no probability: ' || coalesce(probability_note, 'no churn model')
        end as churn_probability_reason,
        -- measures the agreement reads
        health_score,
        data_completeness
    from flagged
)

select * from final
