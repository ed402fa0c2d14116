{#- The public columns of the account health marts, in contract order. mart_account_health and
    mart_account_health_history share them, so the current state is exactly the last date of
    the history. -#}
{% macro account_health_columns(relation) -%}
        -- ids
        {{ relation }}.account_id,
        {{ relation }}.org_id,
        -- dimensions
        {{ relation }}.account_name,
        {{ relation }}.segment,
        {{ relation }}.industry,
        {{ relation }}.region,
        {{ relation }}.owner_csm,
        -- money
        {{ relation }}.arr_reporting,
        {{ relation }}.reporting_currency,
        -- scores
        {{ relation }}.usage_score,
        {{ relation }}.support_score,
        {{ relation }}.relationship_score,
        {{ relation }}.finance_score,
        {{ relation }}.health_score,
        {{ relation }}.data_completeness,
        {{ families_missing(relation) }} as families_missing,
        {{ relation }}.segment_percentile,
        {{ relation }}.health_tier,
        {{ relation }}.risk_level,
        -- trend
        {{ relation }}.score_delta_7d,
        {{ relation }}.score_delta_30d,
        {{ relation }}.trend_direction,
        {{ relation }}.trend_adjusted_risk,
        -- rule flags and anomaly
        {{ relation }}.rule_flags,
        {{ relation }}.rule_flag_count,
        {{ relation }}.is_champion_left,
        {{ relation }}.is_repeated_payment_failure,
        {{ relation }}.is_urgent_ticket_aging,
        {{ relation }}.is_downgrade_request,
        {{ relation }}.is_usage_anomaly,
        {{ relation }}.usage_anomaly_z,
        -- explanation
        {{ relation }}.top_drivers,
        {{ relation }}.main_driver,
        {{ relation }}.explanation,
        {{ relation }}.playbook,
        {{ relation }}.recommended_action,
        -- CSM override
        {{ relation }}.final_tier,
        {{ relation }}.is_overridden,
        {{ relation }}.override_reason,
        {{ relation }}.override_expires_at,
        -- priority
        {{ relation }}.days_to_renewal,
        {{ relation }}.next_renewal_date,
        {{ relation }}.priority_score,
        {{ relation }}.priority_rank,
        -- churn probability
        {{ relation }}.churn_probability,
        {{ relation }}.churn_probability_low,
        {{ relation }}.churn_probability_high,
        {{ relation }}.probability_note,
        -- metadata
        {{ relation }}.weights_version,
        {{ relation }}.score_date
{%- endmacro %}
