-- Every raw row of crm.opportunities, one per key, typed, with the reason it is quarantined (null
-- when it is staged). stg_crm__opportunities keeps the rows without a reason; `quarantine` lists
-- the others with their reason and detail.
{%- if shape_of('crm') == 'contract' %}
    {%- set source_relation = source('crm', 'opportunities') %}
{%- else %}
    {#- a connector shape: its mapping view lands the connector's rows in this table's columns #}
    {%- set source_relation = ref('stg_' ~ shape_of('crm') ~ '__contract_opportunities') %}
{%- endif %}
{%- set raw_columns = contract_columns(source_relation, 'crm', 'opportunities') %}
{%- set text_columns = text_columns_of(source_relation) %}

with

source as (

    select
        {{ select_contract_columns(raw_columns) }},
        {{ record_key('opportunity_id') }} as record_key,
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
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        {{ normalize_enum('opportunity_type') }} as opportunity_type,
        -- `stage` is a keyword in some dialects, but it is the CRM's own name
        {{ normalize_enum('stage') }} as stage,  -- noqa: RF04
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        -- measures
        {{ parse_value('amount', 'numeric', text_columns) }} as amount_local,
        {{ parse_value('previous_amount', 'numeric', text_columns) }} as previous_amount_local,
        -- dates
        {{ parse_value('close_date', 'date', text_columns) }} as close_date,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions,
        -- what the checks need
        conflicting_versions,
        {{ unparseable_detail(
            [('amount', 'numeric'), ('previous_amount', 'numeric')],
            text_columns
        ) }} as unparseable_number,
        {{ unparseable_detail([('close_date', 'date')], text_columns) }} as unparseable_date
    from deduplicated

),

{%- set checks = key_checks('opportunity_id')
    + mapping_checks()
    + unparseable_checks()
    + account_checks()
    + required_checks(['opportunity_type', 'stage', 'close_date'])
    + timestamp_checks('close_date', after_load=false)
    + amount_checks('amount_local', 'amount')
    + amount_checks('previous_amount_local', 'previous_amount')
    + currency_checks() %}

{{ quarantine_checked(
    'renamed', checks, accounts=ref('stg_crm__accounts'), currencies=ref('fx_rates')
) }}
