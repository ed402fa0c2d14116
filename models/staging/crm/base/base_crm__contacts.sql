-- Every raw row of crm.contacts, one per key, typed, with the reason it is quarantined (null when
-- it is staged). stg_crm__contacts keeps the rows without a reason; `quarantine` lists the others
-- with their reason and detail.
{%- if shape_of('crm') == 'contract' %}
    {%- set source_relation = source('crm', 'contacts') %}
{%- else %}
    {#- a connector shape: its mapping view lands the connector's rows in this table's columns #}
    {%- set source_relation = ref('stg_' ~ shape_of('crm') ~ '__contract_contacts') %}
{%- endif %}
{%- set raw_columns = contract_columns(source_relation, 'crm', 'contacts') %}
{%- set text_columns = text_columns_of(source_relation) %}
{#- PII: email and phone are normalised and hashed here (salted with var('pii_salt')); no
    model passes the values on. #}
{%- set email = "nullif(lower(trim(cast(email as " ~ dbt.type_string() ~ "))), '')" %}
{%- set phone = "nullif(" ~ strip_non_digits('phone') ~ ", '')" %}

with

source as (

    select
        {{ select_contract_columns(raw_columns) }},
        {{ record_key('contact_id') }} as record_key,
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
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        -- `role` is a keyword in some dialects, but it is the name downstream models use
        {{ normalize_enum('role') }} as role,  -- noqa: RF04
        -- pii, hashed
        {{ hash_pii(email) }} as email_hash,
        nullif({{ dbt.split_part(email, "'@'", 2) }}, '') as email_domain,
        {{ hash_pii(phone) }} as phone_hash,
        -- dates
        {{ parse_value('active_from', 'date', text_columns) }} as active_from_date,
        {{ parse_value('active_to', 'date', text_columns) }} as active_to_date,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions,
        -- what the checks need
        conflicting_versions,
        {{ unparseable_detail([], text_columns) }} as unparseable_number,
        {{ unparseable_detail(
            [('active_from', 'date'), ('active_to', 'date')],
            text_columns
        ) }} as unparseable_date
    from deduplicated

),

{%- set checks = key_checks('contact_id')
    + mapping_checks()
    + unparseable_checks()
    + account_checks()
    + required_checks(['role', ('active_from_date', 'active_from')])
    + timestamp_checks('active_from_date', after_load=false) %}

{{ quarantine_checked('renamed', checks, accounts=ref('stg_crm__accounts')) }}
