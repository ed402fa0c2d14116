-- One row per row of Stripe's `customer` table (cus_...): renamed and typed, with the CRM account
-- id read from its metadata JSON (key: var stripe_crm_id_metadata_key).
{%- set customer = stripe_table('customer') %}
{%- set metadata_key = var('stripe_crm_id_metadata_key', 'crm_account_id') %}

with

source as (

    select
        {{ stripe_column(customer, 'id', dbt.type_string()) }} as customer_id,
        {{ stripe_column(customer, 'name', dbt.type_string()) }} as customer_name,
        {{ stripe_column(customer, 'email', dbt.type_string()) }} as email,
        {{ stripe_column(customer, 'description', dbt.type_string()) }} as description,
        {{ stripe_column(customer, 'metadata', dbt.type_string()) }} as metadata,
        lower(trim({{ stripe_column(customer, 'currency', dbt.type_string()) }})) as currency,
        {{ stripe_column(customer, 'created', dbt.type_timestamp()) }} as created_at,
        {{ stripe_column(customer, 'delinquent', dbt.type_boolean()) }} as is_delinquent,
        coalesce({{ stripe_column(customer, 'livemode', dbt.type_boolean()) }}, true) as is_livemode,
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
