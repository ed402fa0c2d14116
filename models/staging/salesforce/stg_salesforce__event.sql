-- Salesforce events (meetings, mostly), one row per connector row, renamed and typed. Group
-- events have an invitee copy per attendee (is_child), and a recurring series has a master
-- (is_recurrence) next to its occurrences. The meeting's outcome, which Salesforce has no
-- standard field for, is a custom field whose name is a var. Absent when not synced.
{%- set columns = salesforce_columns('event') %}
{%- set string = dbt.type_string() %}
{%- set timestamp = dbt.type_timestamp() %}
{%- set boolean = dbt.type_boolean() %}

with

source as (

    {% if salesforce_table_missing(columns) %}
        select 1 as no_column
        where 1 = 0
    {% else %}
        select * from {{ source('salesforce', 'event') }}
    {% endif %}

),

renamed as (

    select
        -- ids
        {{ salesforce_reference(columns, 'id') }} as event_id,
        {{ salesforce_reference(columns, 'account_id') }} as account_reference,
        {{ salesforce_reference(columns, 'what_id') }} as what_reference,
        {{ salesforce_reference(columns, 'who_id') }} as who_reference,
        -- dimensions
        {{ salesforce_column(columns, 'type', string) }} as event_type,
        {{ salesforce_column(columns, var('salesforce_meeting_outcome_column', none), string) }}
            as outcome_value,
        -- measures
        {{ salesforce_column(columns, 'duration_in_minutes', dbt.type_bigint()) }}
            as duration_minutes,
        -- flags
        coalesce({{ salesforce_column(columns, 'is_child', boolean) }}, false) as is_child,
        coalesce({{ salesforce_column(columns, 'is_recurrence', boolean) }}, false)
            as is_recurrence,
        coalesce({{ salesforce_column(columns, 'is_group_event', boolean) }}, false)
            as is_group_event,
        -- dates
        coalesce(
            {{ salesforce_column(columns, 'start_date_time', timestamp) }},
            {{ salesforce_column(columns, 'activity_date_time', timestamp) }},
            {{ salesforce_column(columns, 'activity_date', timestamp) }}
        ) as started_at,
        -- housekeeping
        {{- salesforce_housekeeping(columns) }}
    from source

),

final as (

    select * from renamed

)

select * from final
