{#- The recent rows a nightly run tests in base_product__events and stg_product__events
    (get_where_subquery): the rows loaded in the last raw_lookback_hours before the latest load,
    when the base model is incremental (the raw contract, not on Spark); none when it is rebuilt
    whole every run. -#}
{% macro events_test_window() -%}
    {%- if shape_of('product') == 'contract' and target.type != 'spark' -%}
        {{ return({'column': 'loaded_at', 'datepart': 'hour', 'lookback_var': 'raw_lookback_hours'}) }}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
{%- endmacro %}
