{#- The techniques of the diagnosis, in the order their columns appear: each has a
    <technique>_verdict and a <technique>_reason column in int_diagnosis__technique_verdicts
    and the diagnosis marts. With voting=true, only those of var diagnosis_voting_techniques:
    the verdicts that count in the agreement (an unknown name there is an error). -#}
{% macro diagnosis_techniques(voting=false) -%}
    {%- set techniques = ['scorecard', 'trend', 'anomaly', 'cohort', 'rule_flags', 'churn_probability'] %}
    {%- if not voting %}
        {{- return(techniques) }}
    {%- endif %}
    {%- set chosen = var('diagnosis_voting_techniques', techniques) or [] %}
    {%- for technique in chosen if technique not in techniques %}
        {{- exceptions.raise_compiler_error(
            "var diagnosis_voting_techniques: unknown technique '" ~ technique
            ~ "' (known: " ~ techniques | join(', ') ~ ")"
        ) }}
    {%- endfor %}
    {{- return(techniques | select('in', chosen) | list) }}
{%- endmacro %}
