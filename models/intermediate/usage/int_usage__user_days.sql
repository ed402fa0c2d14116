-- One row per account, user and day with any product event: the grain every usage factor
-- reads, much smaller than the raw events. Incremental: a run recomputes the days from
-- events_lookback_days before the latest day it holds onwards (an event dated a few days ago
-- that arrives now is counted) and replaces those days whole: delete+insert on event_date, or
-- on Spark (parquet: no delete) an overwrite of the event_date partitions. A change to events
-- dated before that window needs a --full-refresh.
{{
    config(
        materialized='incremental',
        unique_key='event_date',
        incremental_strategy=(
            'insert_overwrite' if target.type == 'spark' else 'delete+insert'
        ),
        partition_by=(['event_date'] if target.type == 'spark' else none),
        on_schema_change='append_new_columns',
        meta={'test_window': {
            'column': 'event_date', 'datepart': 'day', 'lookback_var': 'events_lookback_days'
        }},
    )
}}

with

events as (
    select * from {{ ref('stg_product__events') }}
    where not is_deleted
    {%- if is_incremental() %}
        and event_date >= (
            select
                cast(
                    {{ dbt.dateadd('day', -1 * var('events_lookback_days'), 'max(event_date)') }}
                    as date
                )
            from {{ this }}
        )
    {%- endif %}
),

final as (
    select
        account_id,
        user_id,
        count(*) as events,
        event_date
    from events
    group by 1, 2, 4
)

select * from final
