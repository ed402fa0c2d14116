{#- Integers 0 .. 10^digits - 1 as a subquery column `n`, from cross joins of ten digits.
    Portable: no generate_series, no recursive CTE. -#}
{% macro numbers(digits=4) -%}
    select
        {% for i in range(digits) -%}
            d{{ i }}.n * {{ 10 ** i }}{{ " + " if not loop.last }}
        {%- endfor %} as n
    from
        {% for i in range(digits) -%}
            (
                select 0 as n union all select 1 union all select 2 union all select 3
                union all select 4 union all select 5 union all select 6 union all select 7
                union all select 8 union all select 9
            ) as d{{ i }}{{ "," if not loop.last }}
        {% endfor %}
{%- endmacro %}
