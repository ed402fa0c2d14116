{#- The bookkeeping columns of a Salesforce staging model, as three select-list items:

    - loaded_at: var('connector_loaded_at_column') (`_fivetran_synced`; Airbyte
      `_airbyte_extracted_at`); in history mode (`_fivetran_start` present) when the version
      became valid (connector_loaded_at), so that the latest version wins downstream;
    - is_deleted: the connector's flag (`_fivetran_deleted`, var connector_deleted_column), or
      Salesforce's recycle bin (`is_deleted`), or, in history mode, a version that is no
      longer active (the last version of a deleted record; older versions lose to newer ones);
    - is_inactive_version: outside history mode, a row with `_fivetran_active = false` (left
      out, as the Fivetran package does: it keeps rows where the flag is true or null). -#}
{% macro salesforce_housekeeping(columns) -%}
    {%- set present = columns.keys() | list -%}
    {%- set loaded = var('connector_loaded_at_column', '_fivetran_synced') | lower -%}
    {%- set history = '_fivetran_start' in present -%}
    {%- if not present or history or loaded in present %}
        {{ connector_loaded_at(present) }} as loaded_at,
    {%- else %}
        cast(null as {{ dbt.type_timestamp() }}) as loaded_at,
    {%- endif %}
        (
            {{ connector_deleted(present, []) }}
            or coalesce({{ salesforce_column(columns, 'is_deleted', dbt.type_boolean()) }}, false)
            {%- if history %}
            or not coalesce({{ salesforce_column(columns, '_fivetran_active', dbt.type_boolean()) }}, true)
            {%- endif %}
        ) as is_deleted,
    {%- if not history and '_fivetran_active' in present %}
        not coalesce({{ salesforce_column(columns, '_fivetran_active', dbt.type_boolean()) }}, true)
            as is_inactive_version
    {%- else %}
        false as is_inactive_version
    {%- endif %}
{%- endmacro %}
