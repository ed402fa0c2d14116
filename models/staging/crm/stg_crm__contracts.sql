-- arr_reporting converts arr_local at the rate valid on the contract's start_date.

with

source as (

    select * from {{ source('crm', 'contracts') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['contract_id']) }}

),

renamed as (

    select
        -- ids
        cast(contract_id as {{ dbt.type_string() }}) as contract_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        {{ normalize_enum('status') }} as status,
        -- measures
        cast(arr_amount as {{ dbt.type_numeric() }}) as arr_local,
        -- dates
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(renewal_date as date) as renewal_date,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions
    from deduplicated

),

converted as (

    select
        renamed.*,
        {{ convert_currency('renamed.arr_local', 'renamed.currency') }} as arr_reporting
    from renamed
    {{ join_fx_rates('renamed.currency', 'renamed.start_date') }}

),

final as (

    select
        -- ids
        contract_id,
        account_id,
        org_id,
        -- dimensions
        currency,
        status,
        -- measures
        arr_local,
        arr_reporting,
        -- dates
        start_date,
        end_date,
        renewal_date,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from converted

)

select * from final
