{#- The families with no data for an account (their score is null), as a comma-separated list
    in family order, e.g. 'support, finance'; null when every family had data. -#}
{% macro families_missing(relation) -%}
    {%- set listed -%}
        (
            case when {{ relation }}.usage_score is null then 'usage, ' else '' end
            || case when {{ relation }}.support_score is null then 'support, ' else '' end
            || case when {{ relation }}.relationship_score is null then 'relationship, ' else '' end
            || case when {{ relation }}.finance_score is null then 'finance, ' else '' end
        )
    {%- endset -%}
    case
        when {{ dbt.length(listed) }} > 0
            then substring({{ listed }}, 1, {{ dbt.length(listed) }} - 2)
    end
{%- endmacro %}
