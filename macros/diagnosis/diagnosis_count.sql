{#- How many techniques meet a condition: the sum, over diagnosis_techniques(), of 1 when the
    condition holds for the technique, 0 otherwise (null counts 0). The condition names the
    technique as {t}, e.g. diagnosis_count("{t}_level >= 2"). -#}
{% macro diagnosis_count(condition) -%}
    (
    {%- for technique in diagnosis_techniques() %}
        case when {{ condition | replace('{t}', technique) }} then 1 else 0 end
        {%- if not loop.last %} +{% endif %}
    {%- endfor %}
    )
{%- endmacro %}
