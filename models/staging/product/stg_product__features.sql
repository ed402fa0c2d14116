with

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_product__features)
    select
        feature_key,
        org_id,
        feature_name,
        is_key_feature,
        is_deleted,
        loaded_at,
        source_versions
    from {{ ref('base_product__features') }}
    where quarantine_reason is null

),

final as (

    select
        -- ids
        feature_key,
        org_id,
        -- dimensions
        feature_name,
        -- flags
        is_key_feature,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from renamed

)

select * from final
