-- PII: email and phone arrive hashed from base_crm__contacts; the values never leave it.

with

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_crm__contacts)
    select
        contact_id,
        account_id,
        org_id,
        role,  -- noqa: RF04
        email_hash,
        email_domain,
        phone_hash,
        active_from_date,
        active_to_date,
        is_deleted,
        loaded_at,
        source_versions
    from {{ ref('base_crm__contacts') }}
    where quarantine_reason is null

),

final as (

    select
        -- ids
        contact_id,
        account_id,
        org_id,
        -- dimensions
        role,
        email_hash,
        email_domain,
        phone_hash,
        -- dates
        active_from_date,
        active_to_date,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from renamed

)

select * from final
