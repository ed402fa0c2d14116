-- The email domains mapped to each Zendesk organization, normalised (lower case, no scheme,
-- no www.), one row per connector row.
{%- set present = zendesk_columns('domain_name') %}

with

source as (

    select * from {{ source('zendesk', 'domain_name') }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'organization_id', dbt.type_bigint()) }} as organization_id,
        -- dimensions
        {{ connector_column(present, 'domain_name', dbt.type_string()) }} as domain_name,
        {{ normalize_domain(connector_column(present, 'domain_name', dbt.type_string())) }}
            as domain,  -- noqa: RF04
        {{ connector_column(present, 'index', dbt.type_bigint()) }} as domain_index,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted
    from source

),

final as (

    select
        -- ids
        organization_id,
        -- dimensions
        domain_name,
        domain,
        domain_index,
        -- housekeeping
        is_deleted
    from renamed

)

select * from final
