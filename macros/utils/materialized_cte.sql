{#- The keyword that makes Postgres compute a CTE once instead of inlining it.

    Postgres inlines a CTE that is read once into the query that reads it: a chain of
    `select *, <expression>` CTEs whose expressions read the columns of the one before becomes
    one expression tree in which every reference repeats the whole expression it names (and
    JIT then compiles that tree). On int_diagnosis__agreement this cost seconds per thousand
    rows. `<name> as {{ materialized_cte() }} (...)` computes the CTE once, as DuckDB and Spark
    already do. The default is nothing: `materialized` is not standard SQL. -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'customer_health')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}

{% macro postgres__materialized_cte() -%}
    materialized
{%- endmacro %}
