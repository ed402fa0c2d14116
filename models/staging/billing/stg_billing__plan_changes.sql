-- MRR before and after are converted at the rate valid on the day the change took effect.

with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_billing__plan_changes)
    select
        change_id,
        subscription_id,
        account_id,
        org_id,
        change_type,
        currency,
        seats_before,
        seats_after,
        cast(mrr_before_local as {{ dbt.type_numeric() }}) as mrr_before_local,
        cast(mrr_after_local as {{ dbt.type_numeric() }}) as mrr_after_local,
        changed_at,
        is_deleted,
        loaded_at,
        source_versions
    from {{ ref('base_billing__plan_changes') }}
    where quarantine_reason is null

),

converted as (

    select
        renamed.*,
        {{ convert_currency('renamed.mrr_before_local', 'renamed.currency') }}
            as mrr_before_reporting,
        {{ convert_currency('renamed.mrr_after_local', 'renamed.currency') }}
            as mrr_after_reporting
    from renamed
    {{ join_fx_rates('fx_rates', 'renamed.currency', 'cast(renamed.changed_at as date)') }}

),

final as (

    select
        -- ids
        change_id,
        subscription_id,
        account_id,
        org_id,
        -- dimensions
        change_type,
        currency,
        -- measures
        seats_before,
        seats_after,
        mrr_before_local,
        mrr_after_local,
        mrr_before_reporting,
        mrr_after_reporting,
        -- dates
        changed_at,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from converted

)

select * from final
