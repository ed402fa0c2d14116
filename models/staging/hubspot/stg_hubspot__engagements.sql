-- One row per HubSpot meeting, call and email (engagement_meeting, engagement_call,
-- engagement_email), in either API layout, typed; HubSpot's ids kept. The older layout holds
-- the time and owner on `engagement` (`timestamp`, `owner_id`) and the meeting's start and
-- outcome without prefix (`start_time`, `meeting_outcome`); v3 holds them on the type table
-- (`property_hs_timestamp`, `property_hs_meeting_start_time`, `property_hs_meeting_outcome`,
-- `property_hubspot_owner_id`). Both are read, v3 first; notes and tasks are not activities.
{{ config(enabled=shape_of('crm') == 'hubspot') }}
{%- set parent = hubspot_columns('engagement') %}
{%- set meeting = hubspot_columns('engagement_meeting') %}
{%- set call = hubspot_columns('engagement_call') %}
{%- set email = hubspot_columns('engagement_email') %}
{%- set bigint = dbt.type_bigint() %}
{%- set text = dbt.type_string() %}
{%- set timestamp = dbt.type_timestamp() %}

with

engagements as (

    select
        {{ connector_column(parent, 'id', bigint) }} as engagement_id,
        {{ connector_column(parent, 'timestamp', timestamp) }} as parent_occurred_at,
        {{ connector_column(parent, 'owner_id', bigint) }} as parent_owner_id
    from {{ hubspot_from('engagement', parent) }}

),

meetings as (

    select
        {{ connector_column(meeting, 'engagement_id', bigint) }} as engagement_id,
        'MEETING' as engagement_type,
        coalesce(
            {{ connector_column(meeting, 'property_hs_meeting_start_time', timestamp) }},
            {{ connector_column(meeting, 'property_hs_timestamp', timestamp) }}
        ) as v3_occurred_at,
        {{ connector_column(meeting, 'start_time', timestamp) }} as v2_occurred_at,
        nullif(upper(trim(
            {{ connector_column(meeting, 'property_hs_meeting_outcome', text) }}
        )), '') as v3_outcome,
        nullif(upper(trim({{ connector_column(meeting, 'meeting_outcome', text) }})), '')
            as v2_outcome,
        cast(null as {{ text }}) as call_status,
        {{ connector_column(meeting, 'property_hubspot_owner_id', bigint) }} as v3_owner_id,
        {{ connector_deleted(meeting, ['is_deleted']) }} as is_deleted,
        {{ hubspot_loaded_at(meeting) }} as loaded_at
    from {{ hubspot_from('engagement_meeting', meeting) }}

),

calls as (

    select
        {{ connector_column(call, 'engagement_id', bigint) }} as engagement_id,
        'CALL' as engagement_type,
        {{ connector_column(call, 'property_hs_timestamp', timestamp) }} as v3_occurred_at,
        cast(null as {{ timestamp }}) as v2_occurred_at,
        cast(null as {{ text }}) as v3_outcome,
        cast(null as {{ text }}) as v2_outcome,
        nullif(upper(trim({{ connector_column(call, 'property_hs_call_status', text) }})), '')
            as call_status,
        {{ connector_column(call, 'property_hubspot_owner_id', bigint) }} as v3_owner_id,
        {{ connector_deleted(call, ['is_deleted']) }} as is_deleted,
        {{ hubspot_loaded_at(call) }} as loaded_at
    from {{ hubspot_from('engagement_call', call) }}

),

emails as (

    select
        {{ connector_column(email, 'engagement_id', bigint) }} as engagement_id,
        'EMAIL' as engagement_type,
        {{ connector_column(email, 'property_hs_timestamp', timestamp) }} as v3_occurred_at,
        cast(null as {{ timestamp }}) as v2_occurred_at,
        cast(null as {{ text }}) as v3_outcome,
        cast(null as {{ text }}) as v2_outcome,
        cast(null as {{ text }}) as call_status,
        {{ connector_column(email, 'property_hubspot_owner_id', bigint) }} as v3_owner_id,
        {{ connector_deleted(email, ['is_deleted']) }} as is_deleted,
        {{ hubspot_loaded_at(email) }} as loaded_at
    from {{ hubspot_from('engagement_email', email) }}

),

type_rows as (

    select * from meetings
    union all
    select * from calls
    union all
    select * from emails

),

final as (

    select
        -- ids
        type_rows.engagement_id,
        coalesce(type_rows.v3_owner_id, engagements.parent_owner_id) as owner_id,
        -- dimensions
        type_rows.engagement_type,
        case
            when
                type_rows.v3_occurred_at is not null or type_rows.v3_outcome is not null
                then 'v3'
            else 'v2'
        end as api_layout,
        coalesce(type_rows.v3_outcome, type_rows.v2_outcome) as meeting_outcome,
        type_rows.call_status,
        -- dates
        coalesce(
            type_rows.v3_occurred_at, type_rows.v2_occurred_at, engagements.parent_occurred_at
        ) as occurred_at,
        -- housekeeping
        type_rows.is_deleted,
        type_rows.loaded_at
    from type_rows
    left join engagements
        on type_rows.engagement_id = engagements.engagement_id

)

select * from final
