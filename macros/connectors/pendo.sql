{#- Pendo's pre-aggregated event tables (feature_event, page_event, event) as one native
    staging view each: one row per connector row, typed, with the bucket key the connector does
    not have (docs/connectors/pendo.md: timestamp, visitor, account, server, IP, object id and
    _fivetran_id) and whether the row is the latest sync of its bucket. `object_column` is the
    table's feature_id or page_id. -#}
{% macro pendo_event_buckets(table_name, object_column) -%}
    {%- set landed = usage_connector_source('pendo', table_name) -%}
    {%- set present = landed.present -%}
with

source as (

    select * from {{ landed.relation }}

),

renamed as (

    select
        -- ids
        {{ generate_surrogate_key([
            usage_column_quoted(present, 'timestamp', dbt.type_timestamp()),
            connector_column(present, 'visitor_id', dbt.type_string()),
            connector_column(present, 'account_id', dbt.type_string()),
            connector_column(present, 'server_name', dbt.type_string()),
            connector_column(present, 'remote_ip', dbt.type_string()),
            connector_column(present, object_column, dbt.type_string()),
            connector_column(present, '_fivetran_id', dbt.type_string()),
        ]) }} as bucket_key,
        {{ connector_column(present, '_fivetran_id', dbt.type_string()) }} as fivetran_id,
        nullif(trim({{ connector_column(present, 'visitor_id', dbt.type_string()) }}), '') as visitor_id,
        -- empty for anonymous visitors and for events sent without an account
        nullif(trim({{ connector_column(present, 'account_id', dbt.type_string()) }}), '') as account_id,
        nullif(trim({{ connector_column(present, object_column, dbt.type_string()) }}), '')
            as {{ object_column }},
        {{ connector_column(present, 'app_id', dbt.type_string()) }} as app_id,
        {{ connector_column(present, 'server_name', dbt.type_string()) }} as server_name,
        -- measures
        {{ connector_column(present, 'num_events', dbt.type_bigint()) }} as num_events,
        {{ connector_column(present, 'num_minutes', dbt.type_bigint()) }} as num_minutes,
        -- dates
        {{ usage_column_quoted(present, 'timestamp', dbt.type_timestamp()) }} as bucket_at,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ usage_loaded_at_or_null(present) }} as loaded_at
    from source

),

versioned as (

    select
        *,
        -- a bucket re-synced with more events: only its latest sync counts
        row_number() over (
            partition by bucket_key
            order by loaded_at desc
        ) = 1 as is_current_version
    from renamed

),

final as (

    select
        -- ids
        bucket_key,
        fivetran_id,
        visitor_id,
        account_id,
        {{ object_column }},
        app_id,
        server_name,
        -- measures
        num_events,
        num_minutes,
        -- dates
        bucket_at,
        -- flags
        is_current_version,
        -- housekeeping
        is_deleted,
        loaded_at
    from versioned

)

select * from final
{%- endmacro %}
