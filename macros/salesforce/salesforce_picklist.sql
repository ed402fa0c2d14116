{#- Picklist values (org-defined, stored as their API value) compared the same way on both
    sides: lower case, trimmed, `_` and `-` read as spaces. -#}
{% macro salesforce_picklist_key(expression) -%}
    replace(replace(lower(trim(cast({{ expression }} as {{ dbt.type_string() }}))), '_', ' '), '-', ' ')
{%- endmacro %}

{% macro salesforce_picklist_literals(values) -%}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- set key = (value | string | lower | trim | replace('_', ' ') | replace('-', ' ')) -%}
        {%- do literals.append("'" ~ (key | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {{ return(literals | join(', ') if literals else "''") }}
{%- endmacro %}

{#- The contract value of a picklist: `mapping` is a dict from the contract value to the
    picklist values that mean it, e.g. {'active': ['Customer'], 'churned': ['Former Customer']}
    (a var). Null when the value is null or in none of the lists. -#}
{% macro salesforce_picklist(expression, mapping) -%}
    case
        {%- for target, values in mapping.items() %}
        when {{ salesforce_picklist_key(expression) }} in ({{ salesforce_picklist_literals(values) }})
            then '{{ target }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- Whether a picklist value is one of `values` (false when null). -#}
{% macro salesforce_in_picklist(expression, values) -%}
    coalesce({{ salesforce_picklist_key(expression) }} in ({{ salesforce_picklist_literals(values) }}), false)
{%- endmacro %}
