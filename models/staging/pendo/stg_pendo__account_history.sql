-- One row per version of a Pendo account (account_history: one row per id and
-- last_updated_at), with the columns the identity map reads and whether it is the account's
-- current version: the latest last_updated_at, Pendo's own version time (a re-synced old
-- version can carry a later _fivetran_synced).
{%- set landed = usage_connector_source('pendo', 'account_history') %}
{%- set present = landed.present %}

with

source as (

    select * from {{ landed.relation }}

),

renamed as (

    select
        -- ids
        nullif(trim({{ connector_column(present, 'id', dbt.type_string()) }}), '') as account_id,
        -- the CRM account id the account carries (var pendo_crm_id_column: the id itself, or
        -- an agent_* / salesforce_* column)
        nullif(trim({{ connector_column(
            present, var('pendo_crm_id_column', 'id'), dbt.type_string()
        ) }}), '') as crm_account_id,
        -- dimensions
        {{ connector_column(
            present, var('pendo_account_name_column', 'agent_name'), dbt.type_string()
        ) }} as account_name,
        -- dates
        {{ connector_column(present, 'first_visit', dbt.type_timestamp()) }} as first_visit_at,
        {{ connector_column(present, 'last_visit', dbt.type_timestamp()) }} as last_visit_at,
        {{ connector_column(present, 'last_updated_at', dbt.type_timestamp()) }}
            as last_updated_at,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ usage_loaded_at_or_null(present) }} as loaded_at
    from source

),

versioned as (

    select
        *,
        row_number() over (
            partition by account_id
            order by last_updated_at desc nulls last, loaded_at desc
        ) = 1 as is_current_version
    from renamed

),

final as (

    select
        -- ids
        account_id,
        crm_account_id,
        -- dimensions
        account_name,
        -- flags
        is_current_version,
        -- dates
        first_visit_at,
        last_visit_at,
        last_updated_at,
        -- housekeeping
        is_deleted,
        loaded_at
    from versioned

)

select * from final
