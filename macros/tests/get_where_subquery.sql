{#- dbt's own macro, which gives a generic test the relation it checks (with the test's `where`
    config applied), with one addition: when the var tests_on_recent_rows is true, a test of a
    model whose meta has a test_window checks only that model's recent rows, the rows a nightly
    run rewrites (DECISIONLOG 49). The model's meta:
        test_window: {column: score_date, datepart: day, lookback_var: history_lookback_days,
                      key: record_key}
    keeps the rows from that many dateparts before the latest value of the column the table
    holds, and the rows whose column is null (a not_null test of it still fails). With `key`
    (a model whose key is not made of the window column), also every row that shares a key with
    a recent row, and the rows without a key: a unique test still sees a new row that repeats
    an old key. -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- if execute and var('tests_on_recent_rows', false) -%}
        {%- set node = graph.nodes.get(model.get('attached_node') or '') or {} -%}
        {%- set window = node.get('config', {}).get('meta', {}).get('test_window') -%}
        {%- if window and node.get('alias') == relation.identifier -%}
            {%- set column = window['column'] -%}
            {%- set since = dbt.dateadd(
                window.get('datepart', 'day'),
                -1 * var(window['lookback_var']),
                'max(' ~ column ~ ')',
            ) -%}
            {%- set recent = column ~ ' >= (select ' ~ since ~ ' from ' ~ relation ~ ')' -%}
            {%- set kept = [recent, column ~ ' is null'] -%}
            {%- if window.get('key') -%}
                {%- set key = window['key'] -%}
                {%- do kept.append(key ~ ' is null') -%}
                {%- do kept.append(
                    key ~ ' in (select ' ~ key ~ ' from ' ~ relation ~ ' where ' ~ recent ~ ')'
                ) -%}
            {%- endif -%}
            {%- do conditions.append('(' ~ kept | join(' or ') ~ ')') -%}
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
