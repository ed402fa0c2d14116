{#- The columns a Salesforce table really has, as a dict from the lower-case name to the name
    as landed (Fivetran snake_cases the API names, `account_id`; some connectors keep the API
    spelling, `AccountId`). Read from the warehouse at the table the sources yml points to
    (vars salesforce_database, salesforce_schema, salesforce_<table>_identifier), so that a unit
    test, whose source is a fixture, sees the real table's columns. Empty while parsing; a
    table the warehouse does not have gives {'__missing__': '__missing__'}, so that every
    column of it reads as a typed null (salesforce_column) and the model selects no rows
    (salesforce_table_missing). -#}
{% macro salesforce_columns(table_name) -%}
    {%- set found = {} -%}
    {%- if execute -%}
        {%- set relation = adapter.get_relation(
            database=var('salesforce_database', none) or target.database or none,
            schema=var('salesforce_schema', 'salesforce'),
            identifier=var('salesforce_' ~ table_name ~ '_identifier', table_name),
        ) -%}
        {%- if relation is none -%}
            {%- do found.update({'__missing__': '__missing__'}) -%}
        {%- else -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do found.update({column.name | lower: column.name}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}

{#- Whether salesforce_columns() found no such table (the object is not synced). -#}
{% macro salesforce_table_missing(columns) -%}
    {{ return('__missing__' in columns) }}
{%- endmacro %}
