-- Every raw row of billing.subscriptions, one per key, typed, with the reason it is quarantined
-- (null when it is staged). stg_billing__subscriptions keeps the rows without a reason;
-- `quarantine` lists the others with their reason and detail.
{%- if shape_of('billing') == 'contract' %}
    {%- set source_relation = source('billing', 'subscriptions') %}
{%- else %}
    {#- a connector shape: its mapping view lands the connector's rows in this table's columns #}
    {%- set source_relation = ref('stg_' ~ shape_of('billing') ~ '__contract_subscriptions') %}
{%- endif %}
{%- set raw_columns = contract_columns(source_relation, 'billing', 'subscriptions') %}
{%- set text_columns = text_columns_of(source_relation) %}

with

source as (

    select
        {{ select_contract_columns(raw_columns) }},
        {{ record_key('subscription_id') }} as record_key,
        {{ content_hash(raw_columns) }} as content_hash
    from {{ source_relation }}

),

tracked as (

    select
        *,
        -- when the status and cancelled_at took their current values (see deduplicate_latest)
        {{ generate_surrogate_key(['status', 'cancelled_at']) }} as since_hash
    from source

),

deduplicated as (

    {{ deduplicate_latest(
        'tracked', ['record_key'], content_hash='content_hash', since_hash='since_hash'
    ) }}

),

renamed as (

    select
        record_key,
        -- set by a connector's mapping view when a row cannot be mapped (else null)
        _mapping_issue as mapping_issue,
        _mapping_detail as mapping_detail,
        -- ids
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        -- free text: emails and phones masked (mask_pii)
        {{ normalize_enum(mask_pii('plan')) }} as plan,
        {{ normalize_enum('status') }} as status_cleaned,
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        -- measures
        cast({{ parse_value('seats', 'integer', text_columns) }} as {{ dbt.type_int() }}) as seats,
        {{ parse_value('mrr_amount', 'numeric', text_columns) }} as mrr_local,
        -- dates
        {{ to_utc(parse_value('started_at', 'timestamp', text_columns)) }} as started_at,
        {{ to_utc(parse_value('cancelled_at', 'timestamp', text_columns)) }} as cancelled_at,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        {{ to_utc('since_loaded_at') }} as status_loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions,
        -- what the checks need
        conflicting_versions,
        {{ unparseable_detail(
            [('seats', 'integer'), ('mrr_amount', 'numeric')],
            text_columns
        ) }} as unparseable_number,
        {{ unparseable_detail(
            [('started_at', 'timestamp'), ('cancelled_at', 'timestamp')],
            text_columns
        ) }} as unparseable_date
    from deduplicated

),

{%- set checks = key_checks('subscription_id')
    + mapping_checks()
    + unparseable_checks()
    + account_checks()
    + required_checks(['plan', ('status_cleaned', 'status'), 'seats', ('mrr_local', 'mrr_amount'), 'started_at'])
    + timestamp_checks('started_at', after_load=false)
    + amount_checks('mrr_local', 'mrr_amount')
    + currency_checks() %}

{{ quarantine_checked(
    'renamed', checks, accounts=ref('stg_crm__accounts'), currencies=ref('fx_rates')
) }}
