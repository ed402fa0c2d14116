-- One row per version of a Pendo feature (feature_history: one row per id and last_updated_at), and
-- whether it is the feature's current version: the latest last_updated_at, Pendo's own version time
-- (a re-synced old version can carry a later _fivetran_synced).
{%- set landed = usage_connector_source('pendo', 'feature_history') %}
{%- set present = landed.present %}

with

source as (

    select * from {{ landed.relation }}

),

renamed as (

    select
        -- ids
        nullif(trim({{ connector_column(present, 'id', dbt.type_string()) }}), '') as feature_id,
        {{ connector_column(present, 'app_id', dbt.type_string()) }} as app_id,
        -- dimensions
        {{ connector_column(present, 'name', dbt.type_string()) }} as feature_name,
        -- flags
        -- a core event is a key feature; without the column no feature is marked
        {{ connector_column(present, 'is_core_event', dbt.type_boolean()) }} as is_core_event,
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
            partition by feature_id
            order by last_updated_at desc nulls last, loaded_at desc
        ) = 1 as is_current_version
    from renamed

),

final as (

    select
        -- ids
        feature_id,
        app_id,
        -- dimensions
        feature_name,
        -- flags
        is_core_event,
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
