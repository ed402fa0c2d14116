-- mrr_reporting converts mrr_local at the rate valid on the day the subscription started.

with

source as (

    select * from {{ source('billing', 'subscriptions') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['subscription_id']) }}

),

renamed as (

    select
        -- ids
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        {{ normalize_enum('plan') }} as plan,
        {{ normalize_enum('status') }} as status_cleaned,
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        -- measures
        cast(seats as {{ dbt.type_int() }}) as seats,
        cast(mrr_amount as {{ dbt.type_numeric() }}) as mrr_local,
        -- dates
        {{ to_utc('started_at') }} as started_at,
        {{ to_utc('cancelled_at') }} as cancelled_at,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions
    from deduplicated

),

converted as (

    select
        renamed.*,
        case
            when renamed.status_cleaned = 'canceled' then 'cancelled'
            else renamed.status_cleaned
        end as status,
        {{ convert_currency('renamed.mrr_local', 'renamed.currency') }} as mrr_reporting
    from renamed
    {{ join_fx_rates('renamed.currency', 'cast(renamed.started_at as date)') }}

),

final as (

    select
        -- ids
        subscription_id,
        account_id,
        org_id,
        -- dimensions
        plan,
        status,
        currency,
        -- measures
        seats,
        mrr_local,
        mrr_reporting,
        -- dates
        started_at,
        cancelled_at,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from converted

)

select * from final
