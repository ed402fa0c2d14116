{#- A string with every character that is not a digit removed (for phone numbers).

    Most engines (Spark, Snowflake, BigQuery) replace every match by default; DuckDB and
    Postgres replace only the first match unless given the 'g' flag. -#}
{% macro strip_non_digits(column) -%}
    {{ return(adapter.dispatch('strip_non_digits', 'customer_health')(column)) }}
{%- endmacro %}

{% macro default__strip_non_digits(column) -%}
    regexp_replace(cast({{ column }} as {{ dbt.type_string() }}), '[^0-9]', '')
{%- endmacro %}

{% macro postgres__strip_non_digits(column) -%}
    regexp_replace(cast({{ column }} as {{ dbt.type_string() }}), '[^0-9]', '', 'g')
{%- endmacro %}

{% macro duckdb__strip_non_digits(column) -%}
    regexp_replace(cast({{ column }} as {{ dbt.type_string() }}), '[^0-9]', '', 'g')
{%- endmacro %}
