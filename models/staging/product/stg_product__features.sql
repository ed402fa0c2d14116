with

source as (

    select * from {{ source('product', 'features') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['feature_key']) }}

),

renamed as (

    select
        -- ids
        cast(feature_key as {{ dbt.type_string() }}) as feature_key,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        trim(cast(feature_name as {{ dbt.type_string() }})) as feature_name,
        -- flags
        coalesce(cast(is_key_feature as {{ dbt.type_boolean() }}), false) as is_key_feature,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions
    from deduplicated

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
