-- Every raw row of product.features, one per key, typed, with the reason it is quarantined (null
-- when it is staged). stg_product__features keeps the rows without a reason; `quarantine` lists
-- the others with their reason and detail.
{%- if shape_of('product') == 'contract' %}
    {%- set source_relation = source('product', 'features') %}
{%- else %}
    {#- a connector shape: its mapping view lands the connector's rows in this table's columns #}
    {%- set source_relation = ref('stg_' ~ shape_of('product') ~ '__contract_features') %}
{%- endif %}
{%- set raw_columns = contract_columns(source_relation, 'product', 'features') %}
{%- set text_columns = text_columns_of(source_relation) %}

with

source as (

    select
        {{ select_contract_columns(raw_columns) }},
        {{ record_key('feature_key') }} as record_key,
        {{ content_hash(raw_columns) }} as content_hash
    from {{ source_relation }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['record_key'], content_hash='content_hash') }}

),

renamed as (

    select
        record_key,
        -- set by a connector's mapping view when a row cannot be mapped (else null)
        _mapping_issue as mapping_issue,
        _mapping_detail as mapping_detail,
        -- ids
        cast(feature_key as {{ dbt.type_string() }}) as feature_key,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        -- free text: emails and phones masked (mask_pii)
        trim({{ mask_pii('feature_name') }}) as feature_name,
        -- flags
        cast(is_key_feature as {{ dbt.type_boolean() }}) as is_key_feature,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions,
        -- what the checks need
        conflicting_versions,
        {{ unparseable_detail([], text_columns) }} as unparseable_number,
        {{ unparseable_detail([], text_columns) }} as unparseable_date
    from deduplicated

),

{%- set checks = key_checks('feature_key')
    + mapping_checks()
    + unparseable_checks()
    + required_checks(['feature_name']) %}

{{ quarantine_checked('renamed', checks) }}
