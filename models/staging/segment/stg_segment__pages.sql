-- One row per Segment page call (pages), typed: the page's name and path (the page view's
-- feature), the user or anonymous id, the account id the product may send, times. Disabled
-- with var segment_read_pages false (an export without page calls).
{{ config(enabled=shape_of('product') == 'segment' and var('segment_read_pages', true)) }}
{%- set landed = usage_connector_source('segment', 'pages') %}
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
        nullif(trim({{ connector_column(present, 'name', dbt.type_string()) }}), '') as page_name,
        nullif(trim({{ connector_column(present, 'path', dbt.type_string()) }}), '') as page_path,
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
