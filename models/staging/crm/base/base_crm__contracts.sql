-- Every raw row of crm.contracts, one per key, typed, with the reason it is quarantined (null when
-- it is staged). stg_crm__contracts keeps the rows without a reason; `quarantine` lists the others
-- with their reason and detail.
{%- if shape_of('crm') == 'contract' %}
    {%- set source_relation = source('crm', 'contracts') %}
{%- else %}
    {#- a connector shape: its mapping view lands the connector's rows in this table's columns #}
    {%- set source_relation = ref('stg_' ~ shape_of('crm') ~ '__contract_contracts') %}
{%- endif %}
{%- set raw_columns = contract_columns(source_relation, 'crm', 'contracts') %}
{%- set text_columns = text_columns_of(source_relation) %}

with

source as (

    select
        {{ select_contract_columns(raw_columns) }},
        {{ record_key('contract_id') }} as record_key,
        {{ content_hash(raw_columns) }} as content_hash
    from {{ source_relation }}

),

tracked as (

    select
        *,
        -- when the status, end_date and renewal_date took their current values
        -- (see deduplicate_latest)
        {{ generate_surrogate_key(['status', 'end_date', 'renewal_date']) }} as since_hash
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
        cast(contract_id as {{ dbt.type_string() }}) as contract_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        {{ normalize_enum('status') }} as status,
        -- measures
        {{ parse_value('arr_amount', 'numeric', text_columns) }} as arr_local,
        -- dates
        {{ parse_value('start_date', 'date', text_columns) }} as start_date,
        {{ parse_value('end_date', 'date', text_columns) }} as end_date,
        {{ parse_value('renewal_date', 'date', text_columns) }} as renewal_date,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        {{ to_utc('since_loaded_at') }} as status_loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions,
        -- what the checks need
        conflicting_versions,
        {{ unparseable_detail([('arr_amount', 'numeric')], text_columns) }} as unparseable_number,
        {{ unparseable_detail(
            [('start_date', 'date'), ('end_date', 'date'), ('renewal_date', 'date')],
            text_columns
        ) }} as unparseable_date
    from deduplicated

),

{%- set checks = key_checks('contract_id')
    + mapping_checks()
    + unparseable_checks()
    + account_checks()
    + required_checks(['status', ('arr_local', 'arr_amount'), 'start_date'])
    + timestamp_checks('start_date', after_load=false)
    + amount_checks('arr_local', 'arr_amount')
    + currency_checks() %}

{{ quarantine_checked(
    'renamed', checks, accounts=ref('stg_crm__accounts'), currencies=ref('fx_rates')
) }}
