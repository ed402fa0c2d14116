-- amount_reporting converts amount_local at the rate valid on the day the dispute opened.

with

source as (

    select * from {{ source('billing', 'disputes') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['dispute_id']) }}

),

renamed as (

    select
        -- ids
        cast(dispute_id as {{ dbt.type_string() }}) as dispute_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        {{ normalize_enum('dispute_type') }} as dispute_type,
        {{ normalize_enum('status') }} as status,
        -- measures
        cast(amount as {{ dbt.type_numeric() }}) as amount_local,
        -- dates
        {{ to_utc('opened_at') }} as opened_at,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions
    from deduplicated

),

converted as (

    select
        renamed.*,
        {{ convert_currency('renamed.amount_local', 'renamed.currency') }} as amount_reporting
    from renamed
    {{ join_fx_rates('renamed.currency', 'cast(renamed.opened_at as date)') }}

),

final as (

    select
        -- ids
        dispute_id,
        invoice_id,
        account_id,
        org_id,
        -- dimensions
        currency,
        dispute_type,
        status,
        -- measures
        amount_local,
        amount_reporting,
        -- dates
        opened_at,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from converted

)

select * from final
