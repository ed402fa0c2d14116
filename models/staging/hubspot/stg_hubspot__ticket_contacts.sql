-- The ticket-contact associations (ticket_contact), one row per connector row, typed;
-- a removed association (a delete flag, when the table has one) is kept, flagged.
{{ config(enabled=shape_of('crm') == 'hubspot' and shape_of('support') == 'hubspot') }}
{%- set present = hubspot_columns('ticket_contact') %}

with

source as (

    select * from {{ hubspot_from('ticket_contact', present) }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'ticket_id', dbt.type_bigint()) }} as ticket_id,
        {{ connector_column(present, 'contact_id', dbt.type_bigint()) }} as contact_id,
        {{ connector_column(present, 'type_id', dbt.type_bigint()) }} as type_id,
        -- dimensions
        {{ connector_column(present, 'category', dbt.type_string()) }} as category,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ hubspot_loaded_at(present) }} as loaded_at
    from source

),

final as (

    select * from renamed

)

select * from final
