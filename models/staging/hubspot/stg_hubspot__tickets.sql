-- One row per HubSpot ticket, typed and renamed; HubSpot's ids kept.
{{ config(enabled=shape_of('support') == 'hubspot') }}
{%- set present = hubspot_columns('ticket') %}
{%- set text = dbt.type_string() %}
{%- set timestamp = dbt.type_timestamp() %}

with

source as (

    select * from {{ hubspot_from('ticket', present) }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'id', dbt.type_bigint()) }} as ticket_id,
        {{ connector_column(present, 'property_hs_pipeline', text) }} as pipeline_id,
        {{ connector_column(present, 'property_hs_pipeline_stage', text) }} as stage_id,
        {{ connector_column(present, 'property_hubspot_owner_id', dbt.type_bigint()) }} as owner_id,
        -- dimensions
        nullif(trim({{ connector_column(present, 'property_hs_ticket_priority', text) }}), '')
            as priority,
        {{ connector_column(present, 'property_subject', text) }} as subject,
        -- dates
        {{ connector_column(present, 'property_createdate', timestamp) }} as created_at,
        {{ connector_column(
            present,
            ['property_first_agent_reply_date', 'property_hs_first_agent_reply_date'],
            timestamp
        ) }} as first_response_at,
        {{ connector_column(
            present, ['property_closed_date', 'property_hs_closed_date'], timestamp
        ) }} as closed_at,
        -- housekeeping
        {{ connector_deleted(present, ['is_deleted']) }} as is_deleted,
        {{ hubspot_loaded_at(present) }} as loaded_at
    from source

),

final as (

    select * from renamed

)

select * from final
