-- amount_reporting converts amount_local at the rate valid on the invoice's issued_date.

with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_billing__invoices)
    select
        invoice_id,
        account_id,
        org_id,
        currency,
        status,
        cast(amount_local as {{ dbt.type_numeric() }}) as amount_local,
        issued_date,
        due_date,
        paid_date,
        is_deleted,
        loaded_at,
        source_versions
    from {{ ref('base_billing__invoices') }}
    where quarantine_reason is null

),

converted as (

    select
        renamed.*,
        {{ convert_currency('renamed.amount_local', 'renamed.currency') }} as amount_reporting
    from renamed
    {{ join_fx_rates('fx_rates', 'renamed.currency', 'renamed.issued_date') }}

),

final as (

    select
        -- ids
        invoice_id,
        account_id,
        org_id,
        -- dimensions
        currency,
        status,
        -- measures
        amount_local,
        amount_reporting,
        -- dates
        issued_date,
        due_date,
        paid_date,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from converted

)

select * from final
