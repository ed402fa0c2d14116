{#- Refresh the planner statistics of a table the model just built. Postgres leaves a new
    table without statistics until autovacuum gets to it, and its planner then guesses a
    handful of rows and picks nested loops over hundreds of thousands. Other engines: no-op. -#}
{% macro analyze_relation(relation) -%}
    {{ return(adapter.dispatch('analyze_relation', 'customer_health')(relation)) }}
{%- endmacro %}

{% macro default__analyze_relation(relation) -%}
    select 1 as analyzed
{%- endmacro %}

{% macro postgres__analyze_relation(relation) -%}
    analyze {{ relation }}
{%- endmacro %}
