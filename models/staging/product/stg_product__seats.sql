with

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_product__seats)
    select
        account_id,
        org_id,
        licensed_seats,
        effective_date,
        is_deleted,
        loaded_at,
        source_versions
    from {{ ref('base_product__seats') }}
    where quarantine_reason is null

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
