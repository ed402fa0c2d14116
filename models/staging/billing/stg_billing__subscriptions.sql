-- mrr_reporting converts mrr_local at the rate valid on the day the subscription started.

with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_billing__subscriptions)
    select
        subscription_id,
        account_id,
        org_id,
        plan,
        status_cleaned,
        currency,
        seats,
        cast(mrr_local as {{ dbt.type_numeric() }}) as mrr_local,
        started_at,
        cancelled_at,
        is_deleted,
        loaded_at,
        status_loaded_at,
        source_versions
    from {{ ref('base_billing__subscriptions') }}
    where quarantine_reason is null

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
    {{ join_fx_rates('fx_rates', 'renamed.currency', 'cast(renamed.started_at as date)') }}

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
        status_loaded_at,
        source_versions
    from converted

)

select * from final
