-- amount_reporting converts amount_local at the rate valid on the invoice's issued_date.

with

source as (

    select * from {{ source('billing', 'invoices') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['invoice_id']) }}

),

renamed as (

    select
        -- ids
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        {{ normalize_enum('status') }} as status,
        -- measures
        cast(amount as {{ dbt.type_numeric() }}) as amount_local,
        -- dates
        cast(issued_date as date) as issued_date,
        cast(due_date as date) as due_date,
        cast(paid_date as date) as paid_date,
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
    {{ join_fx_rates('renamed.currency', 'renamed.issued_date') }}

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
