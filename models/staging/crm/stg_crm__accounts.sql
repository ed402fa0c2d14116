with

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_crm__accounts)
    select
        account_id,
        parent_account_id,
        org_id,
        account_name,
        segment,
        industry,
        region,
        owner_csm,
        website,
        account_status,
        created_date,
        churn_date,
        is_deleted,
        loaded_at,
        status_loaded_at,
        source_versions
    from {{ ref('base_crm__accounts') }}
    where quarantine_reason is null

),

final as (

    select
        -- ids
        account_id,
        parent_account_id,
        org_id,
        -- dimensions
        account_name,
        segment,
        industry,
        region,
        owner_csm,
        website,
        account_status,
        -- dates
        created_date,
        churn_date,
        -- housekeeping
        is_deleted,
        loaded_at,
        status_loaded_at,
        source_versions
    from renamed

)

select * from final
