-- One row per Segment track call (tracks), typed: the event name (the feature), the user or
-- anonymous id, the account id the product may send with it (context_group_id), times.
{%- set landed = usage_connector_source('segment', 'tracks') %}
{%- set present = landed.present %}

with

source as (

    select * from {{ landed.relation }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'id', dbt.type_string()) }} as message_id,
        nullif(trim({{ connector_column(present, 'anonymous_id', dbt.type_string()) }}), '')
            as anonymous_id,
        nullif(trim({{ connector_column(present, 'user_id', dbt.type_string()) }}), '') as user_id,
        nullif(trim({{ connector_column(present, 'context_group_id', dbt.type_string()) }}), '')
            as context_group_id,
        -- dimensions
        nullif(trim({{ connector_column(present, 'event', dbt.type_string()) }}), '') as event_name,
        nullif(trim({{ connector_column(present, 'event_text', dbt.type_string()) }}), '')
            as event_text,
        -- dates
        {{ usage_column_quoted(present, 'timestamp', dbt.type_timestamp()) }} as occurred_at,
        {{ connector_column(present, 'received_at', dbt.type_timestamp()) }} as received_at,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ connector_column(
            present, [var('segment_loaded_at_column', 'uuid_ts'), 'received_at'], dbt.type_timestamp()
        ) }} as loaded_at
    from source

)

select * from renamed
