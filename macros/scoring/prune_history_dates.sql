{#- The post-hook of mart_account_health_history: remove the rows of dates that are no longer
    history dates (the previous run's as_of_date, when it was not on the score grain).

    Default: a delete. Spark's parquet tables take no delete (it needs Delta); the history is
    partitioned by score_date there, and each such date's partition is dropped. -#}
{% macro prune_history_dates(relation, score_dates) -%}
    {{ return(adapter.dispatch('prune_history_dates', 'customer_health')(relation, score_dates)) }}
{%- endmacro %}

{% macro default__prune_history_dates(relation, score_dates) -%}
    delete from {{ relation }} where score_date not in (select score_date from {{ score_dates }} where is_history_date)
{%- endmacro %}

{% macro spark__prune_history_dates(relation, score_dates) -%}
    {%- if execute -%}
        {%- set stale = run_query(
            "select distinct cast(score_date as string) as score_date from " ~ relation
            ~ " where score_date not in (select score_date from " ~ score_dates
            ~ " where is_history_date)"
        ) -%}
        {%- for row in stale.rows -%}
            {%- do run_query(
                "alter table " ~ relation ~ " drop if exists partition (score_date = '"
                ~ row[0] ~ "')"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
