-- Every raw row of billing.plan_changes, one per key, typed, with the reason it is quarantined
-- (null when it is staged). stg_billing__plan_changes keeps the rows without a reason;
-- `quarantine` lists the others with their reason and detail.
{%- if shape_of('billing') == 'contract' %}
    {%- set source_relation = source('billing', 'plan_changes') %}
{%- else %}
    {#- a connector shape: its mapping view lands the connector's rows in this table's columns #}
    {%- set source_relation = ref('stg_' ~ shape_of('billing') ~ '__contract_plan_changes') %}
{%- endif %}
{%- set raw_columns = contract_columns(source_relation, 'billing', 'plan_changes') %}
{%- set text_columns = text_columns_of(source_relation) %}

with

source as (

    select
        {{ select_contract_columns(raw_columns) }},
        {{ record_key('change_id') }} as record_key,
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
        cast(change_id as {{ dbt.type_string() }}) as change_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        {{ normalize_enum('change_type') }} as change_type,
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        -- measures
        cast({{ parse_value('seats_before', 'integer', text_columns) }} as {{ dbt.type_int() }}) as seats_before,  -- noqa: LT05
        cast({{ parse_value('seats_after', 'integer', text_columns) }} as {{ dbt.type_int() }}) as seats_after,  -- noqa: LT05
        {{ parse_value('mrr_before', 'numeric', text_columns) }} as mrr_before_local,
        {{ parse_value('mrr_after', 'numeric', text_columns) }} as mrr_after_local,
        -- dates
        {{ to_utc(parse_value('changed_at', 'timestamp', text_columns)) }} as changed_at,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions,
        -- what the checks need
        conflicting_versions,
        {{ unparseable_detail(
            [('seats_before', 'integer'), ('seats_after', 'integer'), ('mrr_before', 'numeric'), ('mrr_after', 'numeric')],
            text_columns
        ) }} as unparseable_number,
        {{ unparseable_detail([('changed_at', 'timestamp')], text_columns) }} as unparseable_date
    from deduplicated

),

{%- set checks = key_checks('change_id')
    + mapping_checks()
    + unparseable_checks()
    + account_checks()
    + required_checks([
        'subscription_id', 'change_type', 'seats_before', 'seats_after',
        ('mrr_before_local', 'mrr_before'), ('mrr_after_local', 'mrr_after'), 'changed_at',
    ])
    + reference_checks('subscription_id', 'billing.subscriptions')
    + timestamp_checks('changed_at')
    + amount_checks('mrr_before_local', 'mrr_before')
    + amount_checks('mrr_after_local', 'mrr_after')
    + currency_checks()
    + deleted_account_checks('changed_at') %}

{{ quarantine_checked(
    'renamed', checks, accounts=ref('stg_crm__accounts'), currencies=ref('fx_rates'),
    references=[('subscription_id', ref('stg_billing__subscriptions'), 'subscription_id')]
) }}
