-- Salesforce accounts, one row per connector row (one per version in history mode), renamed
-- and typed; ids as Salesforce writes them. The segment, region, churn date and CSM live in
-- custom fields whose names are vars (docs/connectors/salesforce.md).
{%- set columns = salesforce_columns('account') %}
{%- set string = dbt.type_string() %}

with

source as (

    select * from {{ source('salesforce', 'account') }}

),

renamed as (

    select
        -- ids
        {{ salesforce_reference(columns, 'id') }} as account_id,
        {{ salesforce_reference(columns, 'parent_id') }} as parent_reference,
        {{ salesforce_reference(columns, 'owner_id') }} as owner_user_id,
        {{ salesforce_reference(columns, var('salesforce_account_csm_column', none)) }}
            as csm_user_reference,
        {{ salesforce_reference(columns, 'master_record_id') }} as master_record_id,
        {{ salesforce_column(columns, 'account_number', string) }} as account_number,
        -- dimensions
        {{ salesforce_column(columns, 'name', string) }} as account_name,
        {{ salesforce_column(columns, 'type', string) }} as account_type,
        {{ salesforce_column(columns, 'industry', string) }} as industry,
        {{ salesforce_column(columns, 'website', string) }} as website,
        {{ salesforce_column(columns, var('salesforce_account_segment_column', none), string) }}
            as segment_value,
        {{ salesforce_column(columns, var('salesforce_account_region_column', none), string) }}
            as region_value,
        -- measures
        {{ salesforce_column(columns, 'number_of_employees', dbt.type_bigint()) }}
            as number_of_employees,
        -- dates
        {{ salesforce_column(columns, 'created_date', dbt.type_timestamp()) }} as created_at,
        {{ salesforce_column(columns, var('salesforce_account_churn_date_column', none), 'date') }}
            as churn_date,
        -- housekeeping
        {{- salesforce_housekeeping(columns) }}
    from source

),

final as (

    select * from renamed

)

select * from final
