{#- dbt.listagg on Spark, in order. dbt-spark's own spark__listagg ignores the order by (with a
    warning) and collect_list's order is not defined, so a list (and the weights_version hash
    made from one) could differ from DuckDB's and Postgres' and from run to run. Here the values
    are collected with their sort key and sorted: `order by <one expression>` (ascending), and
    `distinct` when the order is the measure itself, which is every use in this project.
    Overrides dbt-spark's macro: the root project's macros are searched first. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- set measure_text = measure | trim -%}
    {%- set is_distinct = measure_text.lower().startswith('distinct ') -%}
    {%- set value = (measure_text[9:] | trim) if is_distinct else measure_text -%}
    {%- set order = none -%}
    {%- if order_by_clause -%}
        {%- set clause = order_by_clause | trim -%}
        {%- if not clause.lower().startswith('order by ') or ',' in clause
            or clause.lower().endswith(' desc') -%}
            {{ exceptions.raise_compiler_error(
                "spark__listagg takes `order by <one expression>` (ascending), not: " ~ clause) }}
        {%- endif -%}
        {%- set order = clause[9:] | trim -%}
    {%- endif -%}
    {%- if is_distinct -%}
        {%- if order is not none and order | lower != value | lower -%}
            {{ exceptions.raise_compiler_error(
                "spark__listagg with distinct orders by the measure only, not: " ~ order) }}
        {%- endif -%}
        {%- set collected = 'array_sort(collect_set(' ~ value ~ '))' -%}
    {%- elif order is none -%}
        {%- set collected = 'collect_list(' ~ value ~ ')' -%}
    {%- else -%}
        {%- set collected = "transform(array_sort(collect_list(named_struct('o', " ~ order
            ~ ", 'v', " ~ value ~ "))), x -> x.v)" -%}
    {%- endif -%}
    {%- if limit_num -%}
        {%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}
    {%- endif -%}
    array_join({{ collected }}, {{ delimiter_text }})
{%- endmacro %}
