-- One row per HubSpot deal pipeline stage: whether a deal in it is won, lost or open.
{{ config(enabled=shape_of('crm') == 'hubspot') }}
{%- set present = hubspot_columns('deal_pipeline_stage') %}
{%- set boolean = dbt.type_boolean() %}

with

source as (

    select * from {{ hubspot_from('deal_pipeline_stage', present) }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'stage_id', dbt.type_string()) }} as stage_id,
        {{ connector_column(present, 'pipeline_id', dbt.type_string()) }} as pipeline_id,
        -- dimensions
        {{ connector_column(present, 'label', dbt.type_string()) }} as stage_label,
        coalesce({{ connector_column(present, 'is_closed', boolean) }}, false) as is_closed,
        coalesce({{ connector_column(present, 'closed_won', boolean) }}, false) as is_closed_won,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ hubspot_loaded_at(present) }} as loaded_at
    from source

),

final as (

    select * from renamed

)

select * from final
