-- Every raw row of crm.accounts, one per key, typed, with the reason it is quarantined (null when
-- it is staged). stg_crm__accounts keeps the rows without a reason; `quarantine` lists the others
-- with their reason and detail.
{%- if shape_of('crm') == 'contract' %}
    {%- set source_relation = source('crm', 'accounts') %}
{%- else %}
    {#- a connector shape: its mapping view lands the connector's rows in this table's columns #}
    {%- set source_relation = ref('stg_' ~ shape_of('crm') ~ '__contract_accounts') %}
{%- endif %}
{%- set raw_columns = contract_columns(source_relation, 'crm', 'accounts') %}
{%- set text_columns = text_columns_of(source_relation) %}

with

source as (

    select
        {{ select_contract_columns(raw_columns) }},
        {{ record_key('account_id') }} as record_key,
        {{ content_hash(raw_columns) }} as content_hash
    from {{ source_relation }}

),

tracked as (

    select
        *,
        -- when the account_status and churn_date took their current values (see deduplicate_latest)
        {{ generate_surrogate_key(['account_status', 'churn_date']) }} as since_hash
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
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(parent_account_id as {{ dbt.type_string() }}) as parent_account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        -- free text (name, industry, region, CSM): emails and phones masked (mask_pii)
        trim({{ mask_pii('account_name') }}) as account_name,
        {{ normalize_enum('segment') }} as segment_cleaned,
        {{ normalize_enum(mask_pii('industry')) }} as industry,
        {{ normalize_enum(mask_pii('region')) }} as region,
        trim({{ mask_pii('owner_csm') }}) as owner_csm,
        -- the identity map's key: a company's address, but a person may type an email or a
        -- phone into it, so it is masked like any free text (an email loses its domain)
        nullif(trim({{ mask_pii('website') }}), '') as website,
        {{ normalize_enum('account_status') }} as account_status_cleaned,
        -- dates
        {{ parse_value('created_date', 'date', text_columns) }} as created_date,
        {{ parse_value('churn_date', 'date', text_columns) }} as churn_date,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        {{ to_utc('since_loaded_at') }} as status_loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions,
        -- what the checks need
        conflicting_versions,
        {{ unparseable_detail([], text_columns) }} as unparseable_number,
        {{ unparseable_detail([('created_date', 'date'), ('churn_date', 'date')], text_columns) }}
            as unparseable_date
    from deduplicated

),

normalised as (

    select
        *,
        case
            when segment_cleaned in ('enterprise', 'ent') then 'enterprise'
            when segment_cleaned in ('mid_market', 'midmarket', 'mid', 'mm') then 'mid_market'
            when segment_cleaned in ('smb', 'small_business', 'sme', 'small') then 'smb'
            -- anything else is passed on as is, so the accepted_values test reports it
            else segment_cleaned
        end as segment,
        case
            when account_status_cleaned in ('active', 'customer') then 'active'
            when
                account_status_cleaned in ('churned', 'former_customer', 'cancelled', 'canceled')
                then 'churned'
            -- anything else is passed on as is, so the accepted_values test reports it
            else account_status_cleaned
        end as account_status
    from renamed

),

{%- set checks = key_checks('account_id')
    + mapping_checks()
    + unparseable_checks()
    + required_checks(['account_name', 'segment', 'created_date'])
    + timestamp_checks('created_date', after_load=false) %}

{{ quarantine_checked('normalised', checks) }}
