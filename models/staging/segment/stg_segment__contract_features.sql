-- Segment's distinct events mapped onto product.features (docs/connectors/segment.md), for
-- base_product__features: one feature per track event name (named as sent, event_text) and per
-- page view (page:<page name>, when var segment_read_pages), loaded when its latest message
-- was. Segment has no list of features nor a notion of a key one: the events of var
-- segment_key_events are key features; with an empty list none is marked and the key-feature
-- factor is missing.
{%- set key_events = [] %}
{%- for event in var('segment_key_events', []) or [] %}
    {%- do key_events.append("'" ~ (event | string | replace("'", "''")) ~ "'") %}
{%- endfor %}
{%- if key_events %}
    {%- set is_key = 'feature_key in (' ~ key_events | join(', ') ~ ')' %}
{%- else %}
    {%- set is_key = 'null' %}
{%- endif %}

with

track_features as (

    select
        event_name as feature_key,
        max(coalesce(event_text, event_name)) as feature_name,
        max(loaded_at) as loaded_at
    from {{ ref('stg_segment__tracks') }}
    where event_name is not null
    group by 1

),

{%- if var('segment_read_pages', true) %}

    page_features as (

        select
            {{ dbt.concat(["'page:'", 'lower(trim(coalesce(page_name, page_path)))']) }}
                as feature_key,
            max(trim(coalesce(page_name, page_path))) as feature_name,
            max(loaded_at) as loaded_at
        from {{ ref('stg_segment__pages') }}
        where coalesce(page_name, page_path) is not null
        group by 1

    ),
{%- endif %}

catalogue as (

    select * from track_features
    {%- if var('segment_read_pages', true) %}
        union all
        select * from page_features
    {%- endif %}

),

final as (

    select
        -- ids
        cast(feature_key as {{ dbt.type_string() }}) as feature_key,
        -- Segment calls carry no tenant
        cast(null as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        cast(feature_name as {{ dbt.type_string() }}) as feature_name,
        -- flags
        cast({{ is_key }} as {{ dbt.type_boolean() }}) as is_key_feature,
        -- housekeeping
        cast(loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at,
        false as _is_deleted,
        cast(null as {{ dbt.type_string() }}) as _mapping_issue,
        cast(null as {{ dbt.type_string() }}) as _mapping_detail
    from catalogue

)

select * from final
