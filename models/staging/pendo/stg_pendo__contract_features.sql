-- Pendo's tagged features and pages mapped onto product.features (docs/connectors/pendo.md),
-- for base_product__features: the current version of each (latest last_updated_at; older
-- versions are counted as unused in stg_pendo__reconciliation). The feature key is Pendo's id,
-- as in stg_pendo__contract_events. A feature flagged as a core event is a key feature; a page
-- never is. Without is_core_event no feature is marked and the key-feature factor is missing.

with

features as (

    select
        feature_id as feature_key,
        feature_name,
        is_core_event as is_key_feature,
        is_deleted,
        loaded_at
    from {{ ref('stg_pendo__feature_history') }}
    where is_current_version

),

marked as (

    select count(is_key_feature) as marked_features
    from features

),

pages as (

    select
        page_history.page_id as feature_key,
        page_history.page_name as feature_name,
        -- a page is no key feature; when no feature is marked at all, nothing is
        case when marked.marked_features > 0 then false end as is_key_feature,
        page_history.is_deleted,
        page_history.loaded_at
    from {{ ref('stg_pendo__page_history') }} as page_history
    cross join marked
    where page_history.is_current_version

),

catalogue as (

    select * from features
    union all
    select * from pages

),

final as (

    select
        -- ids
        cast(feature_key as {{ dbt.type_string() }}) as feature_key,
        -- Pendo rows carry no tenant
        cast(null as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        cast(feature_name as {{ dbt.type_string() }}) as feature_name,
        -- flags
        cast(is_key_feature as {{ dbt.type_boolean() }}) as is_key_feature,
        -- housekeeping
        cast(loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at,
        cast(is_deleted as {{ dbt.type_boolean() }}) as _is_deleted,
        cast(null as {{ dbt.type_string() }}) as _mapping_issue,
        cast(null as {{ dbt.type_string() }}) as _mapping_detail
    from catalogue

)

select * from final
