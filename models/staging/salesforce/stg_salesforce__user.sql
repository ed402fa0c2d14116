-- Salesforce users (the account owners and CSMs), one row per connector row, renamed and
-- typed. A user removed at the source is flagged by `_fivetran_deleted`. Absent when the
-- object is not synced: no rows, and accounts get no CSM.
{%- set columns = salesforce_columns('user') %}
{%- set string = dbt.type_string() %}

with

source as (

    {% if salesforce_table_missing(columns) %}
        select 1 as no_column
        where 1 = 0
    {% else %}
        select * from {{ source('salesforce', 'user') }}
    {% endif %}

),

renamed as (

    select
        -- ids
        {{ salesforce_reference(columns, 'id') }} as user_id,
        -- dimensions
        {{ salesforce_column(columns, 'name', string) }} as user_name,
        {{ salesforce_column(columns, 'title', string) }} as title,
        -- flags
        {{ salesforce_column(columns, 'is_active', dbt.type_boolean()) }} as is_active,
        -- housekeeping
        {{- salesforce_housekeeping(columns) }}
    from source

),

final as (

    select * from renamed

)

select * from final
