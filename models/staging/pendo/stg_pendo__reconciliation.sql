-- One row per Pendo table read and the contract table it feeds (connector_reconciliation):
-- every row is mapped (a current version, a bucket's latest sync) or unused with the reason.
--     connector_rows = mapped_rows + unused_rows

with

account_history as (

    select
        'account_history' as connector_table,
        'identity.account_map' as contract_table,
        count(*) as connector_rows,
        sum(case when is_current_version and account_id is not null then 1 else 0 end)
            as mapped_rows,
        'older versions of an account (an earlier last_updated_at), or no id' as reason
    from {{ ref('stg_pendo__account_history') }}

),

visitor_history as (

    select
        'visitor_history' as connector_table,
        'identity.account_map' as contract_table,
        count(*) as connector_rows,
        sum(case when is_current_version and visitor_id is not null then 1 else 0 end)
            as mapped_rows,
        'older versions of a visitor (an earlier last_updated_at), or no id' as reason
    from {{ ref('stg_pendo__visitor_history') }}

),

visitor_account_history as (

    select
        'visitor_account_history' as connector_table,
        'identity.account_map' as contract_table,
        count(*) as connector_rows,
        sum(case when is_current_version and not is_deleted then 1 else 0 end) as mapped_rows,
        'links of an older visitor version, or deleted' as reason
    from {{ ref('stg_pendo__visitor_account_history') }}

),

feature_history as (

    select
        'feature_history' as connector_table,
        'product.features' as contract_table,
        count(*) as connector_rows,
        sum(case when is_current_version then 1 else 0 end) as mapped_rows,
        'older versions of a feature (an earlier last_updated_at)' as reason
    from {{ ref('stg_pendo__feature_history') }}

),

page_history as (

    select
        'page_history' as connector_table,
        'product.features' as contract_table,
        count(*) as connector_rows,
        sum(case when is_current_version then 1 else 0 end) as mapped_rows,
        'older versions of a page (an earlier last_updated_at)' as reason
    from {{ ref('stg_pendo__page_history') }}

),

feature_event as (

    select
        'feature_event' as connector_table,
        'product.events' as contract_table,
        count(*) as connector_rows,
        sum(case when is_current_version and coalesce(num_events, 1) > 0 then 1 else 0 end)
            as mapped_rows,
        'older syncs of a bucket, or buckets of no event (num_events 0)' as reason
    from {{ ref('stg_pendo__feature_event') }}

),

page_event as (

    select
        'page_event' as connector_table,
        'product.events' as contract_table,
        count(*) as connector_rows,
        sum(case when is_current_version and coalesce(num_events, 1) > 0 then 1 else 0 end)
            as mapped_rows,
        'older syncs of a bucket, or buckets of no event (num_events 0)' as reason
    from {{ ref('stg_pendo__page_event') }}

),

all_activity as (

    select
        'event' as connector_table,
        'product.events' as contract_table,
        count(*) as connector_rows,
        0 as mapped_rows,
        'rolls up the activity of feature_event and page_event (read instead)' as reason
    from {{ ref('stg_pendo__event') }}

),

counts as (

    select * from account_history
    union all
    select * from visitor_history
    union all
    select * from visitor_account_history
    union all
    select * from feature_history
    union all
    select * from page_history
    union all
    select * from feature_event
    union all
    select * from page_event
    union all
    select * from all_activity

),

final as (

    select
        cast('pendo' as {{ dbt.type_string() }}) as connector,
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
