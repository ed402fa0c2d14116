with

source as (

    select * from {{ source('crm', 'activities') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['activity_id']) }}

),

renamed as (

    select
        -- ids
        cast(activity_id as {{ dbt.type_string() }}) as activity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        {{ normalize_enum('activity_type') }} as activity_type,
        {{ normalize_enum('outcome') }} as outcome,
        -- dates
        {{ to_utc('occurred_at') }} as occurred_at,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions
    from deduplicated

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
