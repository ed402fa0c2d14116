-- Amounts are converted at the rate valid on the opportunity's close_date.

with

source as (

    select * from {{ source('crm', 'opportunities') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['opportunity_id']) }}

),

renamed as (

    select
        -- ids
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        {{ normalize_enum('opportunity_type') }} as opportunity_type,
        -- `stage` is a keyword in some dialects, but it is the CRM's own name
        {{ normalize_enum('stage') }} as stage,  -- noqa: RF04
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        -- measures
        cast(amount as {{ dbt.type_numeric() }}) as amount_local,
        cast(previous_amount as {{ dbt.type_numeric() }}) as previous_amount_local,
        -- dates
        cast(close_date as date) as close_date,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions
    from deduplicated

),

converted as (

    select
        renamed.*,
        {{ convert_currency('renamed.amount_local', 'renamed.currency') }} as amount_reporting,
        {{ convert_currency('renamed.previous_amount_local', 'renamed.currency') }}
            as previous_amount_reporting
    from renamed
    {{ join_fx_rates('renamed.currency', 'renamed.close_date') }}

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
