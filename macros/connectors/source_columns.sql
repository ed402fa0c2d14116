{#- The columns a connector source table really has (connector_columns), read from the table
    itself even inside a dbt unit test, where source() names the fixture CTE: the fixture has the
    real table's columns, so a mapping model's connector_column() then picks the same columns
    (and the same typed nulls for the optional ones an export lacks) as in a real build. The
    table is found as the sources yml finds it: vars <source>_database and <source>_schema. -#}
{% macro source_columns(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if relation.identifier is not defined or relation.identifier.startswith('__dbt__cte__') -%}
        {%- set relation = api.Relation.create(
            database=var(source_name ~ '_database', none) or target.database,
            schema=var(source_name ~ '_schema', source_name),
            identifier=table_name,
        ) -%}
    {%- endif -%}
    {{ return(connector_columns(relation)) }}
{%- endmacro %}
