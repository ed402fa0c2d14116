-- Salesforce contacts, one row per connector row, renamed and typed. The contact's role for
-- the account (sponsor, champion, ...) is a custom field whose name is a var; the title is
-- kept for when it is absent.
{%- set columns = salesforce_columns('contact') %}
{%- set string = dbt.type_string() %}

with

source as (

    select * from {{ source('salesforce', 'contact') }}

),

renamed as (

    select
        -- ids
        {{ salesforce_reference(columns, 'id') }} as contact_id,
        {{ salesforce_reference(columns, 'account_id') }} as account_reference,
        {{ salesforce_reference(columns, 'master_record_id') }} as master_record_id,
        -- dimensions
        {{ salesforce_column(columns, 'title', string) }} as title,
        {{ salesforce_column(columns, var('salesforce_contact_role_column', none), string) }}
            as role_value,
        -- pii (hashed by the base model, never passed on)
        {{ salesforce_column(columns, 'email', string) }} as email,
        {{ salesforce_column(columns, 'phone', string) }} as phone,
        {{ salesforce_column(columns, 'mobile_phone', string) }} as mobile_phone,
        -- dates
        {{ salesforce_column(columns, var('salesforce_contact_active_from_column', none), 'date') }}
            as active_from_date,
        {{ salesforce_column(columns, 'created_date', 'date') }} as created_date,
        {{ salesforce_column(columns, var('salesforce_contact_active_to_column', none), 'date') }}
            as active_to_date,
        -- housekeeping
        {{- salesforce_housekeeping(columns) }}
    from source

),

final as (

    select * from renamed

)

select * from final
