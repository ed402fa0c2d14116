-- product.seats from Segment: none. Segment records calls, not the seats a customer pays for
-- (those are in billing or the CRM), so this typed relation has no rows and the seat
-- utilisation factor is missing (docs/connectors/segment.md).

with

one_row as (

    select 1 as placeholder

),

final as (

    select
        -- ids
        cast(null as {{ dbt.type_string() }}) as account_id,
        cast(null as {{ dbt.type_string() }}) as org_id,
        -- measures
        cast(null as {{ dbt.type_bigint() }}) as licensed_seats,
        -- dates
        cast(null as date) as effective_date,
        -- housekeeping
        cast(null as {{ dbt.type_timestamp() }}) as _loaded_at,
        cast(null as {{ dbt.type_boolean() }}) as _is_deleted,
        cast(null as {{ dbt.type_string() }}) as _mapping_issue,
        cast(null as {{ dbt.type_string() }}) as _mapping_detail
    from one_row
    where 1 = 0

)

select * from final
