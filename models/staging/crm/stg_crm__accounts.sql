with

source as (

    select * from {{ source('crm', 'accounts') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['account_id']) }}

),

renamed as (

    select
        -- ids
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(parent_account_id as {{ dbt.type_string() }}) as parent_account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        trim(cast(account_name as {{ dbt.type_string() }})) as account_name,
        {{ normalize_enum('segment') }} as segment_cleaned,
        {{ normalize_enum('industry') }} as industry,
        {{ normalize_enum('region') }} as region,
        trim(cast(owner_csm as {{ dbt.type_string() }})) as owner_csm,
        -- dates
        cast(created_date as date) as created_date,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions
    from deduplicated

),

normalised as (

    select
        *,
        case
            when segment_cleaned in ('enterprise', 'ent') then 'enterprise'
            when segment_cleaned in ('mid_market', 'midmarket', 'mid', 'mm') then 'mid_market'
            when segment_cleaned in ('smb', 'small_business', 'sme', 'small') then 'smb'
            -- anything else is passed on as is, so the accepted_values test reports it
            else segment_cleaned
        end as segment
    from renamed

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
        -- dates
        created_date,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from normalised

)

select * from final
