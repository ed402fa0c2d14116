-- Changes of ticket fields (Zendesk's audit log), one row per connector row: the field, its
-- new value as text, and when. Status and satisfaction_score changes are read.
{%- set present = zendesk_columns('ticket_field_history') %}

with

source as (

    select * from {{ source('zendesk', 'ticket_field_history') }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'ticket_id', dbt.type_bigint()) }} as ticket_id,
        -- dimensions
        lower(trim({{ connector_column(present, 'field_name', dbt.type_string()) }})) as field_name,
        lower(trim({{ connector_column(present, 'value', dbt.type_string()) }})) as field_value,
        -- dates
        {{ connector_column(present, 'updated', dbt.type_timestamp()) }} as updated_at,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ connector_loaded_at(present) }} as loaded_at
    from source

),

final as (

    select
        -- ids
        ticket_id,
        -- dimensions
        field_name,
        field_value,
        -- dates
        updated_at,
        -- housekeeping
        is_deleted,
        loaded_at
    from renamed

)

select * from final
