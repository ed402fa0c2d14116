-- The engagement-company associations (engagement_company), one row per connector row, typed;
-- a removed association (a delete flag, when the table has one) is kept, flagged.
{{ config(enabled=shape_of('crm') == 'hubspot') }}
{%- set present = hubspot_columns('engagement_company') %}

with

source as (

    select * from {{ hubspot_from('engagement_company', present) }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'engagement_id', dbt.type_bigint()) }} as engagement_id,
        {{ connector_column(present, 'company_id', dbt.type_bigint()) }} as company_id,
        {{ connector_column(present, 'type_id', dbt.type_bigint()) }} as type_id,
        -- dimensions
        {{ connector_column(present, 'category', dbt.type_string()) }} as category,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ hubspot_loaded_at(present) }} as loaded_at
    from source

),

final as (

    select * from renamed

)

select * from final
