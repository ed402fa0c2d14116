-- Ticket comments, one row per connector row: author, time, public or internal note. The
-- body is not read.
{%- set present = zendesk_columns('ticket_comment') %}

with

source as (

    select * from {{ source('zendesk', 'ticket_comment') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }}) as comment_id,
        {{ connector_column(present, 'ticket_id', dbt.type_bigint()) }} as ticket_id,
        {{ connector_column(present, 'user_id', dbt.type_bigint()) }} as author_id,
        -- flags: a comment is public unless the export says otherwise
        coalesce({{ connector_column(present, 'public', dbt.type_boolean()) }}, true) as is_public,
        -- dates
        {{ connector_column(present, 'created', dbt.type_timestamp()) }} as created_at,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ connector_loaded_at(present) }} as loaded_at
    from source

),

final as (

    select
        -- ids
        comment_id,
        ticket_id,
        author_id,
        -- flags
        is_public,
        -- dates
        created_at,
        -- housekeeping
        is_deleted,
        loaded_at
    from renamed

)

select * from final
