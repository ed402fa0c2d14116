{#- A number as text with a fixed count of decimals ("38", "0.5"), the same on every engine. -#}
{% macro format_number(expression, decimals=0) -%}
    cast(cast(round(cast({{ expression }} as decimal(18, {{ decimals + 2 }})), {{ decimals }}) as decimal(18, {{ decimals }})) as {{ dbt.type_string() }})
{%- endmacro %}
