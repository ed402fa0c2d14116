-- One row per version of a Pendo page (page_history: one row per id and last_updated_at), and
-- whether it is the page's current version: the latest last_updated_at, Pendo's own version time
-- (a re-synced old version can carry a later _fivetran_synced).
{%- set landed = usage_connector_source('pendo', 'page_history') %}
{%- set present = landed.present %}

with

source as (

    select * from {{ landed.relation }}

),

renamed as (

    select
        -- ids
        nullif(trim({{ connector_column(present, 'id', dbt.type_string()) }}), '') as page_id,
        {{ connector_column(present, 'app_id', dbt.type_string()) }} as app_id,
        -- dimensions
        {{ connector_column(present, 'name', dbt.type_string()) }} as page_name,
        -- dates
        {{ connector_column(present, 'created_at', dbt.type_timestamp()) }} as created_at,
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
            partition by page_id
            order by last_updated_at desc nulls last, loaded_at desc
        ) = 1 as is_current_version
    from renamed

),

final as (

    select
        -- ids
        page_id,
        app_id,
        -- dimensions
        page_name,
        -- flags
        is_current_version,
        -- dates
        created_at,
        last_updated_at,
        -- housekeeping
        is_deleted,
        loaded_at
    from versioned

)

select * from final
