with

source as (

    select * from {{ source('product', 'events') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['event_id']) }}

),

renamed as (

    select
        -- ids
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(feature_key as {{ dbt.type_string() }}) as feature_key,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
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
        event_id,
        account_id,
        user_id,
        feature_key,
        org_id,
        -- dates
        occurred_at,
        cast(occurred_at as date) as event_date,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from renamed

)

select * from final
