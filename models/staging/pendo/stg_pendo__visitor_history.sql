-- One row per version of a Pendo visitor (visitor_history: one row per id and
-- last_updated_at), with the visitor's account and email domain at that version, and whether it
-- is the visitor's current version (latest last_updated_at). The email itself is not passed on.
{%- set landed = usage_connector_source('pendo', 'visitor_history') %}
{%- set present = landed.present %}

with

source as (

    select * from {{ landed.relation }}

),

renamed as (

    select
        -- ids
        nullif(trim({{ connector_column(present, 'id', dbt.type_string()) }}), '') as visitor_id,
        nullif(trim({{ connector_column(present, 'account_id', dbt.type_string()) }}), '')
            as account_id,
        -- dimensions
        -- PII: only the domain of the email is kept (identity matching)
        {{ normalize_domain(connector_column(
            present, var('pendo_visitor_email_column', 'agent_email'), dbt.type_string()
        )) }} as email_domain,
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
            partition by visitor_id
            order by last_updated_at desc nulls last, loaded_at desc
        ) = 1 as is_current_version
    from renamed

),

final as (

    select
        -- ids
        visitor_id,
        account_id,
        -- dimensions
        email_domain,
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
