{#- The techniques of the diagnosis, in the order their columns appear: each has a
    <technique>_verdict and a <technique>_reason column in int_diagnosis__technique_verdicts
    and the diagnosis marts. -#}
{% macro diagnosis_techniques() -%}
    {{ return(['scorecard', 'trend', 'anomaly', 'cohort', 'rule_flags', 'churn_probability']) }}
{%- endmacro %}
