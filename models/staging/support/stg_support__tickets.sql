with

source as (

    select * from {{ source('support', 'tickets') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['ticket_id']) }}

),

renamed as (

    select
        -- ids
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(requester_id as {{ dbt.type_string() }}) as requester_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        {{ normalize_enum('priority') }} as priority,
        {{ normalize_enum('status') }} as status,
        nullif(trim(cast(subject as {{ dbt.type_string() }})), '') as subject,
        -- measures
        coalesce(cast(reopened_count as {{ dbt.type_int() }}), 0) as reopened_count,
        cast(csat_score as {{ dbt.type_int() }}) as csat_score,
        -- dates
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('first_response_at') }} as first_response_at,
        {{ to_utc('solved_at') }} as solved_at,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions
    from deduplicated

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
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from renamed

)

select * from final
