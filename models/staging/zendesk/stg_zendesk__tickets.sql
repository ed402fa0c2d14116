-- Zendesk tickets, one row per connector row: typed, renamed, Zendesk ids kept. A deleted
-- ticket shows status 'deleted' or the connector's delete flag; both make is_deleted.
{%- set present = zendesk_columns('ticket') %}

with

source as (

    select * from {{ source('zendesk', 'ticket') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }}) as ticket_id,
        {{ connector_column(present, 'organization_id', dbt.type_bigint()) }} as organization_id,
        {{ connector_column(present, 'requester_id', dbt.type_bigint()) }} as requester_id,
        {{ connector_column(present, 'assignee_id', dbt.type_bigint()) }} as assignee_id,
        -- dimensions
        lower(trim({{ connector_column(present, 'priority', dbt.type_string()) }})) as priority,
        lower(trim({{ connector_column(present, 'status', dbt.type_string()) }})) as status,
        lower(trim({{ connector_column(present, 'type', dbt.type_string()) }})) as ticket_type,
        {{ connector_column(present, 'subject', dbt.type_string()) }} as subject,
        nullif(
            trim({{ connector_column(present, 'merged_ticket_ids', dbt.type_string()) }}), ''
        ) as merged_ticket_ids,
        -- dates
        {{ connector_column(present, 'created_at', dbt.type_timestamp()) }} as created_at,
        {{ connector_column(present, 'updated_at', dbt.type_timestamp()) }} as updated_at,
        -- housekeeping
        {{ connector_deleted(present) }} as is_connector_deleted,
        {{ connector_loaded_at(present) }} as loaded_at
    from source

),

merged_away as (

    -- tickets another ticket lists in merged_ticket_ids (text such as [1967, 1970])
    select distinct merged.ticket_id
    from renamed as merged
    inner join renamed as survivors
        on
            survivors.merged_ticket_ids is not null
            and {{ dbt.concat([
                "','",
                "replace(replace(replace(survivors.merged_ticket_ids, '[', ''), ']', ''), ' ', '')",
                "','",
            ]) }} like {{ dbt.concat([
                "'%,'", "cast(merged.ticket_id as " ~ dbt.type_string() ~ ")", "',%'",
            ]) }}

),

final as (

    select
        -- ids
        renamed.ticket_id,
        renamed.organization_id,
        renamed.requester_id,
        renamed.assignee_id,
        -- dimensions
        renamed.priority,
        renamed.status,
        renamed.ticket_type,
        renamed.subject,
        renamed.merged_ticket_ids,
        -- dates
        renamed.created_at,
        renamed.updated_at,
        -- flags: merged into another ticket, which counts it
        merged_away.ticket_id is not null as is_merged,
        -- housekeeping
        renamed.is_connector_deleted or coalesce(renamed.status = 'deleted', false) as is_deleted,
        renamed.loaded_at
    from renamed
    left join merged_away
        on renamed.ticket_id = merged_away.ticket_id

)

select * from final
