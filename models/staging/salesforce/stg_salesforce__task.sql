-- Salesforce tasks (logged calls and emails, and to-dos), one row per connector row, renamed
-- and typed. Absent when the object is not synced.
{%- set columns = salesforce_columns('task') %}
{%- set string = dbt.type_string() %}
{%- set timestamp = dbt.type_timestamp() %}

with

source as (

    {% if salesforce_table_missing(columns) %}
        select 1 as no_column
        where 1 = 0
    {% else %}
        select * from {{ source('salesforce', 'task') }}
    {% endif %}

),

renamed as (

    select
        -- ids
        {{ salesforce_reference(columns, 'id') }} as task_id,
        {{ salesforce_reference(columns, 'account_id') }} as account_reference,
        {{ salesforce_reference(columns, 'what_id') }} as what_reference,
        {{ salesforce_reference(columns, 'who_id') }} as who_reference,
        -- dimensions
        {{ salesforce_column(columns, 'task_subtype', string) }} as task_subtype,
        {{ salesforce_column(columns, 'type', string) }} as task_type,
        {{ salesforce_column(columns, 'status', string) }} as task_status,
        -- flags
        {{ salesforce_column(columns, 'is_closed', dbt.type_boolean()) }} as is_closed,
        -- dates
        {{ salesforce_column(columns, 'completed_date_time', timestamp) }} as completed_at,
        {{ salesforce_column(columns, 'activity_date', timestamp) }} as activity_at,
        {{ salesforce_column(columns, 'created_date', timestamp) }} as created_at,
        -- housekeeping
        {{- salesforce_housekeeping(columns) }}
    from source

),

final as (

    select * from renamed

)

select * from final
