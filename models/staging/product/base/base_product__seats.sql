-- Every raw row of product.seats, one per key, typed, with the reason it is quarantined (null when
-- it is staged). stg_product__seats keeps the rows without a reason; `quarantine` lists the others
-- with their reason and detail.
{%- if shape_of('product') == 'contract' %}
    {%- set source_relation = source('product', 'seats') %}
{%- else %}
    {#- a connector shape: its mapping view lands the connector's rows in this table's columns #}
    {%- set source_relation = ref('stg_' ~ shape_of('product') ~ '__contract_seats') %}
{%- endif %}
{%- set raw_columns = contract_columns(source_relation, 'product', 'seats') %}
{%- set text_columns = text_columns_of(source_relation) %}

with

source as (

    select
        {{ select_contract_columns(raw_columns) }},
        {{ record_key(['account_id', 'effective_date'], masked=['effective_date']) }} as record_key,
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
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- measures
        cast({{ parse_value('licensed_seats', 'integer', text_columns) }} as {{ dbt.type_int() }}) as licensed_seats,  -- noqa: LT05
        -- dates
        {{ parse_value('effective_date', 'date', text_columns) }} as effective_date,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions,
        -- what the checks need
        conflicting_versions,
        {{ unparseable_detail(
            [('licensed_seats', 'integer')],
            text_columns
        ) }} as unparseable_number,
        {{ unparseable_detail([('effective_date', 'date')], text_columns) }} as unparseable_date
    from deduplicated

),

{%- set checks = key_checks('account_id
    + effective_date')
    + mapping_checks()
    + unparseable_checks()
    + account_checks()
    + required_checks(['licensed_seats'])
    + timestamp_checks('effective_date', after_load=false)
    + seat_checks('licensed_seats') %}

{{ quarantine_checked('renamed', checks, accounts=ref('stg_crm__accounts')) }}
