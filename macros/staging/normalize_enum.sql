{#- An enumeration value in canonical form: trimmed, lowercase, with spaces and hyphens turned
    into underscores ('Closed Lost' and 'closed-lost' both become 'closed_lost'). An empty
    string becomes null. -#}
{% macro normalize_enum(column) -%}
    nullif(replace(replace(lower(trim(cast({{ column }} as {{ dbt.type_string() }}))), '-', '_'), ' ', '_'), '')
{%- endmacro %}
