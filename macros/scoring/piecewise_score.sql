{#- Piecewise-linear sub-score from 0 to 100: bad_value scores 0, ok_value 50, good_value 100,
    linear in between and clamped outside. Works in both directions: when bad_value > good_value
    lower raw values are better. A null raw value stays null (missing, never 0). -#}
{% macro piecewise_score(value, bad, ok, good) -%}
    case
        when {{ value }} is null then null
        when ({{ value }} - {{ bad }}) * ({{ good }} - {{ bad }}) <= 0 then 0.0
        when ({{ value }} - {{ good }}) * ({{ good }} - {{ bad }}) >= 0 then 100.0
        when ({{ value }} - {{ ok }}) * ({{ good }} - {{ bad }}) < 0
            then 50.0 * ({{ value }} - {{ bad }}) / ({{ ok }} - {{ bad }})
        else 50.0 + 50.0 * ({{ value }} - {{ ok }}) / ({{ good }} - {{ ok }})
    end
{%- endmacro %}
