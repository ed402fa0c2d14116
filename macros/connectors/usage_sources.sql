{#- Helpers of the usage-family adapters (Pendo, Segment).

    The columns a connector source table really has (connector_columns), read from the table
    itself even inside a dbt unit test, where source() names the fixture CTE: the fixture has the
    real table's columns, so a mapping model's connector_column() then picks the same columns
    (and the same typed nulls for the optional ones an export lacks) as in a real build. The
    table is found as the sources yml finds it: vars <source>_database and <source>_schema. -#}
{% macro usage_source_columns(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if relation.identifier is not defined or relation.identifier.startswith('__dbt__cte__') -%}
        {%- set relation = api.Relation.create(
            database=var(source_name ~ '_database', none) or target.database or none,
            schema=var(source_name ~ '_schema', source_name),
            identifier=table_name,
        ) -%}
    {%- endif -%}
    {{ return(connector_columns(relation)) }}
{%- endmacro %}

{#- A connector table to read, which may not be in the warehouse: connectors sync only the
    objects enabled, and the source gate treats a missing table as a note, so the build must
    not fail on one. Returns a dict:
      relation: the source (or, when the table is missing, a stand-in with no rows),
      present: the table's columns (for the stand-in, a list no real column is in, so that
               every connector_column() of the model is a typed null).
    Models read every column through connector_column(), usage_column_quoted() and
    usage_loaded_at_or_null(), so that the stand-in compiles to a typed, empty relation. -#}
{% macro usage_connector_source(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set present = usage_source_columns(source_name, table_name) -%}
    {%- if execute and not present -%}
        {{ return({
            'relation': '(select 1 as no_table from (select 1 as one) as one_row where 1 = 0) as missing_'
                ~ table_name,
            'present': ['_no_' ~ table_name ~ '_table'],
        }) }}
    {%- endif -%}
    {{ return({'relation': relation, 'present': present}) }}
{%- endmacro %}

{#- connector_column() for a column whose name is a keyword (Pendo and Segment `timestamp`):
    quoted for the engine. -#}
{% macro usage_column_quoted(present, name, type) -%}
    {%- if not present or name | lower in present -%}
        cast({{ adapter.quote(name) }} as {{ type }})
    {%- else -%}
        cast(null as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- connector_loaded_at(), or a typed null when the table has no loaded-at column at all. -#}
{% macro usage_loaded_at_or_null(present) -%}
    {%- set loaded = var('connector_loaded_at_column', '_fivetran_synced') | lower -%}
    {%- if not present or loaded in present or '_fivetran_start' in present -%}
        {{ connector_loaded_at(present) }}
    {%- else -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}
