-- Every raw row of crm.sentiment, one per key, typed, with the reason it is quarantined (null when
-- it is staged). stg_crm__sentiment keeps the rows without a reason; `quarantine` lists the others
-- with their reason and detail.
{%- if shape_of('crm') == 'contract' %}
    {%- set source_relation = source('crm', 'sentiment') %}
{%- else %}
    {#- a connector shape: its mapping view lands the connector's rows in this table's columns #}
    {%- set source_relation = ref('stg_' ~ shape_of('crm') ~ '__contract_sentiment') %}
{%- endif %}
{%- set raw_columns = contract_columns(source_relation, 'crm', 'sentiment') %}
{%- set text_columns = text_columns_of(source_relation) %}

with

source as (

    select
        {{ select_contract_columns(raw_columns) }},
        {{ record_key('sentiment_id') }} as record_key,
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
        cast(sentiment_id as {{ dbt.type_string() }}) as sentiment_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        -- free text (author, note): emails and phones masked (mask_pii)
        trim({{ mask_pii('author') }}) as author,
        cast({{ parse_value('sentiment_score', 'integer', text_columns) }} as {{ dbt.type_int() }}) as sentiment_score_given,  -- noqa: LT05
        {{ normalize_enum('rag') }} as rag_cleaned,
        nullif(trim({{ mask_pii('note') }}), '') as note,
        {{ normalize_enum('override_tier') }} as override_tier,
        -- dates
        {{ to_utc(parse_value('recorded_at', 'timestamp', text_columns)) }} as recorded_at,
        {{ to_utc(parse_value('override_expires_at', 'timestamp', text_columns)) }} as override_expires_at,  -- noqa: LT05
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions,
        -- what the checks need
        conflicting_versions,
        {{ unparseable_detail(
            [('sentiment_score', 'integer')],
            text_columns
        ) }} as unparseable_number,
        {{ unparseable_detail(
            [('recorded_at', 'timestamp'), ('override_expires_at', 'timestamp')],
            text_columns
        ) }} as unparseable_date
    from deduplicated

),

{%- set checks = key_checks('sentiment_id')
    + mapping_checks()
    + unparseable_checks()
    + account_checks()
    + required_checks(['recorded_at'])
    + timestamp_checks('recorded_at')
    + range_check('sentiment_score_given', 1, 5)
    + deleted_account_checks('recorded_at') %}

{{ quarantine_checked('renamed', checks, accounts=ref('stg_crm__accounts')) }}
