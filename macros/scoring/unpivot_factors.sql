{#- Turn a wide CTE of factor columns into the long form (account_id, org_id, score_date,
    factor_name, raw_value) that the scoring models read. -#}
{% macro unpivot_factors(cte_name, factor_columns) -%}
    {% for factor in factor_columns -%}
        select
            account_id,
            org_id,
            score_date,
            '{{ factor }}' as factor_name,
            -- rounded so that engines agree exactly (ties in peer ranks, '0%' against '-0%')
            {{ round_score(factor) }} as raw_value
        from {{ cte_name }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
{%- endmacro %}
