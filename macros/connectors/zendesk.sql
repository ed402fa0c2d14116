{#- The columns a Zendesk table really has (connector_columns), read from the table the
    `zendesk` source names (vars zendesk_database, zendesk_schema) rather than from the relation
    a model selects from: in a dbt unit test that relation is a fixture CTE, whose columns are
    the real table's. Empty when the table does not exist. -#}
{% macro zendesk_columns(table_name) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(
        database=var('zendesk_database', none) or target.database or none,
        schema=var('zendesk_schema', 'zendesk'),
        identifier=table_name,
    ) -%}
    {{ return(connector_columns(relation) if relation is not none else []) }}
{%- endmacro %}
