-- One row per Segment group call (groups), typed: the account (group_id) a user belongs to, and
-- the group traits the identity map reads: name, CRM account id and website domain (vars
-- segment_account_name_trait, segment_crm_id_trait, segment_website_trait).
{%- set landed = usage_connector_source('segment', 'groups') %}
{%- set present = landed.present %}

with

source as (

    select * from {{ landed.relation }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'id', dbt.type_string()) }} as message_id,
        nullif(trim({{ connector_column(present, 'group_id', dbt.type_string()) }}), '')
            as group_id,
        nullif(trim({{ connector_column(present, 'user_id', dbt.type_string()) }}), '') as user_id,
        nullif(trim({{ connector_column(present, 'anonymous_id', dbt.type_string()) }}), '')
            as anonymous_id,
        nullif(trim({{ connector_column(
            present, var('segment_crm_id_trait', 'crm_account_id'), dbt.type_string()
        ) }}), '') as crm_account_id,
        -- dimensions
        nullif(trim({{ connector_column(
            present, var('segment_account_name_trait', 'name'), dbt.type_string()
        ) }}), '') as group_name,
        {{ normalize_domain(connector_column(
            present, var('segment_website_trait', 'website'), dbt.type_string()
        )) }} as website_domain,
        -- dates
        {{ usage_column_quoted(present, 'timestamp', dbt.type_timestamp()) }} as occurred_at,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ connector_column(
            present, [var('segment_loaded_at_column', 'uuid_ts'), 'received_at'], dbt.type_timestamp()
        ) }} as loaded_at
    from source

)

select * from renamed
