{#- The filter of an incremental factor model's score dates (use it inside
    `{% if is_incremental() %}`): the dates from history_lookback_days before the latest
    score_date already in the table (late rows are picked up), and every date the table does
    not hold yet (new dates, or a comparison date of an as_of_date moved back). -#}
{% macro score_date_to_build(column) -%}
    (
        {{ column }} >= (
            select cast({{ dbt.dateadd('day', -1 * var('history_lookback_days'), 'max(score_date)') }} as date)
            from {{ this }}
        )
        -- distinct: a small list, that Postgres hashes instead of scanning per row
        or {{ column }} not in (select distinct built.score_date from {{ this }} as built)
    )
{%- endmacro %}
