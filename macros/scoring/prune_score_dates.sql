{#- The post-hook of the incremental factor models: remove the rows of dates that are no
    longer score dates (the previous run's as_of_date and its comparison dates, when they are
    not on the score grain). prune_history_dates does the same for the history mart, which
    keeps only the history dates.

    Default: a delete. Spark's parquet tables take no delete (it needs Delta); the factor
    models are partitioned by score_date there, and each such date's partition is dropped. -#}
{% macro prune_score_dates(relation, score_dates) -%}
    {{ return(adapter.dispatch('prune_score_dates', 'customer_health')(relation, score_dates)) }}
{%- endmacro %}

{% macro default__prune_score_dates(relation, score_dates) -%}
    delete from {{ relation }} where score_date not in (select score_date from {{ score_dates }})
{%- endmacro %}

{% macro spark__prune_score_dates(relation, score_dates) -%}
    {%- if execute -%}
        {%- set stale = run_query(
            "select distinct cast(score_date as string) as score_date from " ~ relation
            ~ " where score_date not in (select score_date from " ~ score_dates ~ ")"
        ) -%}
        {%- for row in stale.rows -%}
            {%- do run_query(
                "alter table " ~ relation ~ " drop if exists partition (score_date = '"
                ~ row[0] ~ "')"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
