-- amount_reporting converts amount_local at the rate valid on the day the dispute opened.

with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_billing__disputes)
    select
        dispute_id,
        invoice_id,
        account_id,
        org_id,
        currency,
        dispute_type,
        status,
        cast(amount_local as {{ dbt.type_numeric() }}) as amount_local,
        opened_at,
        is_deleted,
        loaded_at,
        source_versions
    from {{ ref('base_billing__disputes') }}
    where quarantine_reason is null

),

converted as (

    select
        renamed.*,
        {{ convert_currency('renamed.amount_local', 'renamed.currency') }} as amount_reporting
    from renamed
    {{ join_fx_rates('fx_rates', 'renamed.currency', 'cast(renamed.opened_at as date)') }}

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
