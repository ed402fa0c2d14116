-- arr_reporting converts arr_local at the rate valid on the contract's start_date.

with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_crm__contracts)
    select
        contract_id,
        account_id,
        org_id,
        currency,
        status,
        cast(arr_local as {{ dbt.type_numeric() }}) as arr_local,
        start_date,
        end_date,
        renewal_date,
        is_deleted,
        loaded_at,
        status_loaded_at,
        source_versions
    from {{ ref('base_crm__contracts') }}
    where quarantine_reason is null

),

converted as (

    select
        renamed.*,
        {{ convert_currency('renamed.arr_local', 'renamed.currency') }} as arr_reporting
    from renamed
    {{ join_fx_rates('fx_rates', 'renamed.currency', 'renamed.start_date') }}

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
        status_loaded_at,
        source_versions
    from converted

)

select * from final
