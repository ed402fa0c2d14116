-- One row per account, day and feature used: depth of adoption is read from here, against the
-- key features of the current feature list (stg_product__features), so that marking a feature
-- key (or not) applies to all of history without a rebuild. Incremental like
-- int_usage__user_days: the days from events_lookback_days before the latest one are replaced.
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
    select distinct
        account_id,
        feature_key,
        event_date
    from events
)

select * from final
