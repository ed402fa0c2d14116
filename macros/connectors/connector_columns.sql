{#- The columns a connector table really has, lower-cased (read from the warehouse when the
    model compiles; empty while parsing). Connectors land more columns than any package reads,
    and a given export may lack one the documentation lists: mapping models select the columns
    they need through connector_column(), so a missing optional column becomes a missing signal
    (a typed null) instead of a failed build. -#}
{% macro connector_columns(relation) -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(present) }}
{%- endmacro %}

{#- The first of `names` (a column name, or a list of spellings such as ['stage_name',
    'stagename']) that the table has, cast to `type`; `default` (a SQL expression, null when
    not given) when it has none of them. While parsing (no columns known) the first name is
    used. The expression is qualified with `prefix` (a table alias) when one is given. -#}
{% macro connector_column(present, names, type, default=none, prefix=none) -%}
    {%- set spellings = [names] if names is string else names -%}
    {%- set qualifier = (prefix ~ '.') if prefix else '' -%}
    {%- set found = [] -%}
    {%- for name in spellings -%}
        {%- if not found and (not present or name | lower in present) -%}
            {%- do found.append(name | lower) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if found -%}
        cast({{ qualifier }}{{ found[0] }} as {{ type }})
    {%- else -%}
        cast({{ default if default is not none else 'null' }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- The loaded-at timestamp of a connector row: var('connector_loaded_at_column')
    (`_fivetran_synced` for Fivetran, `_airbyte_extracted_at` for Airbyte), as UTC. With
    history mode (`_fivetran_start` present) each version is dated by when it became valid,
    so that the base model's "latest version wins" takes the current version. -#}
{% macro connector_loaded_at(present, prefix=none) -%}
    {%- set qualifier = (prefix ~ '.') if prefix else '' -%}
    {%- set loaded = var('connector_loaded_at_column', '_fivetran_synced') -%}
    {%- if present and '_fivetran_start' in present -%}
        cast(coalesce({{ qualifier }}_fivetran_start, {{ qualifier }}{{ loaded }}) as {{ dbt.type_timestamp() }})
    {%- else -%}
        cast({{ qualifier }}{{ loaded }} as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{#- Whether a connector row is deleted: the connector's delete flag
    (var('connector_deleted_column'), `_fivetran_deleted` by default; Airbyte lands none by
    default, set the var to null) or the application's own flag (`app_flags`, e.g. ['is_deleted']
    for Salesforce and Stripe), whichever the table has. False when it has none. -#}
{% macro connector_deleted(present, app_flags=[], prefix=none) -%}
    {%- set qualifier = (prefix ~ '.') if prefix else '' -%}
    {%- set flags = [] -%}
    {%- set connector_flag = var('connector_deleted_column', '_fivetran_deleted') -%}
    {%- for name in ([connector_flag] if connector_flag else []) + app_flags -%}
        {%- if name and (name | lower in present) -%}
            {%- do flags.append('coalesce(cast(' ~ qualifier ~ (name | lower) ~ ' as ' ~ dbt.type_boolean() ~ '), false)') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if flags -%}
        ({{ flags | join(' or ') }})
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{#- A website, URL or email address reduced to its lower-case domain: no scheme, no `www.`, no
    path or port; for an email, what follows the @. Null when nothing is left. -#}
{% macro normalize_domain(expression) -%}
    {%- set lowered = "lower(trim(cast(" ~ expression ~ " as " ~ dbt.type_string() ~ ")))" -%}
    {%- set host -%}
        case
            when {{ dbt.position("'@'", lowered) }} > 0 then {{ dbt.split_part(lowered, "'@'", 2) }}
            else {{ dbt.split_part(
                "replace(replace(" ~ lowered ~ ", 'https://', ''), 'http://', '')", "'/'", 1
            ) }}
        end
    {%- endset -%}
    {%- set bare = dbt.split_part(dbt.split_part("(" ~ host ~ ")", "':'", 1), "'?'", 1) -%}
    nullif(
        case when substr({{ bare }}, 1, 4) = 'www.' then substr({{ bare }}, 5) else {{ bare }} end,
        ''
    )
{%- endmacro %}
