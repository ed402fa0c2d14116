{{ config(meta={'test_window': events_test_window('event_id')}) }}

with

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_product__events)
    select
        event_id,
        account_id,
        user_id,
        feature_key,
        org_id,
        occurred_at,
        is_deleted,
        loaded_at,
        source_versions,
        account_created_date
    from {{ ref('base_product__events') }}
    where quarantine_reason is null

),

final as (

    select
        -- ids
        event_id,
        account_id,
        user_id,
        feature_key,
        org_id,
        -- dates
        occurred_at,
        cast(occurred_at as date) as event_date,
        -- flags
        -- a trial or pilot before the account became a customer: kept, flagged
        cast(occurred_at as date) < account_created_date as is_before_account_created,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from renamed

)

select * from final
