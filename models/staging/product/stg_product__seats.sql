with

source as (

    select * from {{ source('product', 'seats') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['account_id', 'effective_date']) }}

),

renamed as (

    select
        -- ids
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- measures
        cast(licensed_seats as {{ dbt.type_int() }}) as licensed_seats,
        -- dates
        cast(effective_date as date) as effective_date,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions
    from deduplicated

),

final as (

    select
        -- ids
        {{ generate_surrogate_key(['account_id', 'effective_date']) }} as seat_record_id,
        account_id,
        org_id,
        -- measures
        licensed_seats,
        -- dates
        effective_date,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from renamed

)

select * from final
