{#- A 64-bit float. type_double() renders `float`, which is 32-bit on DuckDB: scores would
    lose precision and stop matching across engines. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'customer_health')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}
