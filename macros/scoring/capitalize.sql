{#- First letter upper-cased ("usage" -> "Usage"); initcap is not on every engine. -#}
{% macro capitalize(expression) -%}
    upper(substring({{ expression }}, 1, 1)) || substring({{ expression }}, 2)
{%- endmacro %}
