{#- Round a score to 6 decimals and keep it a double: floating-point sums taken in a different
    order on another engine then land on the same value, and on the same side of a tier
    boundary. -#}
{% macro round_score(expression) -%}
    cast(round(cast({{ expression }} as decimal(18, 8)), 6) as {{ type_double() }})
{%- endmacro %}
