{#- A column of a Salesforce table (`columns` from salesforce_columns), cast to `type`.

    `name` is the Fivetran (snake_case) name; the API spelling is found too: `account_id` also
    matches `AccountId` (the name without underscores, in any case) and a custom field
    `renewal_date_c` also matches `Renewal_Date__c`. A name that is not all lower case is
    quoted. When the table has none of them (or `name` is null, e.g. a custom-field var set to
    null) the result is `default` (a SQL expression; null when not given), so that a missing
    optional column is a missing signal, not a failed build. While parsing (no columns known)
    `name` is used as is. `prefix` qualifies the column with a table alias. -#}
{% macro salesforce_column(columns, name, type, default=none, prefix=none) -%}
    {%- set qualifier = (prefix ~ '.') if prefix else '' -%}
    {%- set found = [] -%}
    {%- if name -%}
        {%- set lowered = name | lower -%}
        {%- set spellings = [lowered, lowered | replace('_', '')] -%}
        {%- if lowered.endswith('_c') and not lowered.endswith('__c') -%}
            {%- do spellings.append(lowered[:-2] ~ '__c') -%}
        {%- endif -%}
        {%- if not columns -%}
            {%- do found.append(lowered) -%}
        {%- endif -%}
        {%- for spelling in spellings -%}
            {%- if not found and spelling in columns -%}
                {%- do found.append(columns[spelling]) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if found -%}
        {%- set column = found[0] if found[0] == found[0] | lower else adapter.quote(found[0]) -%}
        cast({{ qualifier }}{{ column }} as {{ type }})
    {%- else -%}
        cast({{ default if default is not none else 'null' }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- A reference to another record (an id), trimmed; null when empty. -#}
{% macro salesforce_reference(columns, name) -%}
    nullif(trim({{ salesforce_column(columns, name, dbt.type_string()) }}), '')
{%- endmacro %}
