-- One row per HubSpot ticket pipeline stage: closed or open, and its label (the status is read
-- from them in stg_hubspot__contract_tickets).
{{ config(enabled=shape_of('support') == 'hubspot') }}
{%- set present = hubspot_columns('ticket_pipeline_stage') %}
{%- set text = dbt.type_string() %}

with

source as (

    select * from {{ hubspot_from('ticket_pipeline_stage', present) }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'stage_id', text) }} as stage_id,
        {{ connector_column(present, 'pipeline_id', text) }} as pipeline_id,
        -- dimensions
        {{ connector_column(present, 'label', text) }} as stage_label,
        upper(trim({{ connector_column(present, 'ticket_state', text) }})) as ticket_state,
        {{ connector_column(present, 'is_closed', dbt.type_boolean()) }} as is_closed_flag,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ hubspot_loaded_at(present) }} as loaded_at
    from source

),

final as (

    select
        stage_id,
        pipeline_id,
        stage_label,
        ticket_state,
        coalesce(is_closed_flag, ticket_state = 'CLOSED', false) as is_closed,
        is_deleted,
        loaded_at
    from renamed

)

select * from final
