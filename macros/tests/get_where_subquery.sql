{#- dbt's own macro, which gives a generic test the relation it checks (with the test's `where`
    config applied), with one addition: when the var tests_on_recent_rows is true, a test of a
    model whose meta has a test_window checks only that model's recent rows, the rows a nightly
    run rewrites (DECISIONLOG 49). The model's meta:
        test_window: {column: score_date, datepart: day, lookback_var: history_lookback_days}
    keeps the rows from that many dateparts before the latest value of the column the table
    holds. `customer-health run` sets the var on a warehouse that already holds a build; every
    other build tests whole tables. One macro on purpose: a test sees only the macros this
    one calls directly. -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- if execute and var('tests_on_recent_rows', false) -%}
        {%- set node = graph.nodes.get(model.get('attached_node') or '') or {} -%}
        {%- set window = node.get('config', {}).get('meta', {}).get('test_window') -%}
        {%- if window and node.get('alias') == relation.identifier -%}
            {%- set since = dbt.dateadd(
                window.get('datepart', 'day'),
                -1 * var(window['lookback_var']),
                'max(' ~ window['column'] ~ ')',
            ) -%}
            {%- do conditions.append(
                window['column'] ~ ' >= (select ' ~ since ~ ' from ' ~ relation ~ ')'
            ) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
