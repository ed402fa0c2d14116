-- One row per Pendo visitor-account link (visitor_account_history: a visitor may belong to
-- several accounts), with whether it belongs to the visitor's latest version.
{%- set landed = usage_connector_source('pendo', 'visitor_account_history') %}
{%- set present = landed.present %}

with

source as (

    select * from {{ landed.relation }}

),

renamed as (

    select
        -- ids
        nullif(trim({{ connector_column(present, 'visitor_id', dbt.type_string()) }}), '')
            as visitor_id,
        nullif(trim({{ connector_column(present, 'account_id', dbt.type_string()) }}), '')
            as account_id,
        -- dates
        {{ connector_column(present, 'visitor_last_updated_at', dbt.type_timestamp()) }}
            as visitor_last_updated_at,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ usage_loaded_at_or_null(present) }} as loaded_at
    from source

),

versioned as (

    select
        *,
        -- the links of the visitor's latest version are its current accounts
        coalesce(
            visitor_last_updated_at = max(visitor_last_updated_at) over (
                partition by visitor_id
            ),
            true
        ) as is_current_version
    from renamed

),

final as (

    select
        -- ids
        visitor_id,
        account_id,
        -- flags
        is_current_version,
        -- dates
        visitor_last_updated_at,
        -- housekeeping
        is_deleted,
        loaded_at
    from versioned

)

select * from final
