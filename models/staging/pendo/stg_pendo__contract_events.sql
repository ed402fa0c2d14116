-- Pendo's feature and page events mapped onto product.events (docs/connectors/pendo.md), for
-- base_product__events. Pendo pre-aggregates: a row is a bucket (an hour, or a day) of one
-- visitor's clicks on one feature (feature_event) or views of one page (page_event), with
-- num_events. Each bucket becomes num_events contract events, dated at the bucket's start, so
-- that event counts (the events trend) are the same as if every click had been sent; active
-- days and users read the same dates and visitors. The feature key is the feature's (or the
-- page's) Pendo id. Only the latest sync of a bucket is read (older ones are counted as unused
-- in stg_pendo__reconciliation, with the buckets of no event).
-- The account is the bucket's account, or (when the snippet sent none) the visitor's current
-- account, mapped onto the CRM by int_identity__account_map; a bucket without any account, or
-- whose account matched no CRM account (or several), is quarantined with the reason, as one
-- row whose detail gives the bucket's event count.
-- `event` rolls up the same activity without the feature: it is not read here.

with

feature_buckets as (

    select
        'feature_event' as connector_table,
        bucket_key,
        visitor_id,
        account_id,
        feature_id as object_id,
        num_events,
        bucket_at,
        is_deleted,
        loaded_at
    from {{ ref('stg_pendo__feature_event') }}
    where is_current_version

),

page_buckets as (

    select
        'page_event' as connector_table,
        bucket_key,
        visitor_id,
        account_id,
        page_id as object_id,
        num_events,
        bucket_at,
        is_deleted,
        loaded_at
    from {{ ref('stg_pendo__page_event') }}
    where is_current_version

),

visitors as (

    select
        visitor_id,
        account_id
    from {{ ref('stg_pendo__visitor_history') }}
    where is_current_version

),

account_map as (

    select
        source_account_id,
        crm_account_id,
        match_status,
        match_detail
    from {{ ref('int_identity__account_map') }}
    where source_system = 'pendo'

),

buckets as (

    select * from feature_buckets
    union all
    select * from page_buckets

),

-- a bucket with no count still stands for activity: one event
counted as (

    select
        *,
        coalesce(num_events, 1) as event_count
    from buckets

),

resolved as (

    select
        counted.connector_table,
        counted.bucket_key,
        counted.visitor_id,
        counted.object_id,
        counted.event_count,
        counted.bucket_at,
        counted.is_deleted,
        counted.loaded_at,
        coalesce(counted.account_id, visitors.account_id) as pendo_account_id,
        account_map.crm_account_id,
        account_map.match_status,
        account_map.match_detail,
        account_map.source_account_id is not null as has_account_record
    from counted
    left join visitors
        on counted.visitor_id = visitors.visitor_id
    left join account_map
        on coalesce(counted.account_id, visitors.account_id) = account_map.source_account_id
    -- a bucket of no event is no event (counted as unused)
    where counted.event_count > 0

),

checked as (

    select
        *,
        case
            when event_count > 100000 then 'implausible_event_count'
            when pendo_account_id is null then 'no_account'
            when not has_account_record then 'unmatched_identity'
            when match_status = 'ambiguous' then 'ambiguous_identity'
            when match_status = 'unmatched' then 'unmatched_identity'
        end as mapping_issue
    from resolved

),

numbers as (

    {{ numbers(5) }}

),

-- one row per event of the bucket (a bucket with a mapping issue is quarantined as one row);
-- the numbers come in classes by their count of digits, so that every engine joins a bucket
-- to them on equality (then on the range, within at most ten times its own count)
event_numbers as (

    select
        1 as digit_class,
        n + 1 as event_number
    from numbers
    where n < 10
    union all
    select
        2 as digit_class,
        n + 1 as event_number
    from numbers
    where n < 100
    union all
    select
        3 as digit_class,
        n + 1 as event_number
    from numbers
    where n < 1000
    union all
    select
        4 as digit_class,
        n + 1 as event_number
    from numbers
    where n < 10000
    union all
    select
        5 as digit_class,
        n + 1 as event_number
    from numbers
    where n < 100000

),

emitted as (

    select
        *,
        case when mapping_issue is null then event_count else 1 end as rows_to_emit
    from checked

),

classed as (

    select
        *,
        case
            when rows_to_emit <= 10 then 1
            when rows_to_emit <= 100 then 2
            when rows_to_emit <= 1000 then 3
            when rows_to_emit <= 10000 then 4
            when rows_to_emit <= 100000 then 5
        end as digit_class
    from emitted

),

expanded as (

    select
        classed.*,
        event_numbers.event_number
    from classed
    inner join event_numbers
        on
            classed.digit_class = event_numbers.digit_class
            and event_numbers.event_number <= classed.rows_to_emit

),

final as (

    select
        -- ids
        {{ dbt.concat([
            'connector_table', "':'", 'bucket_key', "':'",
            'cast(event_number as ' ~ dbt.type_string() ~ ')',
        ]) }} as event_id,
        crm_account_id as account_id,
        visitor_id as user_id,
        object_id as feature_key,
        -- Pendo rows carry no tenant
        cast(null as {{ dbt.type_string() }}) as org_id,
        -- dates
        bucket_at as occurred_at,
        -- housekeeping
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        mapping_issue as _mapping_issue,
        case
            when mapping_issue is null then null
            when mapping_issue = 'implausible_event_count'
                then {{ dbt.concat([
                    "'pendo ' ", 'connector_table', "' bucket of '",
                    'cast(event_count as ' ~ dbt.type_string() ~ ')',
                    "' events (above 100000)'",
                ]) }}
            when mapping_issue = 'no_account'
                then {{ dbt.concat([
                    "'pendo ' ", 'connector_table', "' of visitor '",
                    "coalesce(visitor_id, 'null')",
                    "' names no account, and the visitor has none: '",
                    'cast(event_count as ' ~ dbt.type_string() ~ ')', "' event(s)'",
                ]) }}
            when not has_account_record
                then {{ dbt.concat([
                    "'pendo account '", 'pendo_account_id',
                    "' has no account_history or visitor record; '",
                    'cast(event_count as ' ~ dbt.type_string() ~ ')', "' event(s)'",
                ]) }}
            else {{ dbt.concat([
                'match_detail', "'; '",
                'cast(event_count as ' ~ dbt.type_string() ~ ')', "' event(s)'",
            ]) }}
        end as _mapping_detail
    from expanded

)

select * from final
