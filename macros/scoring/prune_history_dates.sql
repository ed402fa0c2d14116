{#- The post-hook of mart_account_health_history: remove the rows of dates that are no longer
    history dates (the previous run's as_of_date, when it was not on the score grain). With
    history_only=false (the incremental factor models), the rows of dates that are no longer
    score dates at all: those tables also hold the current score's comparison dates.

    Default: a delete. Spark's parquet tables take no delete (it needs Delta); the history is
    partitioned by score_date there, and each such date's partition is dropped. -#}
{% macro prune_history_dates(relation, score_dates, history_only=true) -%}
    {{ return(adapter.dispatch('prune_history_dates', 'customer_health')(relation, score_dates, history_only)) }}
{%- endmacro %}

{% macro default__prune_history_dates(relation, score_dates, history_only=true) -%}
    delete from {{ relation }} where score_date not in (select score_date from {{ score_dates }}{{ ' where is_history_date' if history_only else '' }})
{%- endmacro %}

{% macro spark__prune_history_dates(relation, score_dates, history_only=true) -%}
    {%- if execute -%}
        {%- set stale = run_query(
            "select distinct cast(score_date as string) as score_date from " ~ relation
            ~ " where score_date not in (select score_date from " ~ score_dates
            ~ (" where is_history_date" if history_only else "") ~ ")"
        ) -%}
        {%- for row in stale.rows -%}
            {%- do run_query(
                "alter table " ~ relation ~ " drop if exists partition (score_date = '"
                ~ row[0] ~ "')"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
