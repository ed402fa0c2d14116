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
        source_versions
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
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from renamed

)

select * from final
