-- One row per HubSpot deal, typed and renamed; HubSpot's ids kept. The term dates and the
-- previous ARR of a renewal are the custom properties the vars name.
{{ config(enabled=shape_of('crm') == 'hubspot') }}
{%- set present = hubspot_columns('deal') %}
{%- set text = dbt.type_string() %}
{%- set timestamp = dbt.type_timestamp() %}
{%- set numeric = type_double() %}

with

source as (

    select * from {{ hubspot_from('deal', present) }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'deal_id', dbt.type_bigint()) }} as deal_id,
        {{ connector_column(present, 'deal_pipeline_id', text) }} as pipeline_id,
        {{ connector_column(present, 'deal_pipeline_stage_id', text) }} as stage_id,
        {{ connector_column(present, 'owner_id', dbt.type_bigint()) }} as owner_id,
        -- dimensions
        {{ connector_column(present, 'property_dealname', text) }} as deal_name,
        {{ connector_column(present, 'property_dealtype', text) }} as deal_type,
        nullif(upper(trim(
            {{ connector_column(present, 'property_deal_currency_code', text) }}
        )), '') as currency_code,
        -- measures
        {{ connector_column(present, 'property_amount', numeric) }} as amount,
        {{ hubspot_property(present, 'hubspot_previous_amount_property', 'previous_arr', numeric) }}
            as previous_amount,
        -- dates
        {{ connector_column(present, 'property_closedate', timestamp) }} as closed_at,
        {{ connector_column(present, 'property_createdate', timestamp) }} as created_at,
        cast({{ hubspot_property(
            present, 'hubspot_contract_end_date_property', 'contract_end_date', timestamp
        ) }} as date) as contract_end_date,
        cast({{ hubspot_property(
            present, 'hubspot_renewal_date_property', 'renewal_date', timestamp
        ) }} as date) as renewal_date,
        -- housekeeping
        {{ connector_deleted(present, ['is_deleted']) }} as is_deleted,
        {{ hubspot_loaded_at(present) }} as loaded_at
    from source

),

final as (

    select * from renamed

)

select * from final
