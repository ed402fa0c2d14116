-- One row per Segment table read and the contract table it feeds (connector_reconciliation):
-- every call is mapped or unused with the reason. Page calls are not read (nor counted) with
-- var segment_read_pages false.
--     connector_rows = mapped_rows + unused_rows
{%- set read_pages = var('segment_read_pages', true) %}

with

tracks_events as (

    select
        'tracks' as connector_table,
        'product.events' as contract_table,
        count(*) as connector_rows,
        count(*) as mapped_rows,
        cast(null as {{ dbt.type_string() }}) as reason
    from {{ ref('stg_segment__tracks') }}

),

tracks_features as (

    select
        'tracks' as connector_table,
        'product.features' as contract_table,
        count(*) as connector_rows,
        count(event_name) as mapped_rows,
        'calls without an event name' as reason
    from {{ ref('stg_segment__tracks') }}

),

{%- if read_pages %}

    pages_events as (

        select
            'pages' as connector_table,
            'product.events' as contract_table,
            count(*) as connector_rows,
            count(*) as mapped_rows,
            cast(null as {{ dbt.type_string() }}) as reason
        from {{ ref('stg_segment__pages') }}

    ),

    pages_features as (

        select
            'pages' as connector_table,
            'product.features' as contract_table,
            count(*) as connector_rows,
            count(coalesce(page_name, page_path)) as mapped_rows,
            'page views without a name or path' as reason
        from {{ ref('stg_segment__pages') }}

    ),
{%- endif %}

identifies as (

    select
        'identifies' as connector_table,
        'identity.account_map' as contract_table,
        count(*) as connector_rows,
        sum(case when user_id is not null and not is_deleted then 1 else 0 end) as mapped_rows,
        'calls without a user id (they link nothing), or deleted' as reason
    from {{ ref('stg_segment__identifies') }}

),

groups_calls as (

    select
        'groups' as connector_table,
        'identity.account_map' as contract_table,
        count(*) as connector_rows,
        sum(case when group_id is not null and not is_deleted then 1 else 0 end) as mapped_rows,
        'calls without a group id, or deleted' as reason
    from {{ ref('stg_segment__groups') }}

),

counts as (

    select * from tracks_events
    union all
    select * from tracks_features
    {%- if read_pages %}
        union all
        select * from pages_events
        union all
        select * from pages_features
    {%- endif %}
    union all
    select * from identifies
    union all
    select * from groups_calls

),

final as (

    select
        cast('segment' as {{ dbt.type_string() }}) as connector,
        cast(connector_table as {{ dbt.type_string() }}) as connector_table,
        cast(contract_table as {{ dbt.type_string() }}) as contract_table,
        cast(connector_rows as {{ dbt.type_bigint() }}) as connector_rows,
        cast(coalesce(mapped_rows, 0) as {{ dbt.type_bigint() }}) as mapped_rows,
        cast(connector_rows - coalesce(mapped_rows, 0) as {{ dbt.type_bigint() }}) as unused_rows,
        cast(
            case when connector_rows - coalesce(mapped_rows, 0) > 0 then reason end
            as {{ dbt.type_string() }}
        ) as unused_reason
    from counts

)

select * from final
