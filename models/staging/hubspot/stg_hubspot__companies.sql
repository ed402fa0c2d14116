-- One row per HubSpot company, typed and renamed; HubSpot's ids kept. The properties HubSpot has
-- no standard field for (segment, region, churn date, the CRM id of the Salesforce sync) are
-- read from the custom properties the vars name; an absent one is null.
{{ config(enabled=shape_of('crm') == 'hubspot' or shape_of('support') == 'hubspot') }}
{%- set present = hubspot_columns('company') %}
{%- set timestamp = dbt.type_timestamp() %}
{%- set text = dbt.type_string() %}

with

source as (

    select * from {{ hubspot_from('company', present) }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'id', dbt.type_bigint()) }} as company_id,
        {{ connector_column(present, 'property_hs_parent_company_id', dbt.type_bigint()) }}
            as parent_company_id,
        {{ connector_column(present, 'property_hubspot_owner_id', dbt.type_bigint()) }}
            as owner_id,
        nullif(trim({{ hubspot_property(
            present, 'hubspot_crm_id_property', 'salesforceaccountid', text
        ) }}), '') as crm_id,
        -- dimensions
        {{ connector_column(present, 'property_name', text) }} as company_name,
        nullif(trim({{ connector_column(present, 'property_domain', text) }}), '') as domain_name,
        nullif(trim({{ connector_column(present, 'property_website', text) }}), '') as website,
        {{ connector_column(present, 'property_industry', text) }} as industry,
        nullif(trim({{ hubspot_property(
            present, 'hubspot_segment_property', 'segment', text
        ) }}), '') as segment_property,
        {{ connector_column(present, 'property_numberofemployees', type_double()) }}
            as employee_count,
        {{ hubspot_property(present, 'hubspot_region_property', 'region', text) }} as region,
        {{ hubspot_property(present, 'hubspot_account_status_property', 'lifecyclestage', text) }}
            as lifecycle_stage,
        -- dates
        {{ connector_column(present, 'property_createdate', timestamp) }} as created_at,
        {{ hubspot_property(
            present, 'hubspot_customer_since_property', 'hs_lifecyclestage_customer_date', timestamp
        ) }} as customer_since_at,
        cast({{ hubspot_property(
            present, 'hubspot_churn_date_property', 'churn_date', timestamp
        ) }} as date) as churn_date,
        -- housekeeping
        {{ connector_deleted(present, ['is_deleted']) }} as is_deleted,
        {{ hubspot_loaded_at(present) }} as loaded_at
    from source

),

final as (

    select * from renamed

)

select * from final
