-- Amounts are converted at the rate valid on the opportunity's close_date.

with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_crm__opportunities)
    select
        opportunity_id,
        account_id,
        org_id,
        opportunity_type,
        stage,  -- noqa: RF04
        currency,
        cast(amount_local as {{ dbt.type_numeric() }}) as amount_local,
        cast(previous_amount_local as {{ dbt.type_numeric() }}) as previous_amount_local,
        close_date,
        is_deleted,
        loaded_at,
        source_versions
    from {{ ref('base_crm__opportunities') }}
    where quarantine_reason is null

),

converted as (

    select
        renamed.*,
        {{ convert_currency('renamed.amount_local', 'renamed.currency') }} as amount_reporting,
        {{ convert_currency('renamed.previous_amount_local', 'renamed.currency') }}
            as previous_amount_reporting
    from renamed
    {{ join_fx_rates('fx_rates', 'renamed.currency', 'renamed.close_date') }}

),

final as (

    select
        -- ids
        opportunity_id,
        account_id,
        org_id,
        -- dimensions
        opportunity_type,
        stage,
        currency,
        -- measures
        amount_local,
        previous_amount_local,
        amount_reporting,
        previous_amount_reporting,
        -- dates
        close_date,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from converted

)

select * from final
