-- MRR before and after are converted at the rate valid on the day the change took effect.

with

source as (

    select * from {{ source('billing', 'plan_changes') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['change_id']) }}

),

renamed as (

    select
        -- ids
        cast(change_id as {{ dbt.type_string() }}) as change_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        {{ normalize_enum('change_type') }} as change_type,
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        -- measures
        cast(seats_before as {{ dbt.type_int() }}) as seats_before,
        cast(seats_after as {{ dbt.type_int() }}) as seats_after,
        cast(mrr_before as {{ dbt.type_numeric() }}) as mrr_before_local,
        cast(mrr_after as {{ dbt.type_numeric() }}) as mrr_after_local,
        -- dates
        {{ to_utc('changed_at') }} as changed_at,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions
    from deduplicated

),

converted as (

    select
        renamed.*,
        {{ convert_currency('renamed.mrr_before_local', 'renamed.currency') }}
            as mrr_before_reporting,
        {{ convert_currency('renamed.mrr_after_local', 'renamed.currency') }}
            as mrr_after_reporting
    from renamed
    {{ join_fx_rates('renamed.currency', 'cast(renamed.changed_at as date)') }}

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
