{#- Fails on rows whose column lies outside [min_value, max_value] (either bound optional);
    GX's expect_column_values_to_be_between. Nulls pass: test them with not_null. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    select *
    from {{ model }}
    where
        {{ column_name }} is not null
        and (
            1 = 0
            {%- if min_value is not none %}
            or {{ column_name }} {{ "<" if inclusive else "<=" }} {{ min_value }}
            {%- endif %}
            {%- if max_value is not none %}
            or {{ column_name }} {{ ">" if inclusive else ">=" }} {{ max_value }}
            {%- endif %}
        )
{% endtest %}
