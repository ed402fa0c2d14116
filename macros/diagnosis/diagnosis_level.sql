{#- A verdict's place on the one risk scale of the diagnosis: healthy 0, watch 1, at_risk 2,
    critical 3; null for no_verdict (or anything else), which counts neither way. -#}
{% macro diagnosis_level(verdict) -%}
    case {{ verdict }}
        when 'healthy' then 0
        when 'watch' then 1
        when 'at_risk' then 2
        when 'critical' then 3
    end
{%- endmacro %}
