{#- Fails on rows where the expression is not true (dbt-utils' expression_is_true). -#}
{% test expression_is_true(model, expression, where_clause=none) %}
    select *
    from {{ model }}
    where
        not ({{ expression }})
        {%- if where_clause %}
        and ({{ where_clause }})
        {%- endif %}
{% endtest %}
