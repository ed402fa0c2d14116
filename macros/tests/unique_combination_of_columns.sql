{#- Fails on every combination of the columns that appears more than once (dbt-utils' test,
    named after GX's expect_compound_columns_to_be_unique). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {% for column in combination_of_columns %}{{ loop.index }}{{ ", " if not loop.last }}{% endfor %}
    having count(*) > 1
{% endtest %}
