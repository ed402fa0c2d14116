-- Every raw row of product.events, one per key, typed, with the reason it is quarantined (null
-- when it is staged). stg_product__events keeps the rows without a reason; `quarantine` lists the
-- others with their reason and detail.
-- Incremental when the events are read from the raw contract: a run re-checks only the keys
-- with a raw row loaded since the latest load it staged (less raw_lookback_hours, for loads
-- that commit out of order), the keys whose account changed since (the checks read it), and
-- the rows without a key or a _loaded_at. Each such key is deduplicated again from all of
-- its raw versions, so source_versions and the quarantine reconciliation stay exact, and
-- replaces its row (delete+insert on record_key; the row of the keyless rows is deleted by the
-- pre-hook and rebuilt). A raw row deleted, or one landed with an older _loaded_at than
-- that window, needs a --full-refresh. A connector's mapping view (whose mapping may change
-- without a new load) and Spark (parquet: no delete) rebuild the table.
{%- if shape_of('product') == 'contract' %}
    {%- set source_relation = source('product', 'events') %}
{%- else %}
    {#- a connector shape: its mapping view lands the connector's rows in this table's columns #}
    {%- set source_relation = ref('stg_' ~ shape_of('product') ~ '__contract_events') %}
{%- endif %}
{%- set raw_columns = contract_columns(source_relation, 'product', 'events') %}
{%- set text_columns = text_columns_of(source_relation) %}

{%- set is_incremental_model = shape_of('product') == 'contract' and target.type != 'spark' %}
{{
    config(
        materialized=('incremental' if is_incremental_model else 'table'),
        unique_key='record_key',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        meta={'test_window': events_test_window('record_key')},
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }} where record_key is null{% endif %}"
        ],
    )
}}

with

{%- if is_incremental() %}

staged_through as (

    select
        {{ dbt.dateadd('hour', -1 * var('raw_lookback_hours'), 'max(loaded_at)') }}
            as loaded_at
    from {{ this }}

),

-- staged keys whose account is no longer what their checks read (created, deleted,
-- quarantined or loaded since)
changed_account_keys as (

    select staged.record_key
    from {{ this }} as staged
    left join {{ ref('stg_crm__accounts') }} as accounts
        on staged.account_id = accounts.account_id
    where
        staged.known_account_id is distinct from accounts.account_id
        or staged.account_is_deleted is distinct from accounts.is_deleted
        or staged.account_deleted_at is distinct from accounts.loaded_at
        or staged.account_created_date is distinct from accounts.created_date

),

touched_keys as (

    select {{ record_key('event_id') }} as record_key
    from {{ source_relation }}
    cross join staged_through
    where
        {{ to_utc('_loaded_at') }} > staged_through.loaded_at
        or _loaded_at is null
    union
    select record_key
    from changed_account_keys

),
{%- endif %}

source as (

    select
        {{ select_contract_columns(raw_columns) }},
        {{ record_key('event_id') }} as record_key,
        {{ content_hash(raw_columns) }} as content_hash
    from {{ source_relation }}
    {%- if is_incremental() %}
    where
        {{ record_key('event_id') }} in (select touched_keys.record_key from touched_keys)
        or {{ record_key('event_id') }} is null
    {%- endif %}

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
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(feature_key as {{ dbt.type_string() }}) as feature_key,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dates
        {{ to_utc(parse_value('occurred_at', 'timestamp', text_columns)) }} as occurred_at,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions,
        -- what the checks need
        conflicting_versions,
        {{ unparseable_detail([], text_columns) }} as unparseable_number,
        {{ unparseable_detail([('occurred_at', 'timestamp')], text_columns) }} as unparseable_date
    from deduplicated

),

{%- set checks = key_checks('event_id')
    + mapping_checks()
    + unparseable_checks()
    + account_checks()
    + required_checks(['feature_key', 'occurred_at'])
    + timestamp_checks('occurred_at')
    + deleted_account_checks('occurred_at') %}

{{ quarantine_checked('renamed', checks, accounts=ref('stg_crm__accounts')) }}
