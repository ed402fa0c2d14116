-- One row per Segment identify call (identifies), typed: the user, the anonymous id it links to
-- the user, the domain of the email trait (var segment_email_trait; the email itself is not
-- passed on) and, with var segment_account_trait, the account id the trait holds.
{%- set landed = usage_connector_source('segment', 'identifies') %}
{%- set present = landed.present %}
{%- set account_trait = var('segment_account_trait', none) %}
{%- if account_trait %}
    {%- set account_trait_id = 'nullif(trim('
        ~ connector_column(present, account_trait, dbt.type_string()) ~ "), '')" %}
{%- else %}
    {%- set account_trait_id = 'cast(null as ' ~ dbt.type_string() ~ ')' %}
{%- endif %}

with

source as (

    select * from {{ landed.relation }}

),

renamed as (

    select
        -- ids
        {{ connector_column(present, 'id', dbt.type_string()) }} as message_id,
        nullif(trim({{ connector_column(present, 'user_id', dbt.type_string()) }}), '') as user_id,
        nullif(trim({{ connector_column(present, 'anonymous_id', dbt.type_string()) }}), '')
            as anonymous_id,
        {{ account_trait_id }} as account_trait_id,
        -- dimensions
        -- PII: only the domain of the email is kept (identity matching)
        {{ normalize_domain(connector_column(
            present, var('segment_email_trait', 'email'), dbt.type_string()
        )) }} as email_domain,
        -- dates
        {{ usage_column_quoted(present, 'timestamp', dbt.type_timestamp()) }} as occurred_at,
        -- housekeeping
        {{ connector_deleted(present) }} as is_deleted,
        {{ connector_column(
            present, [var('segment_loaded_at_column', 'uuid_ts'), 'received_at'], dbt.type_timestamp()
        ) }} as loaded_at
    from source

)

select * from renamed
