{#- Helpers of the HubSpot adapter (models/staging/hubspot, docs/connectors/hubspot.md). -#}

{#- The columns of a HubSpot table (lower-cased), read from the warehouse when the model
    compiles: connector_column() then turns a column this export lacks into a typed null. A
    table that is not there at all (Fivetran syncs only the objects enabled) gives
    ['__absent__']: hubspot_from() then reads no row from it, and every column is a typed null,
    so a missing optional table is a missing signal, not a failed build. Empty while parsing.
    The table is looked up by name (var hubspot_schema, hubspot_database), so that this also
    works inside a unit test, where source() names a fixture. -#}
{% macro hubspot_columns(table_name) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(
        database=var('hubspot_database', none) or target.database or none,
        schema=var('hubspot_schema', 'hubspot'),
        identifier=table_name,
    ) -%}
    {%- if relation is none -%}
        {{ return(['__absent__']) }}
    {%- endif -%}
    {{ return(connector_columns(relation)) }}
{%- endmacro %}

{#- What a model selects from: the HubSpot table, or no row when the table is absent. -#}
{% macro hubspot_from(table_name, present) -%}
    {%- if '__absent__' in present -%}
        (select 1 as absent_table where 1 = 0) as {{ table_name }}
    {%- else -%}
        {{ source('hubspot', table_name) }} as {{ table_name }}
    {%- endif -%}
{%- endmacro %}

{#- The loaded-at timestamp of a HubSpot row (connector_loaded_at), null for an absent table. -#}
{% macro hubspot_loaded_at(present) -%}
    {%- if '__absent__' in present -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- else -%}
        {{ connector_loaded_at(present) }}
    {%- endif -%}
{%- endmacro %}

{#- A HubSpot property named by a var (its internal name, with or without the `property_`
    prefix Fivetran adds), cast to `type`; a typed null when the table has no such column. -#}
{% macro hubspot_property(present, var_name, default, type) -%}
    {%- set name = (var(var_name, default) or '') | string | lower | trim -%}
    {%- if not name -%}
        cast(null as {{ type }})
    {%- else -%}
        {%- set column = name if name.startswith('property_') else 'property_' ~ name -%}
        {{ connector_column(present, column, type) }}
    {%- endif -%}
{%- endmacro %}

{#- `expression in (values)`, compared in lower case; false for an empty list. -#}
{% macro hubspot_in(expression, values) -%}
    {%- set items = [] -%}
    {%- for value in (values or []) -%}
        {%- do items.append("'" ~ (value | string | lower | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- if items -%}
        lower(trim({{ expression }})) in ({{ items | join(', ') }})
    {%- else -%}
        1 = 0
    {%- endif -%}
{%- endmacro %}
