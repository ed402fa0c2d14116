{#- The recent rows a nightly run tests in base_product__events (key record_key) and
    stg_product__events (key event_id), see get_where_subquery: the rows loaded in the last
    raw_lookback_hours before the latest load, and every row sharing a key with one of them,
    when the base model is incremental (the raw contract, not on Spark); none when it is rebuilt
    whole every run. -#}
{% macro events_test_window(key) -%}
    {%- if shape_of('product') == 'contract' and target.type != 'spark' -%}
        {{ return({
            'column': 'loaded_at', 'datepart': 'hour', 'lookback_var': 'raw_lookback_hours',
            'key': key,
        }) }}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
{%- endmacro %}
