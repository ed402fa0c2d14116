{#- Seconds since 1970-01-01 for a UTC timestamp, as a double. dbt.datediff rounds hours
    differently per engine; differences of epoch seconds are exact everywhere. -#}
{% macro epoch_seconds(timestamp_expression) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'customer_health')(timestamp_expression)) }}
{%- endmacro %}

{% macro default__epoch_seconds(timestamp_expression) -%}
    cast(extract(epoch from {{ timestamp_expression }}) as {{ type_double() }})
{%- endmacro %}

{% macro duckdb__epoch_seconds(timestamp_expression) -%}
    cast(epoch({{ timestamp_expression }}) as {{ type_double() }})
{%- endmacro %}

{% macro spark__epoch_seconds(timestamp_expression) -%}
    cast(unix_timestamp({{ timestamp_expression }}) as double)
{%- endmacro %}
