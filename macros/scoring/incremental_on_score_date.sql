{#- The config of a factor or scoring model that is incremental on score_date (DECISIONLOG 43):
    whole dates are replaced (delete+insert on score_date; on Spark's parquet an overwrite of
    the score_date partitions), a column added by an upgrade is appended, and the post-hook
    removes the dates that `pairs_model` no longer has (the model whose account and score date
    pairs the model scores, the one it passes to scoring_dates_to_build; the model must ref
    it). A nightly run tests the dates it rewrites (meta test_window, get_where_subquery).
    Use: {{ config(**incremental_on_score_date('int_scoring__account_dates')) }} -#}
{% macro incremental_on_score_date(pairs_model) -%}
    {{ return({
        'materialized': 'incremental',
        'unique_key': 'score_date',
        'incremental_strategy': 'insert_overwrite' if target.type == 'spark' else 'delete+insert',
        'partition_by': ['score_date'] if target.type == 'spark' else none,
        'on_schema_change': 'append_new_columns',
        'meta': {'test_window': score_date_test_window()},
        'post_hook': [
            "{{ prune_history_dates(this, ref('" ~ pairs_model ~ "'), history_only=false) }}"
        ],
    }) }}
{%- endmacro %}


{#- The recent rows a nightly run tests in a model incremental on score_date (get_where_subquery):
    the score dates of the last history_lookback_days. -#}
{% macro score_date_test_window() -%}
    {{ return({'column': 'score_date', 'datepart': 'day', 'lookback_var': 'history_lookback_days'}) }}
{%- endmacro %}
