-- Zendesk users (customers, agents, admins), one row per connector row. The email itself is
-- not kept: only its domain (an identity key). external_id is free text, often a CRM contact or
-- product user id.
{%- set present = zendesk_columns('user') %}

with

source as (

    select * from {{ source('zendesk', 'user') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }}) as user_id,
        {{ connector_column(present, 'organization_id', dbt.type_bigint()) }} as organization_id,
        nullif(trim({{ connector_column(present, 'external_id', dbt.type_string()) }}), '')
            as external_id,
        -- dimensions
        lower(trim({{ connector_column(present, 'role', dbt.type_string()) }})) as user_role,
        {{ normalize_domain(connector_column(present, 'email', dbt.type_string())) }}
            as email_domain,
        -- flags: active is false once deleted or deactivated (null when not landed)
        {{ connector_column(present, 'active', dbt.type_boolean()) }} as is_active,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ connector_loaded_at(present) }} as loaded_at
    from source

),

final as (

    select
        -- ids
        user_id,
        organization_id,
        external_id,
        -- dimensions
        user_role,
        email_domain,
        -- flags
        is_active,
        -- housekeeping
        is_deleted,
        loaded_at
    from renamed

)

select * from final
