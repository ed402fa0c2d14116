{#- A factor's raw value in plain words for explanations, by its unit in the factor catalogue:
    shares as percentages, changes signed, ratings out of 5, flags as yes/no. -#}
{% macro format_factor_value(value, unit) -%}
    case
        when {{ value }} is null then 'no data'
        when {{ unit }} = 'share' then {{ format_number(value ~ ' * 100', 0) }} || '%'
        when {{ unit }} in ('pct_change', 'pct_per_week')
            then case when {{ value }} >= 0 then '+' else '' end
            || {{ format_number(value ~ ' * 100', 0) }} || '%'
        when {{ unit }} in ('csat', 'sentiment') then {{ format_number(value, 1) }} || '/5'
        when {{ unit }} = 'ratio' then {{ format_number(value, 1) }} || 'x'
        when {{ unit }} = 'flag' then case when {{ value }} >= 1 then 'yes' else 'no' end
        else {{ format_number(value, 0) }} || ' ' || {{ unit }}
    end
{%- endmacro %}
