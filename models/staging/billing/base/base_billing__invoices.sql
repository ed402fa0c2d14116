-- Every raw row of billing.invoices, one per key, typed, with the reason it is quarantined (null
-- when it is staged). stg_billing__invoices keeps the rows without a reason; `quarantine` lists
-- the others with their reason and detail.
{%- if shape_of('billing') == 'contract' %}
    {%- set source_relation = source('billing', 'invoices') %}
{%- else %}
    {#- a connector shape: its mapping view lands the connector's rows in this table's columns #}
    {%- set source_relation = ref('stg_' ~ shape_of('billing') ~ '__contract_invoices') %}
{%- endif %}
{%- set raw_columns = contract_columns(source_relation, 'billing', 'invoices') %}
{%- set text_columns = text_columns_of(source_relation) %}

with

source as (

    select
        {{ select_contract_columns(raw_columns) }},
        {{ record_key('invoice_id') }} as record_key,
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
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        {{ normalize_enum('status') }} as status,
        -- measures
        {{ parse_value('amount', 'numeric', text_columns) }} as amount_local,
        -- dates
        {{ parse_value('issued_date', 'date', text_columns) }} as issued_date,
        {{ parse_value('due_date', 'date', text_columns) }} as due_date,
        {{ parse_value('paid_date', 'date', text_columns) }} as paid_date,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions,
        -- what the checks need
        conflicting_versions,
        {{ unparseable_detail([('amount', 'numeric')], text_columns) }} as unparseable_number,
        {{ unparseable_detail(
            [('issued_date', 'date'), ('due_date', 'date'), ('paid_date', 'date')],
            text_columns
        ) }} as unparseable_date
    from deduplicated

),

{%- set checks = key_checks('invoice_id')
    + mapping_checks()
    + unparseable_checks()
    + account_checks()
    + required_checks(['status', ('amount_local', 'amount'), 'issued_date', 'due_date'])
    + timestamp_checks('issued_date')
    + amount_checks('amount_local', 'amount')
    + currency_checks()
    + order_check('issued_date', 'paid_date', 'paid_before_issued')
    + deleted_account_checks('issued_date') %}

{{ quarantine_checked(
    'renamed', checks, accounts=ref('stg_crm__accounts'), currencies=ref('fx_rates')
) }}
