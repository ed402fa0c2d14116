-- Zendesk organizations, one row per connector row: the account records the identity map
-- matches to CRM accounts. explicit_crm_id is read from var zendesk_crm_id_column
-- (external_id by default; a custom organization field's column works too).
{%- set present = zendesk_columns('organization') %}
{%- set crm_id_column = var('zendesk_crm_id_column', 'external_id') %}

with

source as (

    select * from {{ source('zendesk', 'organization') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }}) as organization_id,
        nullif(
            trim({{ connector_column(present, crm_id_column, dbt.type_string()) }}), ''
        ) as explicit_crm_id,
        -- dimensions
        {{ connector_column(present, 'name', dbt.type_string()) }} as organization_name,
        -- dates
        {{ connector_column(present, 'created_at', dbt.type_timestamp()) }} as created_at,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ connector_loaded_at(present) }} as loaded_at
    from source

),

final as (

    select
        -- ids
        organization_id,
        explicit_crm_id,
        -- dimensions
        organization_name,
        -- dates
        created_at,
        -- housekeeping
        is_deleted,
        loaded_at
    from renamed

)

select * from final
