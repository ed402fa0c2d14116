-- Every raw row of support.tickets, one per key, typed, with the reason it is quarantined (null
-- when it is staged). stg_support__tickets keeps the rows without a reason; `quarantine` lists the
-- others with their reason and detail.
{%- if shape_of('support') == 'contract' %}
    {%- set source_relation = source('support', 'tickets') %}
{%- else %}
    {#- a connector shape: its mapping view lands the connector's rows in this table's columns #}
    {%- set source_relation = ref('stg_' ~ shape_of('support') ~ '__contract_tickets') %}
{%- endif %}
{%- set raw_columns = contract_columns(source_relation, 'support', 'tickets') %}
{%- set text_columns = text_columns_of(source_relation) %}

with

source as (

    select
        {{ select_contract_columns(raw_columns) }},
        {{ record_key('ticket_id') }} as record_key,
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
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(requester_id as {{ dbt.type_string() }}) as requester_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        {{ normalize_enum('priority') }} as priority,
        {{ normalize_enum('status') }} as status,
        -- free text: emails and phones masked (mask_pii)
        nullif(trim({{ mask_pii('subject') }}), '') as subject,
        -- measures
        -- null when the help desk does not count reopens (HubSpot): a missing signal, not 0
        cast({{ parse_value('reopened_count', 'integer', text_columns) }} as {{ dbt.type_int() }}) as reopened_count,  -- noqa: LT05
        cast({{ parse_value('csat_score', 'integer', text_columns) }} as {{ dbt.type_int() }}) as csat_score,  -- noqa: LT05
        -- dates
        {{ to_utc(parse_value('created_at', 'timestamp', text_columns)) }} as created_at,
        {{ to_utc(parse_value('first_response_at', 'timestamp', text_columns)) }} as first_response_at,  -- noqa: LT05
        {{ to_utc(parse_value('solved_at', 'timestamp', text_columns)) }} as solved_at,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions,
        -- what the checks need
        conflicting_versions,
        {{ unparseable_detail(
            [('reopened_count', 'integer'), ('csat_score', 'integer')],
            text_columns
        ) }} as unparseable_number,
        {{ unparseable_detail(
            [('created_at', 'timestamp'), ('first_response_at', 'timestamp'), ('solved_at', 'timestamp')],
            text_columns
        ) }} as unparseable_date
    from deduplicated

),

{%- set checks = key_checks('ticket_id')
    + mapping_checks()
    + unparseable_checks()
    + account_checks()
    + required_checks(['priority', 'status', 'created_at'])
    + timestamp_checks('created_at')
    + order_check('created_at', 'solved_at', 'solved_before_created')
    + order_check('created_at', 'first_response_at', 'responded_before_created')
    + range_check('csat_score', 1, 5)
    + deleted_account_checks('created_at') %}

{{ quarantine_checked('renamed', checks, accounts=ref('stg_crm__accounts')) }}
