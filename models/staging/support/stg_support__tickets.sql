with

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_support__tickets)
    select
        ticket_id,
        account_id,
        requester_id,
        org_id,
        priority,
        status,
        subject,
        reopened_count,
        csat_score,
        created_at,
        first_response_at,
        solved_at,
        is_deleted,
        loaded_at,
        source_versions,
        account_created_date
    from {{ ref('base_support__tickets') }}
    where quarantine_reason is null

),

final as (

    select
        -- ids
        ticket_id,
        account_id,
        requester_id,
        org_id,
        -- dimensions
        priority,
        status,
        subject,
        -- measures
        reopened_count,
        csat_score,
        -- dates
        created_at,
        first_response_at,
        solved_at,
        -- flags
        -- a trial or pilot before the account became a customer: kept, flagged
        cast(created_at as date) < account_created_date as is_before_account_created,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from renamed

)

select * from final
