{#- A timestamp as a UTC timestamp without time zone.

    Raw timestamp columns are timestamps with a time zone (the contract's `timestamptz`). The
    default works on DuckDB and Postgres: `at time zone 'UTC'` turns a timestamptz into the
    naive wall-clock time in UTC. Spark keeps session-local instants, so it needs its own form. -#}
{% macro to_utc(column) -%}
    {{ return(adapter.dispatch('to_utc', 'customer_health')(column)) }}
{%- endmacro %}

{% macro default__to_utc(column) -%}
    cast(({{ column }} at time zone 'UTC') as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro spark__to_utc(column) -%}
    to_utc_timestamp({{ column }}, 'UTC')
{%- endmacro %}
