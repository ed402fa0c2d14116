with

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_crm__activities)
    select
        activity_id,
        account_id,
        contact_id,
        org_id,
        activity_type,
        outcome,
        occurred_at,
        is_deleted,
        loaded_at,
        source_versions,
        account_created_date
    from {{ ref('base_crm__activities') }}
    where quarantine_reason is null

),

final as (

    select
        -- ids
        activity_id,
        account_id,
        contact_id,
        org_id,
        -- dimensions
        activity_type,
        outcome,
        -- dates
        occurred_at,
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
