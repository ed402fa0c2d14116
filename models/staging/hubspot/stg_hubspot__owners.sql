-- One row per HubSpot owner (user or queue), typed and renamed: the CSMs of the companies.
{{ config(enabled=shape_of('crm') == 'hubspot') }}
{%- set present = hubspot_columns('owner') %}
{%- set text = dbt.type_string() %}

with

source as (

    select * from {{ hubspot_from('owner', present) }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'owner_id', dbt.type_bigint()) }} as owner_id,
        -- dimensions
        {{ connector_column(present, 'first_name', text) }} as first_name,
        {{ connector_column(present, 'last_name', text) }} as last_name,
        {{ connector_column(present, 'type', text) }} as owner_type,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ hubspot_loaded_at(present) }} as loaded_at
    from source

),

final as (

    select
        *,
        -- the name the contract's owner_csm holds: first and last name (a queue has none)
        nullif(
            trim({{ dbt.concat(["coalesce(first_name, '')", "' '", "coalesce(last_name, '')"]) }}),
            ''
        ) as owner_name
    from renamed

)

select * from final
