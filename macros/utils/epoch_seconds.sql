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

{#- unix_timestamp() drops the fraction of a second; microseconds keep it, as DuckDB's epoch()
    and Postgres' extract(epoch ...) do -#}
{% macro spark__epoch_seconds(timestamp_expression) -%}
    cast(unix_micros(cast({{ timestamp_expression }} as timestamp)) as double) / 1000000
{%- endmacro %}
