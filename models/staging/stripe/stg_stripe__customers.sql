-- One row per row of Stripe's `customer` table (cus_...): renamed and typed, with the CRM account
-- id read from its metadata JSON (key: var stripe_crm_id_metadata_key).
{%- set customer = stripe_table('customer') %}
{%- set metadata_key = var('stripe_crm_id_metadata_key', 'crm_account_id') %}
{%- set text, flag = dbt.type_string(), dbt.type_boolean() %}
{%- set bigint, stamp = dbt.type_bigint(), dbt.type_timestamp() %}

with

source as (

    select
        {{ stripe_column(customer, 'id', text) }} as customer_id,
        {{ stripe_column(customer, 'name', text) }} as customer_name,
        {{ stripe_column(customer, 'email', text) }} as email,
        {{ stripe_column(customer, 'description', text) }} as description,
        {{ stripe_column(customer, 'metadata', text) }} as metadata,
        lower(trim({{ stripe_column(customer, 'currency', text) }})) as currency,
        {{ stripe_column(customer, 'created', stamp) }} as created_at,
        {{ stripe_column(customer, 'delinquent', flag) }} as is_delinquent,
        coalesce({{ stripe_column(customer, 'livemode', flag) }}, true) as is_livemode,
        {{ stripe_deleted(customer) }} as is_deleted,
        {{ stripe_loaded_at(customer) }} as loaded_at
    from {{ stripe_from(customer, 'customer') }}
    {{- stripe_where_exists(customer) }}

),

final as (

    select
        -- ids
        customer_id,
        nullif(trim({{ stripe_json_value('metadata', metadata_key) }}), '') as explicit_crm_id,
        -- attributes
        customer_name,
        email,
        description,
        metadata,
        currency,
        is_delinquent,
        -- dates
        created_at,
        -- housekeeping
        is_livemode,
        is_deleted,
        loaded_at
    from source

)

select * from final
