-- One row per HubSpot contact, typed and renamed; HubSpot's ids kept. The buying role and the
-- left-company date are the properties the vars name.
{{ config(enabled=shape_of('crm') == 'hubspot') }}
{%- set present = hubspot_columns('contact') %}
{%- set text = dbt.type_string() %}
{%- set timestamp = dbt.type_timestamp() %}

with

source as (

    select * from {{ hubspot_from('contact', present) }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'id', dbt.type_bigint()) }} as contact_id,
        {{ connector_column(present, 'property_associatedcompanyid', dbt.type_bigint()) }}
            as company_id,
        -- dimensions (email and phone are PII: the base model hashes them)
        {{ connector_column(present, 'property_email', text) }} as email,
        {{ connector_column(present, 'property_phone', text) }} as phone,
        {{ hubspot_property(present, 'hubspot_contact_role_property', 'hs_buying_role', text) }}
            as buying_role,
        -- dates
        {{ connector_column(present, 'property_createdate', timestamp) }} as created_at,
        {{ hubspot_property(
            present, 'hubspot_contact_left_date_property', 'left_company_date', timestamp
        ) }} as left_at,
        -- housekeeping
        {{ connector_deleted(present, ['is_deleted']) }} as is_deleted,
        {{ hubspot_loaded_at(present) }} as loaded_at
    from source

),

final as (

    select * from renamed

)

select * from final
