{#- The verdict of a measure cut at three thresholds, on the diagnosis scale: critical at or
    beyond `critical`, at_risk at or beyond `at_risk`, watch at or beyond `watch`, else
    healthy; no_verdict when the measure is null. `worse` says which way is worse: 'lower'
    (at or below the thresholds) or 'higher' (at or above them); strict=true leaves the
    thresholds themselves on the better side (strictly below or above). -#}
{% macro diagnosis_band(measure, watch, at_risk, critical, worse='lower', strict=false) -%}
    {%- set op = ('<' if worse == 'lower' else '>') ~ ('' if strict else '=') %}
    case
        when {{ measure }} is null then 'no_verdict'
        when {{ measure }} {{ op }} {{ critical }} then 'critical'
        when {{ measure }} {{ op }} {{ at_risk }} then 'at_risk'
        when {{ measure }} {{ op }} {{ watch }} then 'watch'
        else 'healthy'
    end
{%- endmacro %}
